"""The Partner type, its metrics, and the inputs that create, change and filter partners."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from domain import ids, models
from resolvers import deals as resolve_deals
from resolvers import partners as resolve
from resolvers.context import Info
from schema.common import Connection, Node

if TYPE_CHECKING:
    from schema.contact import Contact
    from schema.deal import Deal
    from schema.segment import SegmentRef

ContactRef = Annotated["Contact", strawberry.lazy("schema.contact")]
DealRef = Annotated["Deal", strawberry.lazy("schema.deal")]
SegmentRefRef = Annotated["SegmentRef", strawberry.lazy("schema.segment")]


@strawberry.type(description="Figures derived from deals, training and engagement.")
class PartnerMetrics:
    won_revenue_12m: Decimal
    open_pipeline: Decimal
    deals_won_12m: int
    deals_registered_90d: int
    certified_contacts: int
    training_completion_rate: float
    engagement_score: float


@strawberry.type(description="A partner company.")
class Partner(Node):
    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, models.Partner)

    @strawberry.field
    def id(self, root: strawberry.Parent[models.Partner]) -> strawberry.ID:
        return strawberry.ID(ids.encode("Partner", root.id))

    external_id: str | None = strawberry.field(description="The CRM's id; unique when set.")
    name: str
    type: str = strawberry.field(description="Picklist partner.type, e.g. RESELLER.")
    tier: str = strawberry.field(description="Ranked picklist partner.tier, e.g. GOLD.")
    region: str = strawberry.field(description="Picklist partner.region, e.g. EMEA.")
    country: str | None = strawberry.field(description="ISO 3166 alpha-2, e.g. DE.")
    phase: str = strawberry.field(description="Picklist partner.phase, e.g. PROSPECTING.")
    verticals: list[str]
    joined_at: datetime
    attributes: JSON = strawberry.field(description="Declared custom attributes.")
    version: int = strawberry.field(description="Optimistic concurrency: pass as expectedVersion.")

    @strawberry.field(
        description="Null when a field policy hides it from the viewer.",
        graphql_type=PartnerMetrics | None,
    )
    async def metrics(
        self, root: strawberry.Parent[models.Partner], info: Info
    ) -> models.PartnerMetrics | None:
        return await info.context.loaders.metrics_by_partner_id.load(root.id)

    @strawberry.field
    async def contacts(
        self,
        root: strawberry.Parent[models.Partner],
        info: Info,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ContactRef]:
        return Connection(page=await resolve.partner_contacts(info, root, first, after))

    @strawberry.field(
        description="Partner segments this company belongs to.", graphql_type=list[SegmentRefRef]
    )
    async def segments(
        self, root: strawberry.Parent[models.Partner], info: Info
    ) -> list[models.Segment]:
        return await info.context.loaders.segments_by_partner_id.load(root.id)

    @strawberry.field(description="This company's deals the viewer may see, newest first.")
    async def deals(
        self,
        root: strawberry.Parent[models.Partner],
        info: Info,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DealRef]:
        return Connection(page=await resolve_deals.partner_deals(info, root, first, after))


@strawberry.input
class PartnerFilter:
    segment: str | None = strawberry.field(
        default=strawberry.UNSET, description="Members of this segment (key)."
    )
    type: str | None = strawberry.UNSET
    tier: str | None = strawberry.UNSET
    region: str | None = strawberry.UNSET
    search: str | None = strawberry.field(
        default=strawberry.UNSET, description="Name contains, case-insensitive."
    )


@strawberry.input(description="Omitted fields are left unchanged; null clears an optional field.")
class PartnerInput:
    external_id: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    type: str | None = strawberry.UNSET
    tier: str | None = strawberry.UNSET
    region: str | None = strawberry.UNSET
    country: str | None = strawberry.UNSET
    phase: str | None = strawberry.UNSET
    verticals: list[str] | None = strawberry.UNSET
    joined_at: datetime | None = strawberry.UNSET
    attributes: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="Merged key by key; a null value removes the key."
    )
