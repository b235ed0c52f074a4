"""Navigation tabs: the portal's menu, per audience."""

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


@strawberry.type(description="One entry of the portal's navigation.")
class NavTab:
    key: str
    label: str
    path: str = strawberry.field(description='A path inside the portal, e.g. "/deals/register".')

    @strawberry.field(description="Tabs are listed by order, then key.")
    def order(self, root: strawberry.Parent[models.NavTab]) -> int:
        return root.position

    @strawberry.field(description="null: every partner contact.", graphql_type=AudienceRef | None)
    async def audience(
        self, root: strawberry.Parent[models.NavTab], info: Info
    ) -> AudienceSpec | None:
        return await resolve.audience(info, root.audience_id)
