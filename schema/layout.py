"""Layouts: the fields each record type shows and accepts, per audience."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from domain import ids, layouts, models
from domain.audiences import AudienceSpec
from resolvers import layouts as resolve
from resolvers.context import Info

if TYPE_CHECKING:
    from schema.access import Audience, AudienceInput

AudienceRef = Annotated["Audience", strawberry.lazy("schema.access")]
AudienceInputRef = Annotated["AudienceInput", strawberry.lazy("schema.access")]

# The domain enum itself, shown in GraphQL under this name (strawberry.enum registers it in place).
LayoutEntity = layouts.LayoutEntity
strawberry.enum(LayoutEntity, name="LayoutEntity")


@strawberry.type(description="One field of a layout, in display order.")
class LayoutField:
    name: str
    label: str
    required: bool
    read_only: bool


@strawberry.type(description="The fields a record type shows and accepts for a set of viewers.")
class Layout:
    @strawberry.field
    def id(self, root: strawberry.Parent[models.Layout]) -> strawberry.ID:
        return strawberry.ID(ids.encode("Layout", root.id))

    @strawberry.field
    def entity(self, root: strawberry.Parent[models.Layout]) -> LayoutEntity:
        return layouts.LayoutEntity(root.entity)

    @strawberry.field(description='e.g. "referral", "resale"; PARTNER_PROFILE: "default".')
    def record_type(self, root: strawberry.Parent[models.Layout]) -> str:
        return root.record_type

    label: str

    @strawberry.field(description="In display order.")
    def fields(self, root: strawberry.Parent[models.Layout]) -> list[LayoutField]:
        return [
            LayoutField(name=f.name, label=f.label, required=f.required, read_only=f.read_only)
            for f in layouts.fields_of(root)
        ]

    priority: int

    @strawberry.field(description="null: every partner contact.", graphql_type=AudienceRef | None)
    async def audience(
        self, root: strawberry.Parent[models.Layout], info: Info
    ) -> AudienceSpec | None:
        return await resolve.audience(info, root.audience_id)


@strawberry.input
class LayoutFieldInput:
    name: str
    label: str | None = None
    required: bool | None = None
    read_only: bool | None = None


@strawberry.input(
    description="A whole layout. DEAL fields: customerName (always, first and required), "
    "amount, closeDate and declared DEAL attributes; PARTNER_PROFILE (record type "
    '"default"): PartnerInput names and declared PARTNER attributes; QUOTE: dealId, lines.'
)
class LayoutInput:
    entity: LayoutEntity
    record_type: str
    label: str
    fields: list[LayoutFieldInput]
    priority: int | None = None
    audience: AudienceInputRef | None = None


def layout_spec(value: LayoutInput) -> dict[str, Any]:
    """A LayoutInput in the service's terms (GraphQL names)."""
    from schema.inputs import provided

    return {
        "entity": value.entity.value if value.entity is not None else None,
        "recordType": value.record_type,
        "label": value.label,
        "fields": [
            {"name": f.name, "label": f.label, "required": f.required, "readOnly": f.read_only}
            for f in value.fields
        ],
        "priority": value.priority,
        "audience": provided(value.audience) if value.audience is not None else None,
    }
