"""Quotes: priced lines kept as they were made, their inputs and their payload."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from domain import ids, models
from resolvers import deals as resolve_deals
from resolvers import quotes as resolve
from resolvers.context import Info
from schema.common import Node, UserError

if TYPE_CHECKING:
    from schema.contact import Contact
    from schema.deal import Deal
    from schema.partner import Partner

PartnerRef = Annotated["Partner", strawberry.lazy("schema.partner")]
ContactRef = Annotated["Contact", strawberry.lazy("schema.contact")]
DealRef = Annotated["Deal", strawberry.lazy("schema.deal")]


@strawberry.type(description="One line of a quote, with the prices of the moment it was made.")
class QuoteLine:
    sku: str
    quantity: int
    list_price: Decimal
    discount_percent: Decimal = strawberry.field(description='A percentage: "20.00" is 20 %.')
    unit_price: Decimal = strawberry.field(
        description="listPrice less the discount, rounded half-up to cents."
    )
    total: Decimal = strawberry.field(description="unitPrice x quantity.")


@strawberry.type(description="A partner contact's quote, priced for it when it was made.")
class Quote(Node):
    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, models.Quote)

    @strawberry.field
    def id(self, root: strawberry.Parent[models.Quote]) -> strawberry.ID:
        return strawberry.ID(ids.encode("Quote", root.id))

    @strawberry.field(graphql_type=PartnerRef)
    async def partner(
        self, root: strawberry.Parent[models.Quote], info: Info
    ) -> models.Partner | None:
        return await info.context.loaders.partner_by_id.load(root.partner_id)

    @strawberry.field(description="The contact who created it.", graphql_type=ContactRef | None)
    async def owner(
        self, root: strawberry.Parent[models.Quote], info: Info
    ) -> models.Contact | None:
        if root.owner_id is None:
            return None
        return await info.context.loaders.contact_by_id.load(root.owner_id)

    @strawberry.field(
        description="Null when there is none or the viewer may not see it.",
        graphql_type=DealRef | None,
    )
    async def deal(self, root: strawberry.Parent[models.Quote], info: Info) -> models.Deal | None:
        return await resolve_deals.quote_deal(info, root.deal_id)

    @strawberry.field(description="In the order they were given.", graphql_type=list[QuoteLine])
    async def lines(
        self, root: strawberry.Parent[models.Quote], info: Info
    ) -> list[models.QuoteLine]:
        return await resolve.lines(info, root)

    total: Decimal = strawberry.field(description="The sum of the lines' totals.")
    status: str = strawberry.field(description="DRAFT, SUBMITTED, APPROVED or REJECTED.")
    created_at: datetime


@strawberry.input
class QuoteLineInput:
    sku: str
    quantity: int = strawberry.field(description="1 to 1,000,000.")


@strawberry.input(description="1 to 100 lines; the same sku may appear on several lines.")
class QuoteInput:
    deal_id: strawberry.ID | None = None
    lines: list[QuoteLineInput]


def quote_spec(value: QuoteInput) -> dict[str, Any]:
    """A QuoteInput in the service's terms (GraphQL names)."""
    return {
        "dealId": value.deal_id,
        "lines": [{"sku": line.sku, "quantity": line.quantity} for line in value.lines],
    }


@strawberry.type
class QuotePayload:
    quote: models.Quote | None = strawberry.field(default=None, graphql_type=Quote | None)
    errors: list[UserError] = strawberry.field(default_factory=list)
