"""Root fields for content: asset folders, assets and announcements.

Every signed-in caller reads content: contacts what their audiences admit, staff and API keys
everything. Vendor admins and `content:write` API keys manage it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import strawberry

from domain import ids, models
from domain.principal import SCOPES
from resolvers import content as resolve
from resolvers.context import Info
from schema.access import AudienceInput
from schema.announcement import Announcement
from schema.asset import Asset, AssetFolder
from schema.common import Connection
from schema.inputs import provided
from schema.payloads import ConfigPayload, DeletePayload, delete_payload, payload
from schema.roots import ADMIN, ALL_STAFF, Allow, mutation, query

READ_CONTENT = Allow(staff=ALL_STAFF, contacts=True, scopes=SCOPES)
WRITE_CONTENT = Allow(staff=ADMIN, scopes={"content:write"})
UNSET: Any = strawberry.UNSET


def arguments(**values: Any) -> dict[str, Any]:
    """The arguments a client sent, by GraphQL name (omitted ones left out; audiences as
    plain mappings)."""
    sent: dict[str, Any] = {}
    for name, value in values.items():
        if value is strawberry.UNSET:
            continue
        if isinstance(value, AudienceInput):
            value = provided(value)
        sent[name] = value
    return sent


def id_of(type_name: str) -> Callable[[Any], strawberry.ID]:
    """The payload's `id`: the written object's public id."""
    return lambda row: strawberry.ID(ids.encode(type_name, row.id))


@strawberry.type
class Query:
    @query(
        "Assets the viewer may see, by title: those directly in `folderId` (a hidden or "
        "unknown folder: none), or every visible asset.",
        READ_CONTENT,
    )
    async def assets(
        self,
        info: Info,
        folder_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Asset]:
        return Connection(page=await resolve.assets(info, folder_id, first, after))

    @query(
        "One asset; null if absent or not visible (its folders' audiences too).",
        READ_CONTENT,
        graphql_type=Asset | None,
    )
    async def asset(self, info: Info, id: strawberry.ID) -> models.Asset | None:
        return await resolve.asset(info, id)

    @query(
        "Folders the viewer may see (every enclosing folder's audience admits it too), by name.",
        READ_CONTENT,
        graphql_type=list[AssetFolder],
    )
    async def asset_folders(self, info: Info) -> list[models.AssetFolder]:
        return await resolve.folders(info)

    @query(
        "Announcements inside their publish window the viewer may see, newest first (staff "
        "and API keys: every announcement, scheduled and expired too).",
        READ_CONTENT,
    )
    async def announcements(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Announcement]:
        return Connection(page=await resolve.announcements(info, first, after))


@strawberry.type
class Mutation:
    @mutation("Create an asset folder, at the top level or inside `parentId`.", WRITE_CONTENT)
    async def create_asset_folder(
        self,
        info: Info,
        name: str,
        parent_id: strawberry.ID | None = None,
        audience: AudienceInput | None = None,
    ) -> ConfigPayload:
        patch = arguments(name=name, parentId=parent_id, audience=audience)
        result = await resolve.create_folder(info, patch)
        return payload(ConfigPayload, result, id=id_of("AssetFolder"))

    @mutation(
        "Rename, move (with everything in it; not into itself or a subfolder) or re-audience "
        "a folder. Omitted arguments are unchanged; null parentId moves it to the top level, "
        "null audience opens it to every partner contact.",
        WRITE_CONTENT,
    )
    async def update_asset_folder(
        self,
        info: Info,
        id: strawberry.ID,
        name: str | None = UNSET,
        parent_id: strawberry.ID | None = UNSET,
        audience: AudienceInput | None = UNSET,
    ) -> ConfigPayload:
        patch = arguments(name=name, parentId=parent_id, audience=audience)
        result = await resolve.update_folder(info, id, patch)
        return payload(ConfigPayload, result, id=id_of("AssetFolder"))

    @mutation(
        "Remove an empty folder (one holding folders or assets: INVALID_VALUE).", WRITE_CONTENT
    )
    async def delete_asset_folder(self, info: Info, id: strawberry.ID) -> DeletePayload:
        return delete_payload(await resolve.delete_folder(info, id))

    @mutation(
        "Create an asset. kind: DOCUMENT, VIDEO, LINK, PRICE_SHEET, PRESENTATION or OTHER; url: "
        "an absolute http(s) URL.",
        WRITE_CONTENT,
    )
    async def create_asset(
        self,
        info: Info,
        title: str,
        kind: str,
        url: str,
        folder_id: strawberry.ID | None = None,
        audience: AudienceInput | None = None,
    ) -> ConfigPayload:
        patch = arguments(title=title, kind=kind, url=url, folderId=folder_id, audience=audience)
        return payload(ConfigPayload, await resolve.create_asset(info, patch), id=id_of("Asset"))

    @mutation(
        "Change an asset. Omitted arguments are unchanged; null folderId moves it to the top "
        "level, null audience opens it to every partner contact.",
        WRITE_CONTENT,
    )
    async def update_asset(
        self,
        info: Info,
        id: strawberry.ID,
        title: str | None = UNSET,
        kind: str | None = UNSET,
        url: str | None = UNSET,
        folder_id: strawberry.ID | None = UNSET,
        audience: AudienceInput | None = UNSET,
    ) -> ConfigPayload:
        patch = arguments(title=title, kind=kind, url=url, folderId=folder_id, audience=audience)
        result = await resolve.update_asset(info, id, patch)
        return payload(ConfigPayload, result, id=id_of("Asset"))

    @mutation("Remove an asset.", WRITE_CONTENT)
    async def delete_asset(self, info: Info, id: strawberry.ID) -> DeletePayload:
        return delete_payload(await resolve.delete_asset(info, id))

    @mutation(
        "Create an announcement, shown from publishAt (default: now) until expiresAt (null: "
        "no end; must be after publishAt).",
        WRITE_CONTENT,
    )
    async def create_announcement(
        self,
        info: Info,
        title: str,
        body: str,
        publish_at: datetime | None = None,
        expires_at: datetime | None = None,
        audience: AudienceInput | None = None,
    ) -> ConfigPayload:
        patch = arguments(
            title=title, body=body, publishAt=publish_at, expiresAt=expires_at, audience=audience
        )
        result = await resolve.create_announcement(info, patch)
        return payload(ConfigPayload, result, id=id_of("Announcement"))

    @mutation(
        "Change an announcement. Omitted arguments are unchanged; null publishAt means now, "
        "null expiresAt no end, null audience every partner contact.",
        WRITE_CONTENT,
    )
    async def update_announcement(
        self,
        info: Info,
        id: strawberry.ID,
        title: str | None = UNSET,
        body: str | None = UNSET,
        publish_at: datetime | None = UNSET,
        expires_at: datetime | None = UNSET,
        audience: AudienceInput | None = UNSET,
    ) -> ConfigPayload:
        patch = arguments(
            title=title, body=body, publishAt=publish_at, expiresAt=expires_at, audience=audience
        )
        result = await resolve.update_announcement(info, id, patch)
        return payload(ConfigPayload, result, id=id_of("Announcement"))

    @mutation("Remove an announcement.", WRITE_CONTENT)
    async def delete_announcement(self, info: Info, id: strawberry.ID) -> DeletePayload:
        return delete_payload(await resolve.delete_announcement(info, id))
