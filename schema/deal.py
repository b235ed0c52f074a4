"""The Deal type: a deal a partner contact registered, and the payload that returns one."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from domain import ids, models
from resolvers import deals as resolve
from resolvers.context import Info
from schema.common import Node, UserError

if TYPE_CHECKING:
    from schema.contact import Contact
    from schema.partner import Partner

PartnerRef = Annotated["Partner", strawberry.lazy("schema.partner")]
ContactRef = Annotated["Contact", strawberry.lazy("schema.contact")]


@strawberry.type(description="A deal a partner contact registered.")
class Deal(Node):
    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, models.Deal)

    @strawberry.field
    def id(self, root: strawberry.Parent[models.Deal]) -> strawberry.ID:
        return strawberry.ID(ids.encode("Deal", root.id))

    record_type: str = strawberry.field(description='e.g. "referral", "resale".')

    @strawberry.field(description="The company that registered it.", graphql_type=PartnerRef)
    async def partner(
        self, root: strawberry.Parent[models.Deal], info: Info
    ) -> models.Partner | None:
        return await info.context.loaders.partner_by_id.load(root.partner_id)

    @strawberry.field(description="The contact who registered it.", graphql_type=ContactRef | None)
    async def owner(
        self, root: strawberry.Parent[models.Deal], info: Info
    ) -> models.Contact | None:
        if root.owner_id is None:
            return None
        return await info.context.loaders.contact_by_id.load(root.owner_id)

    customer_name: str
    amount: Decimal | None
    close_date: date | None
    stage: str = strawberry.field(description="REGISTERED, APPROVED, WON, LOST or REJECTED.")
    exclusivity_until: date | None = strawberry.field(
        description="Null when a field policy hides it from the viewer."
    )

    @strawberry.field(
        description="The record type's other fields (declared DEAL attributes), only those "
        "the viewer's layout for the record type shows (staff and API keys: all).",
        graphql_type=JSON,
    )
    async def values(self, root: strawberry.Parent[models.Deal], info: Info) -> dict[str, Any]:
        return await resolve.values(info, root)

    created_at: datetime
    version: int = strawberry.field(description="Optimistic concurrency: pass as expectedVersion.")


@strawberry.type
class DealPayload:
    deal: models.Deal | None = strawberry.field(default=None, graphql_type=Deal | None)
    errors: list[UserError] = strawberry.field(default_factory=list)
