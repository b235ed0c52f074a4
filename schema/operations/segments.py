"""Root fields for segments."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from domain import models
from domain.clock import utcnow
from domain.segments.readable import Subject
from resolvers import segments as resolve
from resolvers.context import Info
from schema.common import UserError
from schema.inputs import provided
from schema.payloads import DeletePayload, delete_payload, payload, same
from schema.roots import ADMIN, ALL_STAFF, Allow, mutation, query
from schema.segment import (
    READ_MEMBERS,
    MembershipExplanation,
    RuleTrace,
    Segment,
    SegmentInput,
    SegmentMember,
    SegmentPreview,
    SegmentSubject,
)

READ_SEGMENTS = Allow(staff=ALL_STAFF, scopes={"segments:read", "segments:write"})
WRITE_SEGMENTS = Allow(staff=ADMIN, scopes={"segments:write"})


@strawberry.type
class SegmentPayload:
    segment: Segment | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class Query:
    @query("One segment by key; null if there is none.", READ_SEGMENTS, graphql_type=Segment | None)
    async def segment(self, info: Info, key: str) -> models.Segment | None:
        return await resolve.segment(info, key)

    @query("Every segment, by key.", READ_SEGMENTS, graphql_type=list[Segment])
    async def segments(self, info: Info) -> list[models.Segment]:
        return await resolve.segments(info)

    @query(
        "Count and a sample (by name, at most 10) of who a rule selects now; nothing is "
        "written. An invalid rule is a top-level error with the rule error's code "
        "(e.g. INVALID_RULE) and every problem in `extensions.errors`.",
        READ_MEMBERS,
    )
    async def preview_segment(
        self, info: Info, subject: SegmentSubject, rule: JSON
    ) -> SegmentPreview:
        found = await resolve.preview(info, Subject(subject), rule)
        return SegmentPreview(
            count=found.count,
            sample=[
                SegmentMember(id=strawberry.ID(i), name=n, since=utcnow()) for i, n in found.sample
            ],
        )

    @query(
        "Whether a partner or contact is in a segment, why, and every rule node evaluated "
        "with the subject's actual values. NOT_FOUND for an unknown segment or subject.",
        READ_MEMBERS,
    )
    async def explain_membership(
        self, info: Info, segment: str, subject_id: strawberry.ID
    ) -> MembershipExplanation:
        found = await resolve.explain(info, segment, subject_id)
        return MembershipExplanation(
            member=found.member,
            reason=found.reason,
            trace=[
                RuleTrace(pointer=t.pointer, result=t.result, actual=t.actual, detail=t.detail)
                for t in found.trace
            ],
        )


@strawberry.type
class Mutation:
    @mutation(
        "Create a segment; its members are computed before this returns (JOINED events, "
        "cause RULE_CHANGE, or MANUAL for an include list without a rule).",
        WRITE_SEGMENTS,
    )
    async def create_segment(self, info: Info, input: SegmentInput) -> SegmentPayload:
        result = await resolve.save(info, None, provided(input))
        return payload(SegmentPayload, result, segment=same)

    @mutation(
        "Change a segment. A new rule or new lists recompute it and the segments that "
        "refer to it before this returns. The key and subject cannot change.",
        WRITE_SEGMENTS,
    )
    async def update_segment(self, info: Info, key: str, input: SegmentInput) -> SegmentPayload:
        result = await resolve.save(info, key, provided(input))
        return payload(SegmentPayload, result, segment=same)

    @mutation(
        "Delete a segment. SEGMENT_IN_USE while an audience or another rule names it.",
        WRITE_SEGMENTS,
    )
    async def delete_segment(self, info: Info, key: str) -> DeletePayload:
        result = await resolve.delete(info, key)
        return delete_payload(result)
