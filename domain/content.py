"""Content: nested asset folders, assets and announcements, gated by audiences.

A folder is visible to a contact when no folder on its path (itself and every ancestor)
has an audience the contact does not match; an asset when its own audience admits the
contact and its folder (if any) is visible. Both are decided in SQL: the folder tree's
closure (`asset_folder_paths`, one row per folder and ancestor-or-itself) turns "every
enclosing folder" into one indexed NOT EXISTS, so a page of assets costs the same whatever
the depth or the amount of content. Announcements show inside their publish window.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, delete, exists, func, insert, literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from domain import validation
from domain.audiences import Matched, admitted
from domain.models import Announcement, Asset, AssetFolder, AssetFolderPath

MAX_NAME = 200
MAX_URL = 2000
MAX_BODY = 20_000
MAX_DEPTH = 32  # folders nested deeper than this are refused (INVALID_VALUE)


class AssetKind(StrEnum):
    DOCUMENT = "DOCUMENT"
    VIDEO = "VIDEO"
    LINK = "LINK"
    PRICE_SHEET = "PRICE_SHEET"
    PRESENTATION = "PRESENTATION"
    OTHER = "OTHER"


# ---------------------------------------------------------------- visibility (SQL)


# Built once: an alias builds its column collection anew each time (a per-request cost).
_ENCLOSING = AssetFolder.__table__.alias("enclosing")


def folder_visible(matched: Matched, folder_id: Any) -> ColumnElement[bool]:
    """SQL: the folder `folder_id` names and every folder enclosing it admit the viewer."""
    if matched is None:
        return true()
    blocked = (
        select(literal(1))
        .select_from(AssetFolderPath)
        .join(_ENCLOSING, _ENCLOSING.c.id == AssetFolderPath.ancestor_id)
        .where(
            AssetFolderPath.folder_id == folder_id,
            _ENCLOSING.c.audience_id.is_not(None),
            _ENCLOSING.c.audience_id.not_in(sorted(matched)),
        )
    )
    return ~exists(blocked)


def asset_visible(matched: Matched) -> ColumnElement[bool]:
    """SQL: assets whose own audience and enclosing folders all admit the viewer."""
    if matched is None:
        return true()
    return admitted(matched, Asset.audience_id) & or_(
        Asset.folder_id.is_(None), folder_visible(matched, Asset.folder_id)
    )


def announcement_visible(
    matched: Matched, now: datetime | BindParameter[datetime]
) -> ColumnElement[bool]:
    """SQL: announcements for this viewer at `now` (a time or a bind parameter for one);
    staff and API keys see all of them, to manage them."""
    if matched is None:
        return true()
    return (
        admitted(matched, Announcement.audience_id)
        & (Announcement.publish_at <= now)
        & or_(Announcement.expires_at.is_(None), Announcement.expires_at > now)
    )


# ---------------------------------------------------------------- the folder tree


async def descendant_ids(session: AsyncSession, folder_id: int) -> set[int]:
    """The folder and every folder below it."""
    rows = await session.scalars(
        select(AssetFolderPath.folder_id).where(AssetFolderPath.ancestor_id == folder_id)
    )
    return set(rows)


async def depth_of(session: AsyncSession, folder_id: int) -> int:
    """How many folders enclose this one (0: top level)."""
    found = await session.scalar(
        select(func.max(AssetFolderPath.depth)).where(AssetFolderPath.folder_id == folder_id)
    )
    return int(found or 0)


async def subtree_height(session: AsyncSession, folder_id: int) -> int:
    """How many levels lie below this folder (0: no subfolders)."""
    found = await session.scalar(
        select(func.max(AssetFolderPath.depth)).where(AssetFolderPath.ancestor_id == folder_id)
    )
    return int(found or 0)


async def place(session: AsyncSession, folder_id: int, parent_id: int | None) -> None:
    """Write a new folder's paths: itself, and its parent's ancestors one level further."""
    await session.execute(
        insert(AssetFolderPath).values(folder_id=folder_id, ancestor_id=folder_id, depth=0)
    )
    if parent_id is not None:
        await session.execute(
            insert(AssetFolderPath).from_select(
                ["folder_id", "ancestor_id", "depth"],
                select(
                    literal(folder_id), AssetFolderPath.ancestor_id, AssetFolderPath.depth + 1
                ).where(AssetFolderPath.folder_id == parent_id),
            )
        )


async def move(session: AsyncSession, folder_id: int, parent_id: int | None) -> None:
    """Re-hang a folder (and everything below it) under `parent_id` (None: the top level).

    The caller has checked that `parent_id` is not the folder or one of its descendants.
    """
    below = select(AssetFolderPath.folder_id).where(AssetFolderPath.ancestor_id == folder_id)
    subtree = set(await session.scalars(below))
    # The paths from the subtree to the folder's old ancestors go...
    await session.execute(
        delete(AssetFolderPath).where(
            AssetFolderPath.folder_id.in_(sorted(subtree)),
            AssetFolderPath.ancestor_id.not_in(sorted(subtree)),
        )
    )
    if parent_id is None:
        return
    # ... and the paths to the new parent's ancestors come, one set-based insert.
    lower = AssetFolderPath.__table__.alias("lower")
    upper = AssetFolderPath.__table__.alias("upper")
    await session.execute(
        insert(AssetFolderPath).from_select(
            ["folder_id", "ancestor_id", "depth"],
            select(lower.c.folder_id, upper.c.ancestor_id, lower.c.depth + upper.c.depth + 1)
            .select_from(lower.join(upper, true()))
            .where(lower.c.ancestor_id == folder_id, upper.c.folder_id == parent_id),
        )
    )


async def contents(session: AsyncSession, folder_id: int) -> tuple[int, int]:
    """(subfolders, assets) directly in a folder."""
    folders = await session.scalar(
        select(func.count()).select_from(AssetFolder).where(AssetFolder.parent_id == folder_id)
    )
    assets = await session.scalar(
        select(func.count()).select_from(Asset).where(Asset.folder_id == folder_id)
    )
    return int(folders or 0), int(assets or 0)


async def remove_folder(session: AsyncSession, folder: AssetFolder) -> None:
    """Remove an empty folder and its paths."""
    await session.execute(delete(AssetFolderPath).where(AssetFolderPath.folder_id == folder.id))
    await session.delete(folder)
    await session.flush()


# ---------------------------------------------------------------- validation


def name(value: Any) -> str:
    """A folder name or an asset or announcement title (ValueError says why not)."""
    return validation.text(value, max_length=MAX_NAME)


def body(value: Any) -> str:
    return validation.text(value, max_length=MAX_BODY, multiline=True)


def kind(value: Any) -> AssetKind:
    try:
        return AssetKind(value)
    except ValueError:
        raise ValueError(
            f"expected one of {', '.join(k.value for k in AssetKind)}, got {value!r}"
        ) from None


def url(value: Any) -> str:
    """An absolute http(s) URL of at most 2,000 characters, without spaces or controls."""
    text = validation.identifier(value, max_length=MAX_URL)
    if any(char.isspace() for char in text):
        raise ValueError("a URL has no spaces (encode them as %20)")
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"expected an absolute http(s) URL such as https://example.com/a.pdf, got {text!r}"
        )
    return text
