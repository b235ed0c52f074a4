"""Asset folders and assets: content a contact sees when its audiences (and every enclosing
folder's) admit it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from domain import ids, models
from domain.audiences import AudienceSpec
from resolvers import content as resolve
from resolvers import layouts
from resolvers.context import Info
from schema.common import Node

if TYPE_CHECKING:
    from schema.access import Audience

AudienceRef = Annotated["Audience", strawberry.lazy("schema.access")]
# The folder type names itself (a folder's parent) before its class exists.
AssetFolderRef = Annotated["AssetFolder", strawberry.lazy("schema.asset")]


@strawberry.type(description="A folder of assets; folders nest.")
class AssetFolder:
    @strawberry.field
    def id(self, root: strawberry.Parent[models.AssetFolder]) -> strawberry.ID:
        return strawberry.ID(ids.encode("AssetFolder", root.id))

    name: str

    @strawberry.field(
        description="The enclosing folder; null at the top level.",
        graphql_type=AssetFolderRef | None,
    )
    async def parent(
        self, root: strawberry.Parent[models.AssetFolder], info: Info
    ) -> models.AssetFolder | None:
        return await resolve.folder(info, root.parent_id)

    @strawberry.field(
        description="null: every partner contact. A contact sees the folder only when this "
        "and every enclosing folder's audience admit it.",
        graphql_type=AudienceRef | None,
    )
    async def audience(
        self, root: strawberry.Parent[models.AssetFolder], info: Info
    ) -> AudienceSpec | None:
        return await layouts.audience(info, root.audience_id)


@strawberry.type(description="A document, video, link, price sheet or presentation.")
class Asset(Node):
    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, models.Asset)

    @strawberry.field
    def id(self, root: strawberry.Parent[models.Asset]) -> strawberry.ID:
        return strawberry.ID(ids.encode("Asset", root.id))

    title: str
    kind: str = strawberry.field(
        description="DOCUMENT, VIDEO, LINK, PRICE_SHEET, PRESENTATION or OTHER."
    )
    url: str

    @strawberry.field(description="null: at the top level.", graphql_type=AssetFolder | None)
    async def folder(
        self, root: strawberry.Parent[models.Asset], info: Info
    ) -> models.AssetFolder | None:
        return await resolve.folder(info, root.folder_id)

    @strawberry.field(description="null: every partner contact.", graphql_type=AudienceRef | None)
    async def audience(
        self, root: strawberry.Parent[models.Asset], info: Info
    ) -> AudienceSpec | None:
        return await layouts.audience(info, root.audience_id)

    created_at: datetime
