"""The Relay `node(id)` root field."""

from __future__ import annotations

import strawberry

from resolvers import nodes
from resolvers.context import Info
from schema.common import Node


@strawberry.type
class Query:
    @strawberry.field(description="Any object by id; null if absent or not visible to the viewer.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await nodes.node(info, id)
