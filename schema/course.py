"""Courses and enrolments: what a contact may take, and how far along it is."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from domain import ids, models
from domain.audiences import AudienceSpec
from resolvers import layouts
from resolvers.context import Info
from schema.common import Node

if TYPE_CHECKING:
    from schema.access import Audience

AudienceRef = Annotated["Audience", strawberry.lazy("schema.access")]


@strawberry.type(description="A course: who sees it, who is enrolled automatically.")
class Course(Node):
    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, models.Course)

    @strawberry.field
    def id(self, root: strawberry.Parent[models.Course]) -> strawberry.ID:
        return strawberry.ID(ids.encode("Course", root.id))

    key: str
    title: str

    @strawberry.field(
        description="Who sees the course; null: every partner contact.",
        graphql_type=AudienceRef | None,
    )
    async def audience(
        self, root: strawberry.Parent[models.Course], info: Info
    ) -> AudienceSpec | None:
        return await layouts.audience(info, root.audience_id)

    @strawberry.field(
        description="Contacts matching it are enrolled automatically (leaving it keeps the "
        "enrolment); null: nobody is enrolled automatically.",
        graphql_type=AudienceRef | None,
    )
    async def auto_enroll_audience(
        self, root: strawberry.Parent[models.Course], info: Info
    ) -> AudienceSpec | None:
        return await layouts.audience(info, root.auto_enroll_audience_id)

    @strawberry.field(
        description="The certification completing the course awards (source COURSE); null: "
        "none. An addition to the contract."
    )
    async def certification_key(
        self, root: strawberry.Parent[models.Course], info: Info
    ) -> str | None:
        if root.certification_id is None:
            return None
        found = await info.context.loaders.certification_by_id.load(root.certification_id)
        return found.key if found is not None else None


@strawberry.type(description="One contact in one course.")
class Enrollment:
    @strawberry.field
    def id(self, root: strawberry.Parent[models.Enrollment]) -> strawberry.ID:
        return strawberry.ID(ids.encode("Enrollment", root.id))

    @strawberry.field(graphql_type=Course)
    async def course(self, root: strawberry.Parent[models.Enrollment], info: Info) -> models.Course:
        found = await info.context.loaders.course_by_id.load(root.course_id)
        assert found is not None  # an enrolment's course exists (deleting one deletes these)
        return found

    status: str = strawberry.field(
        description="ENROLLED (progress 0), IN_PROGRESS or COMPLETED (progress 1.0)."
    )
    progress: float = strawberry.field(description="From 0.0 to 1.0.")
    enrolled_at: datetime
    completed_at: datetime | None
