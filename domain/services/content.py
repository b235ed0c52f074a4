"""Asset folders, assets and announcements: managed by vendor admins and `content:write` keys,
read by every signed-in caller (contacts through audiences, in SQL).

Creates take every argument; updates take the arguments a caller sent (`patch`, GraphQL
names): an omitted one is unchanged, null clears an optional one (an audience: every
partner contact; a parent or folder: the top level; an expiry: none) and is REQUIRED for
a required one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache, partial
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audiences, content, ids, validation
from domain.audiences import AudienceSpec, Matched
from domain.clock import utcnow
from domain.db import Database
from domain.errors import DomainError, ErrorCode, Problems, not_found
from domain.models import Announcement, Asset, AssetFolder
from domain.pagination import Keyset, Page, count_rows, paginate
from domain.services.inputs import audience, checked, decoded
from domain.uow import UnitOfWork

M = TypeVar("M", AssetFolder, Asset, Announcement)
FOLDER_ORDER = (AssetFolder.name, AssetFolder.id)
ASSET_ORDER = Keyset((Asset.title, Asset.id))
ANNOUNCEMENT_ORDER = Keyset((Announcement.publish_at, Announcement.id), descending=True)


# ---------------------------------------------------------------- reads


async def folders(session: AsyncSession, matched: Matched) -> list[AssetFolder]:
    """Folders the viewer may see (every enclosing folder admits it too), by name."""
    rows = await session.scalars(
        select(AssetFolder)
        .where(audiences.admitted(matched, AssetFolder.audience_id))
        .where(content.folder_visible(matched, AssetFolder.id))
        .order_by(*FOLDER_ORDER)
    )
    return list(rows)


# Lists are built once per audience set (and shape) and bound to the rest: see
# domain.statements. 512 sets cover every viewer of a programme with hundreds of audiences.
@lru_cache(maxsize=512)
def _assets(matched: Matched, in_folder: bool) -> Select[Any]:
    query = select(Asset).where(content.asset_visible(matched))
    return query.where(Asset.folder_id == bindparam("folder")) if in_folder else query


@lru_cache(maxsize=512)
def _announcements(matched: Matched) -> Select[Any]:
    return select(Announcement).where(content.announcement_visible(matched, bindparam("now")))


async def asset_page(
    db: Database, matched: Matched, folder_id: str | None, first: int | None, after: str | None
) -> Page[Asset]:
    """Visible assets by title: those directly in `folder_id` (a hidden or unknown folder:
    none), or every visible asset. `totalCount` is counted once per access version and
    audience set (which assets a viewer sees follows from content and audiences alone, and
    every change to either bumps that version), so a portal home costs the same with 1,000
    assets or 100,000."""
    pk = decoded(folder_id, "AssetFolder") if folder_id is not None else None
    if folder_id is not None and pk is None:
        return await paginate(db, select(Asset).where(false()), ASSET_ORDER, first, after)
    query = _assets(matched, pk is not None)
    params = {"folder": pk} if pk is not None else {}
    page = await paginate(db, query, ASSET_ORDER, first, after, params=params)

    async def count() -> int:
        async with db.read() as session:
            return await audiences.per_access_version(
                session,
                ("visible assets", matched, pk),
                partial(count_rows, query=query, params=params),
            )

    page.count = count
    return page


async def find_asset(session: AsyncSession, matched: Matched, asset_id: str) -> Asset | None:
    pk = decoded(asset_id, "Asset")
    if pk is None:
        return None
    return await session.scalar(select(Asset).where(Asset.id == pk, content.asset_visible(matched)))


async def announcement_page(
    db: Database, matched: Matched, first: int | None, after: str | None
) -> Page[Announcement]:
    """Announcements for the viewer now (staff and keys: all of them), newest first."""
    query = _announcements(matched)
    return await paginate(db, query, ANNOUNCEMENT_ORDER, first, after, params={"now": utcnow()})


async def find_announcement(
    session: AsyncSession, matched: Matched, announcement_id: str
) -> Announcement | None:
    pk = decoded(announcement_id, "Announcement")
    if pk is None:
        return None
    return await session.scalar(
        select(Announcement).where(
            Announcement.id == pk, content.announcement_visible(matched, utcnow())
        )
    )


# ---------------------------------------------------------------- shared


async def _find(session: AsyncSession, model: type[M], global_id: str, what: str) -> M:
    pk = decoded(global_id, model.__name__)
    found = await session.get(model, pk, with_for_update=True) if pk is not None else None
    if found is None:
        raise not_found(what, ["id"])
    return found


async def _changed(session: AsyncSession) -> None:
    await session.flush()
    await audiences.bump_access_version(session)  # every worker uses the change next request


# ---------------------------------------------------------------- folders


def _folder_summary(folder: AssetFolder) -> dict[str, Any]:
    return {
        "name": folder.name,
        "parentId": ids.encode("AssetFolder", folder.parent_id) if folder.parent_id else None,
        "audienceId": folder.audience_id,
    }


async def _parent(
    session: AsyncSession, raw: Any, folder: AssetFolder | None, problems: Problems
) -> tuple[bool, int | None]:
    """(ok, parent key) for a folder's `parentId` (None: the top level)."""
    if raw is None:
        return True, None
    pk = decoded(raw, "AssetFolder")
    parent = await session.get(AssetFolder, pk) if pk is not None else None
    if parent is None:
        problems.add(ErrorCode.NOT_FOUND, "No asset folder with this id.", "parentId")
        return False, None
    if folder is not None and folder.id is not None:
        if parent.id in await content.descendant_ids(session, folder.id):
            problems.add(
                ErrorCode.INVALID_VALUE,
                "parentId: a folder cannot be moved into itself or one of its own subfolders.",
                "parentId",
            )
            return False, None
        height = await content.subtree_height(session, folder.id)
    else:
        height = 0
    if await content.depth_of(session, parent.id) + 1 + height >= content.MAX_DEPTH:
        problems.add(
            ErrorCode.INVALID_VALUE,
            f"parentId: folders nest at most {content.MAX_DEPTH} levels deep.",
            "parentId",
        )
        return False, None
    return True, parent.id


async def _apply_folder(uow: UnitOfWork, folder: AssetFolder, patch: Mapping[str, Any]) -> None:
    session, problems = uow.session, Problems()
    name: str | None = folder.name
    if "name" in patch:
        name = checked(content.name, patch["name"], "name", problems)
    parent_ok, parent_id = True, folder.parent_id
    if "parentId" in patch:
        parent_ok, parent_id = await _parent(session, patch["parentId"], folder, problems)
    spec: AudienceSpec | None = None
    if "audience" in patch:
        spec = await audience(session, patch["audience"], ["audience"], problems)
    problems.raise_if_any()
    assert name is not None
    assert parent_ok
    creating = folder.id is None
    moved = not creating and parent_id != folder.parent_id
    folder.name, folder.parent_id = name, parent_id
    if "audience" in patch:
        folder.audience_id = await audiences.store(session, spec)
    session.add(folder)
    await session.flush()
    if creating:
        await content.place(session, folder.id, parent_id)
    elif moved:
        await content.move(session, folder.id, parent_id)
    await _changed(session)


async def create_folder(uow: UnitOfWork, patch: Mapping[str, Any]) -> AssetFolder:
    folder = AssetFolder()
    await _apply_folder(uow, folder, {"parentId": None, "audience": None, **patch})
    uow.target = f"AssetFolder:{ids.encode('AssetFolder', folder.id)}"
    uow.detail = {"after": _folder_summary(folder)}
    return folder


async def update_folder(uow: UnitOfWork, folder_id: str, patch: Mapping[str, Any]) -> AssetFolder:
    """Rename, move (with everything in it) or re-audience a folder."""
    uow.target = f"AssetFolder:{folder_id}"
    folder = await _find(uow.session, AssetFolder, folder_id, "asset folder")
    before = _folder_summary(folder)
    await _apply_folder(uow, folder, patch)
    uow.detail = {"before": before, "after": _folder_summary(folder)}
    return folder


async def delete_folder(uow: UnitOfWork, folder_id: str) -> AssetFolder:
    """Remove an empty folder; one that still holds folders or assets is INVALID_VALUE."""
    uow.target = f"AssetFolder:{folder_id}"
    session = uow.session
    folder = await _find(session, AssetFolder, folder_id, "asset folder")
    uow.detail = {"before": _folder_summary(folder)}
    subfolders, assets = await content.contents(session, folder.id)
    if subfolders or assets:
        held = [
            f"{n} {word}{'' if n == 1 else 's'}"
            for n, word in ((subfolders, "folder"), (assets, "asset"))
            if n
        ]
        raise DomainError.one(
            ErrorCode.INVALID_VALUE,
            f"This folder still holds {' and '.join(held)}: move or remove them first.",
            ["id"],
        )
    await content.remove_folder(session, folder)
    await audiences.bump_access_version(session)
    return folder


# ---------------------------------------------------------------- assets


def _asset_summary(asset: Asset) -> dict[str, Any]:
    return {
        "title": asset.title,
        "kind": asset.kind,
        "url": asset.url,
        "folderId": ids.encode("AssetFolder", asset.folder_id) if asset.folder_id else None,
        "audienceId": asset.audience_id,
    }


async def _apply_asset(uow: UnitOfWork, asset: Asset, patch: Mapping[str, Any]) -> None:
    session, problems = uow.session, Problems()
    values: dict[str, Any] = {}
    if "title" in patch:
        values["title"] = checked(content.name, patch["title"], "title", problems)
    if "kind" in patch:
        found = checked(content.kind, patch["kind"], "kind", problems)
        values["kind"] = found.value if found is not None else None
    if "url" in patch:
        values["url"] = checked(content.url, patch["url"], "url", problems)
    if "folderId" in patch:
        raw = patch["folderId"]
        pk = decoded(raw, "AssetFolder") if raw is not None else None
        if raw is not None and (pk is None or await session.get(AssetFolder, pk) is None):
            problems.add(ErrorCode.NOT_FOUND, "No asset folder with this id.", "folderId")
        values["folder_id"] = pk
    spec: AudienceSpec | None = None
    if "audience" in patch:
        spec = await audience(session, patch["audience"], ["audience"], problems)
    problems.raise_if_any()
    for column, value in values.items():
        setattr(asset, column, value)
    if "audience" in patch:
        asset.audience_id = await audiences.store(session, spec)
    session.add(asset)
    await _changed(session)


async def create_asset(uow: UnitOfWork, patch: Mapping[str, Any]) -> Asset:
    asset = Asset()
    await _apply_asset(uow, asset, {"folderId": None, "audience": None, **patch})
    uow.target = f"Asset:{ids.encode('Asset', asset.id)}"
    uow.detail = {"after": _asset_summary(asset)}
    return asset


async def update_asset(uow: UnitOfWork, asset_id: str, patch: Mapping[str, Any]) -> Asset:
    uow.target = f"Asset:{asset_id}"
    asset = await _find(uow.session, Asset, asset_id, "asset")
    before = _asset_summary(asset)
    await _apply_asset(uow, asset, patch)
    uow.detail = {"before": before, "after": _asset_summary(asset)}
    return asset


async def delete_asset(uow: UnitOfWork, asset_id: str) -> Asset:
    uow.target = f"Asset:{asset_id}"
    asset = await _find(uow.session, Asset, asset_id, "asset")
    uow.detail = {"before": _asset_summary(asset)}
    await uow.session.delete(asset)
    await _changed(uow.session)
    return asset


# ---------------------------------------------------------------- announcements


def _announcement_summary(item: Announcement) -> dict[str, Any]:
    return {
        "title": item.title,
        "publishAt": item.publish_at.isoformat() if item.publish_at else None,
        "expiresAt": item.expires_at.isoformat() if item.expires_at else None,
        "audienceId": item.audience_id,
    }


async def _apply_announcement(
    uow: UnitOfWork, item: Announcement, patch: Mapping[str, Any]
) -> None:
    session, problems = uow.session, Problems()
    values: dict[str, Any] = {}
    if "title" in patch:
        values["title"] = checked(content.name, patch["title"], "title", problems)
    if "body" in patch:
        values["body"] = checked(content.body, patch["body"], "body", problems)
    if "publishAt" in patch:
        raw = patch["publishAt"]
        values["publish_at"] = (
            utcnow() if raw is None else checked(validation.timestamp, raw, "publishAt", problems)
        )
    if "expiresAt" in patch:
        raw = patch["expiresAt"]
        values["expires_at"] = (
            None if raw is None else checked(validation.timestamp, raw, "expiresAt", problems)
        )
    publish_at: datetime | None = values.get("publish_at", item.publish_at)
    expires_at: datetime | None = values.get("expires_at", item.expires_at)
    if publish_at is not None and expires_at is not None and expires_at <= publish_at:
        problems.add(
            ErrorCode.INVALID_VALUE,
            f"expiresAt must be after publishAt ({publish_at.isoformat()}); "
            f"got {expires_at.isoformat()}.",
            "expiresAt",
        )
    spec: AudienceSpec | None = None
    if "audience" in patch:
        spec = await audience(session, patch["audience"], ["audience"], problems)
    problems.raise_if_any()
    for column, value in values.items():
        setattr(item, column, value)
    if "audience" in patch:
        item.audience_id = await audiences.store(session, spec)
    session.add(item)
    await _changed(session)


async def create_announcement(uow: UnitOfWork, patch: Mapping[str, Any]) -> Announcement:
    item = Announcement()
    defaults = {"publishAt": None, "expiresAt": None, "audience": None}
    await _apply_announcement(uow, item, {**defaults, **patch})
    uow.target = f"Announcement:{ids.encode('Announcement', item.id)}"
    uow.detail = {"after": _announcement_summary(item)}
    return item


async def update_announcement(
    uow: UnitOfWork, announcement_id: str, patch: Mapping[str, Any]
) -> Announcement:
    uow.target = f"Announcement:{announcement_id}"
    item = await _find(uow.session, Announcement, announcement_id, "announcement")
    before = _announcement_summary(item)
    await _apply_announcement(uow, item, patch)
    uow.detail = {"before": before, "after": _announcement_summary(item)}
    return item


async def delete_announcement(uow: UnitOfWork, announcement_id: str) -> Announcement:
    uow.target = f"Announcement:{announcement_id}"
    item = await _find(uow.session, Announcement, announcement_id, "announcement")
    uow.detail = {"before": _announcement_summary(item)}
    await uow.session.delete(item)
    await _changed(uow.session)
    return item
