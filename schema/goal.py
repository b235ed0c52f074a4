"""Goals: a target for a metric over a period, with progress per partner and per segment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from domain import goals, ids, models
from domain.audiences import AudienceSpec, SegmentRefValue
from resolvers import goals as resolve
from resolvers import layouts
from resolvers.context import Info
from schema.common import Node

if TYPE_CHECKING:
    from schema.access import Audience
    from schema.segment import SegmentRef

AudienceRef = Annotated["Audience", strawberry.lazy("schema.access")]
SegmentRefRef = Annotated["SegmentRef", strawberry.lazy("schema.segment")]

GoalMetric = goals.GoalMetric
strawberry.enum(GoalMetric, name="GoalMetric")


@strawberry.type(description="How a segment's partners are doing on a goal.")
class SegmentGoalProgress:
    @strawberry.field(graphql_type=SegmentRefRef)
    def segment(self, root: strawberry.Parent[goals.SegmentProgress]) -> SegmentRefValue:
        return root.segment

    partners: int = strawberry.field(
        description="A PARTNER segment's members; a CONTACT segment's members' companies."
    )
    value: Decimal = strawberry.field(description="The sum over those partners.")
    attainment: float = strawberry.field(description="value / (target x partners); 0: none.")


@strawberry.type(description="A target for a metric over a period (dates inclusive, UTC).")
class Goal(Node):
    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, models.Goal)

    @strawberry.field
    def id(self, root: strawberry.Parent[models.Goal]) -> strawberry.ID:
        return strawberry.ID(ids.encode("Goal", root.id))

    name: str

    @strawberry.field
    def metric(self, root: strawberry.Parent[models.Goal]) -> GoalMetric:
        return goals.GoalMetric(root.metric)

    target: Decimal
    period_start: date
    period_end: date

    @strawberry.field(
        description="Who the goal is for; null: every partner contact.",
        graphql_type=AudienceRef | None,
    )
    async def audience(
        self, root: strawberry.Parent[models.Goal], info: Info
    ) -> AudienceSpec | None:
        return await layouts.audience(info, root.audience_id)

    @strawberry.field(
        description="For each segment the audience names (anySegments, then allSegments): its "
        "partners, their summed value and attainment. Staff and analytics:read keys; "
        "contacts get [].",
        graphql_type=list[SegmentGoalProgress],
    )
    async def segment_progress(
        self, root: strawberry.Parent[models.Goal], info: Info
    ) -> list[goals.SegmentProgress]:
        return await resolve.segment_progress(info, root)


@strawberry.type(description="The viewer's partner on one goal.")
class GoalProgress:
    @strawberry.field(graphql_type=Goal)
    def goal(self, root: strawberry.Parent[goals.Progress]) -> models.Goal:
        return root.goal

    value: Decimal
    attainment: float = strawberry.field(description="value / target (0.5 = half way).")
