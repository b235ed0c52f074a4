"""The Contact type: a person at a partner company."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from domain import ids, models
from resolvers import segments as resolve_segments
from resolvers.context import Info
from schema.common import Node
from schema.identity import ContactRole

if TYPE_CHECKING:
    from schema.partner import Partner
    from schema.segment import SegmentRef

PartnerRef = Annotated["Partner", strawberry.lazy("schema.partner")]
SegmentRefRef = Annotated["SegmentRef", strawberry.lazy("schema.segment")]


@strawberry.type(description="A person at a partner company.")
class Contact(Node):
    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, models.Contact)

    @strawberry.field
    def id(self, root: strawberry.Parent[models.Contact]) -> strawberry.ID:
        return strawberry.ID(ids.encode("Contact", root.id))

    @strawberry.field(graphql_type=PartnerRef)
    async def partner(
        self, root: strawberry.Parent[models.Contact], info: Info
    ) -> models.Partner | None:
        return await info.context.loaders.partner_by_id.load(root.partner_id)

    email: str
    name: str

    @strawberry.field
    def role(self, root: strawberry.Parent[models.Contact]) -> ContactRole:
        return ContactRole(root.role)

    title: str | None
    status: str = strawberry.field(description="INVITED, ACTIVE or DEACTIVATED.")
    attributes: JSON
    last_login_at: datetime | None

    @strawberry.field(
        description="Partner segments of its company, then its own contact segments.",
        graphql_type=list[SegmentRefRef],
    )
    async def segments(
        self, root: strawberry.Parent[models.Contact], info: Info
    ) -> list[models.Segment]:
        return await resolve_segments.of_contact(info, root.id, root.partner_id)
