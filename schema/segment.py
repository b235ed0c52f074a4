"""Segments, their members, membership history and explanations."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from domain import ids, models
from domain.segments import readable
from domain.segments.moves import Cause
from resolvers import segments as resolve
from resolvers.context import Info
from schema.common import Connection, Node
from schema.identity import StaffMember
from schema.roots import ALL_STAFF, Allow, guard

# Who is in a segment is data about partners and contacts: API keys need a partners scope
# too (segments:read alone reads definitions). Contacts never see segments.
READ_MEMBERS = Allow(
    staff=ALL_STAFF,
    scopes={"segments:read", "segments:write"},
    and_scopes={"partners:read", "partners:write"},
)

# The domain enums themselves, shown in GraphQL under these names (strawberry.enum registers
# them in place).
SegmentSubject = readable.Subject
MembershipCause = Cause
strawberry.enum(SegmentSubject, name="SegmentSubject")
strawberry.enum(MembershipCause, name="MembershipCause")


@strawberry.enum
class MembershipChange(Enum):
    JOINED = "JOINED"
    LEFT = "LEFT"


@strawberry.type(description="A segment by key and name.")
class SegmentRef:
    key: str
    name: str


@strawberry.type(description="A partner (PARTNER segments) or contact (CONTACT segments).")
class SegmentMember:
    id: strawberry.ID = strawberry.field(description="The Partner or Contact id.")
    name: str
    since: datetime


@strawberry.type
class MembershipEvent:
    @strawberry.field(graphql_type=SegmentRef)
    async def segment(
        self, root: strawberry.Parent[models.MembershipEvent], info: Info
    ) -> models.Segment | None:
        return await info.context.loaders.segment_by_id.load(root.segment_id)

    @strawberry.field(description="The Partner or Contact id.")
    async def subject_id(
        self, root: strawberry.Parent[models.MembershipEvent], info: Info
    ) -> strawberry.ID:
        segment = await info.context.loaders.segment_by_id.load(root.segment_id)
        assert segment is not None  # a segment's events are deleted with it
        type_name = "Partner" if segment.subject == "PARTNER" else "Contact"
        return strawberry.ID(ids.encode(type_name, root.subject_id))

    @strawberry.field
    def change(self, root: strawberry.Parent[models.MembershipEvent]) -> MembershipChange:
        return MembershipChange(root.change)

    @strawberry.field
    def cause(self, root: strawberry.Parent[models.MembershipEvent]) -> MembershipCause:
        return Cause(root.cause)

    at: datetime


@strawberry.type(description="Who a rule would select now; nothing is written.")
class SegmentPreview:
    count: int
    sample: list[SegmentMember]


@strawberry.type(description="One node of the rule tree, evaluated for one subject.")
class RuleTrace:
    pointer: str = strawberry.field(description='JSON pointer into the rule, "" for the root.')
    result: bool
    actual: JSON | None = strawberry.field(
        description="The subject's value at a condition's field."
    )
    detail: str


@strawberry.type
class MembershipExplanation:
    member: bool
    reason: str = strawberry.field(description="RULE, INCLUDED, EXCLUDED or NO_MATCH.")
    trace: list[RuleTrace]


def _subject_type(segment: models.Segment) -> str:
    return "Partner" if segment.subject == "PARTNER" else "Contact"


async def _listed(segment: models.Segment, info: Info, kind: str) -> list[strawberry.ID]:
    overrides = await info.context.loaders.overrides_by_segment_id.load(segment.id)
    return [
        strawberry.ID(ids.encode(_subject_type(segment), o.subject_id))
        for o in overrides
        if o.kind == kind
    ]


@strawberry.type(description="A group of partners or contacts defined by a rule and lists.")
class Segment(Node):
    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, models.Segment)

    @strawberry.field
    def id(self, root: strawberry.Parent[models.Segment]) -> strawberry.ID:
        return strawberry.ID(ids.encode("Segment", root.id))

    key: str = strawberry.field(description="Stable, lowercase-kebab; audiences and rules use it.")
    name: str
    description: str | None

    @strawberry.field
    def subject(self, root: strawberry.Parent[models.Segment]) -> SegmentSubject:
        return readable.Subject(root.subject)

    rule: JSON | None = strawberry.field(description="null: membership is the include list only.")

    @strawberry.field(description="Always members.")
    async def include(
        self, root: strawberry.Parent[models.Segment], info: Info
    ) -> list[strawberry.ID]:
        return await _listed(root, info, "INCLUDE")

    @strawberry.field(description="Never members (wins over rule and include).")
    async def exclude(
        self, root: strawberry.Parent[models.Segment], info: Info
    ) -> list[strawberry.ID]:
        return await _listed(root, info, "EXCLUDE")

    version: int
    time_dependent: bool = strawberry.field(
        description="The rule uses relative dates; re-evaluated on a schedule."
    )

    @strawberry.field(
        description="Members the viewer may see. API keys also need a partners scope.",
        extensions=guard(READ_MEMBERS),
    )
    async def member_count(self, root: strawberry.Parent[models.Segment], info: Info) -> int:
        return await info.context.loaders.member_count_by_segment_id.load(root.id)

    @strawberry.field(
        description="Members the viewer may see, by id. API keys also need a partners scope.",
        extensions=guard(READ_MEMBERS),
    )
    async def members(
        self,
        root: strawberry.Parent[models.Segment],
        info: Info,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[SegmentMember]:
        page = await resolve.members(info, root, first, after)
        return Connection(
            page=page.mapped(lambda m: SegmentMember(id=strawberry.ID(m[0]), name=m[1], since=m[2]))
        )

    @strawberry.field(
        description="Joins and leaves, newest first. API keys also need a partners scope.",
        extensions=guard(READ_MEMBERS),
    )
    async def history(
        self,
        root: strawberry.Parent[models.Segment],
        info: Info,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[MembershipEvent]:
        return Connection(page=await resolve.history(info, root, first, after))

    @strawberry.field(
        description="Channel managers who own this segment.", graphql_type=list[StaffMember]
    )
    async def managers(
        self, root: strawberry.Parent[models.Segment], info: Info
    ) -> list[models.StaffMember]:
        return await info.context.loaders.managers_by_segment_id.load(root.id)

    updated_at: datetime


@strawberry.input(description="Omitted fields are unchanged.")
class SegmentInput:
    key: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    subject: SegmentSubject | None = strawberry.UNSET
    rule: JSON | None = strawberry.UNSET
    include: list[strawberry.ID] | None = strawberry.UNSET
    exclude: list[strawberry.ID] | None = strawberry.UNSET
    manager_ids: list[strawberry.ID] | None = strawberry.UNSET
