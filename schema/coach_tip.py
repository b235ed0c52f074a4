"""Deal-coach tips: advice per deal stage, per audience."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from domain import models
from domain.audiences import AudienceSpec
from resolvers import layouts as resolve
from resolvers.context import Info

if TYPE_CHECKING:
    from schema.access import Audience

AudienceRef = Annotated["Audience", strawberry.lazy("schema.access")]


@strawberry.type(description="Advice for working a deal.")
class CoachTip:
    key: str
    stage: str | None = strawberry.field(
        description="The deal stage it is for (REGISTERED, APPROVED, WON, LOST, REJECTED); "
        "null: every stage."
    )
    text: str = strawberry.field(description="Multi-line text.")

    @strawberry.field(description="null: every partner contact.", graphql_type=AudienceRef | None)
    async def audience(
        self, root: strawberry.Parent[models.CoachTip], info: Info
    ) -> AudienceSpec | None:
        return await resolve.audience(info, root.audience_id)
