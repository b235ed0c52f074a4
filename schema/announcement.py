"""Announcements: news a contact sees inside its publish window, when its audience admits it."""

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


@strawberry.type(description="News for an audience, shown from publishAt until expiresAt.")
class Announcement(Node):
    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, models.Announcement)

    @strawberry.field
    def id(self, root: strawberry.Parent[models.Announcement]) -> strawberry.ID:
        return strawberry.ID(ids.encode("Announcement", root.id))

    title: str
    body: str = strawberry.field(description="Multi-line text.")
    publish_at: datetime
    expires_at: datetime | None = strawberry.field(description="null: no end.")

    @strawberry.field(description="null: every partner contact.", graphql_type=AudienceRef | None)
    async def audience(
        self, root: strawberry.Parent[models.Announcement], info: Info
    ) -> AudienceSpec | None:
        return await layouts.audience(info, root.audience_id)
