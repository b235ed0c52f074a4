"""Products as a viewer may quote them, and the price rules that discount them."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain import ids, models
from domain.audiences import AudienceSpec
from domain.services.products import Priced
from resolvers import layouts as resolve_layouts
from resolvers.context import Info

if TYPE_CHECKING:
    from schema.access import Audience

AudienceRef = Annotated["Audience", strawberry.lazy("schema.access")]


@strawberry.type(description="A product the viewer may quote, priced for the viewer.")
class Product:
    @strawberry.field
    def sku(self, root: strawberry.Parent[Priced]) -> str:
        return root.product.sku

    @strawberry.field
    def name(self, root: strawberry.Parent[Priced]) -> str:
        return root.product.name

    @strawberry.field
    def list_price(self, root: strawberry.Parent[Priced]) -> Decimal:
        return root.product.list_price

    @strawberry.field(
        description="The viewer's price: listPrice less the best discount of the price rules "
        "that admit it, rounded half-up to cents (staff and API keys: listPrice)."
    )
    def price(self, root: strawberry.Parent[Priced]) -> Decimal:
        return root.price

    @strawberry.field(
        description="Who may see and quote it; null: every partner contact.",
        graphql_type=AudienceRef | None,
    )
    async def audience(self, root: strawberry.Parent[Priced], info: Info) -> AudienceSpec | None:
        return await resolve_layouts.audience(info, root.product.audience_id)


@strawberry.type(description="A discount for an audience, on one product or (sku null) all.")
class PriceRule:
    @strawberry.field
    def id(self, root: strawberry.Parent[models.PriceRule]) -> strawberry.ID:
        return strawberry.ID(ids.encode("PriceRule", root.id))

    sku: str | None = strawberry.field(description="null: every product.")
    discount_percent: Decimal = strawberry.field(description='A percentage: "20.00" is 20 %.')
    priority: int = strawberry.field(description="Of equal discounts, the higher priority rule.")

    @strawberry.field(description="null: every partner contact.", graphql_type=AudienceRef | None)
    async def audience(
        self, root: strawberry.Parent[models.PriceRule], info: Info
    ) -> AudienceSpec | None:
        return await resolve_layouts.audience(info, root.audience_id)
