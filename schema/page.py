"""Portal pages: a contact's homepage is the highest-priority page its audiences admit."""

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


@strawberry.type(description="A portal page.")
class Page:
    key: str
    title: str
    body: str | None = strawberry.field(description="Multi-line text.")
    priority: int = strawberry.field(
        description="The homepage is the matching page with the highest."
    )

    @strawberry.field(description="null: every partner contact.", graphql_type=AudienceRef | None)
    async def audience(
        self, root: strawberry.Parent[models.PortalPage], info: Info
    ) -> AudienceSpec | None:
        return await resolve.audience(info, root.audience_id)
