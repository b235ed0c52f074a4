"""Audiences, action and field policies, access decisions, capabilities and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from domain import ids, models
from domain import policies as domain_policies
from domain.audiences import AudienceSpec, SegmentRefValue
from domain.principal import ContactRole as DomainContactRole

if TYPE_CHECKING:
    from schema.identity import ContactRole
    from schema.segment import SegmentRef

SegmentRefRef = Annotated["SegmentRef", strawberry.lazy("schema.segment")]
ContactRoleRef = Annotated["ContactRole", strawberry.lazy("schema.identity")]

# The domain enum itself, shown in GraphQL under this name (strawberry.enum registers it in place).
Action = domain_policies.Action
strawberry.enum(Action, name="Action")


@strawberry.type(description="Who an audience admits; see the contract's matching rule.")
class Audience:
    @strawberry.field
    def any_segments(self, root: strawberry.Parent[AudienceSpec]) -> list[str]:
        return sorted(root.any_segments)

    @strawberry.field
    def all_segments(self, root: strawberry.Parent[AudienceSpec]) -> list[str]:
        return sorted(root.all_segments)

    @strawberry.field
    def none_segments(self, root: strawberry.Parent[AudienceSpec]) -> list[str]:
        return sorted(root.none_segments)

    @strawberry.field
    def roles(self, root: strawberry.Parent[AudienceSpec]) -> list[ContactRoleRef]:
        return [DomainContactRole(r) for r in sorted(root.roles)]


@strawberry.input(description="Omitted lists are empty. Unknown segment keys: UNKNOWN_SEGMENT.")
class AudienceInput:
    any_segments: list[str] | None = strawberry.UNSET
    all_segments: list[str] | None = strawberry.UNSET
    none_segments: list[str] | None = strawberry.UNSET
    roles: list[ContactRoleRef] | None = strawberry.UNSET


@strawberry.type
class ActionPolicy:
    action: Action
    audience: AudienceSpec | None = strawberry.field(
        description="null: every partner contact.", graphql_type=Audience | None
    )


@strawberry.type
class FieldPolicy:
    type_name: str
    field_name: str
    audience: AudienceSpec | None = strawberry.field(graphql_type=Audience | None)


@strawberry.type
class AccessDecision:
    allowed: bool
    reason: str
    viewer_segments: list[SegmentRefValue] = strawberry.field(graphql_type=list[SegmentRefRef])
    audience: AudienceSpec | None = strawberry.field(graphql_type=Audience | None)


@strawberry.type(description="What the viewer may do: the same answers the mutations give.")
class Capabilities:
    create_quote: bool
    register_deal: bool
    edit_partner_profile: bool
    manage_team: bool
    editable_profile_fields: list[str] = strawberry.field(
        description="PartnerInput names the viewer's PARTNER_PROFILE layout lets it write."
    )


@strawberry.type
class AuditEntry:
    @strawberry.field
    def id(self, root: strawberry.Parent[models.AuditEntry]) -> strawberry.ID:
        return strawberry.ID(ids.encode("AuditEntry", root.id))

    at: datetime
    actor: str = strawberry.field(description='e.g. "staff:<id>", with view-as noted.')
    action: str = strawberry.field(description='Mutation name, or "FORBIDDEN:<mutation>".')
    target: str | None
    outcome: str = strawberry.field(description="OK, REFUSED (payload errors) or FORBIDDEN.")
    detail: JSON = strawberry.field(description="Before/after summary of changed fields.")
