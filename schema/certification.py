"""Certifications: their definitions, and what a contact holds."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain import ids, models
from domain.audiences import AudienceSpec
from resolvers import layouts
from resolvers.context import Info

if TYPE_CHECKING:
    from schema.access import Audience

AudienceRef = Annotated["Audience", strawberry.lazy("schema.access")]


@strawberry.type(description="A certification contacts hold by key (rules read them).")
class Certification:
    @strawberry.field
    def id(self, root: strawberry.Parent[models.Certification]) -> strawberry.ID:
        return strawberry.ID(ids.encode("Certification", root.id))

    key: str
    name: str

    @strawberry.field(
        description="Held exactly while a contact matches it (source AUDIENCE); null: held "
        "only when awarded by hand (MANUAL) or by a course (COURSE).",
        graphql_type=AudienceRef | None,
    )
    async def award_audience(
        self, root: strawberry.Parent[models.Certification], info: Info
    ) -> AudienceSpec | None:
        return await layouts.audience(info, root.award_audience_id)


@strawberry.type(description="A certification the viewer holds.")
class CertificationHeld:
    @strawberry.field(graphql_type=Certification)
    async def certification(
        self, root: strawberry.Parent[models.ContactCertification], info: Info
    ) -> models.Certification:
        found = await info.context.loaders.certification_by_key.load(root.certification_key)
        assert found is not None  # removing a certification withdraws it from every holder
        return found

    source: str = strawberry.field(description="AUDIENCE, MANUAL or COURSE.")
    since: datetime
