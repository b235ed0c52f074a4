"""Content: GraphQL arguments to service calls (folders, assets, announcements)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain import models
from domain.pagination import Page
from domain.services import content as service
from resolvers.context import Info
from resolvers.mutations import Result, run


def _matched(info: Info) -> frozenset[int] | None:
    info.context.require_principal()
    return info.context.viewer.access.audience_ids


async def folders(info: Info) -> list[models.AssetFolder]:
    matched = _matched(info)
    async with info.context.db.read() as session:
        return await service.folders(session, matched)


async def folder(info: Info, folder_id: int | None) -> models.AssetFolder | None:
    """An enclosing folder (visible whenever what it encloses is)."""
    if folder_id is None:
        return None
    return await info.context.loaders.folder_by_id.load(folder_id)


async def assets(
    info: Info, folder_id: str | None, first: int | None, after: str | None
) -> Page[models.Asset]:
    return await service.asset_page(info.context.db, _matched(info), folder_id, first, after)


async def asset(info: Info, asset_id: str) -> models.Asset | None:
    matched = _matched(info)
    async with info.context.db.read() as session:
        return await service.find_asset(session, matched, asset_id)


async def announcements(
    info: Info, first: int | None, after: str | None
) -> Page[models.Announcement]:
    return await service.announcement_page(info.context.db, _matched(info), first, after)


async def announcement(info: Info, announcement_id: str) -> models.Announcement | None:
    matched = _matched(info)
    async with info.context.db.read() as session:
        return await service.find_announcement(session, matched, announcement_id)


async def create_folder(info: Info, patch: Mapping[str, Any]) -> Result[models.AssetFolder]:
    return await run(info, service.create_folder, patch)


async def update_folder(
    info: Info, folder_id: str, patch: Mapping[str, Any]
) -> Result[models.AssetFolder]:
    return await run(info, service.update_folder, folder_id, patch)


async def delete_folder(info: Info, folder_id: str) -> Result[models.AssetFolder]:
    return await run(info, service.delete_folder, folder_id)


async def create_asset(info: Info, patch: Mapping[str, Any]) -> Result[models.Asset]:
    return await run(info, service.create_asset, patch)


async def update_asset(info: Info, asset_id: str, patch: Mapping[str, Any]) -> Result[models.Asset]:
    return await run(info, service.update_asset, asset_id, patch)


async def delete_asset(info: Info, asset_id: str) -> Result[models.Asset]:
    return await run(info, service.delete_asset, asset_id)


async def create_announcement(info: Info, patch: Mapping[str, Any]) -> Result[models.Announcement]:
    return await run(info, service.create_announcement, patch)


async def update_announcement(
    info: Info, announcement_id: str, patch: Mapping[str, Any]
) -> Result[models.Announcement]:
    return await run(info, service.update_announcement, announcement_id, patch)


async def delete_announcement(info: Info, announcement_id: str) -> Result[models.Announcement]:
    return await run(info, service.delete_announcement, announcement_id)
