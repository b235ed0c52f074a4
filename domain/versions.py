"""Version stamps: how every worker knows its cached compilations are stale.

Row 1 of `catalog_state` versions segments, picklists and attribute definitions (the
compiled segment index); row 2 versions audiences and policies (memoised access
decisions). A change bumps the counter and draws a new random epoch, so a restored
database whose counter repeats with other content still never matches a stale cache.

The segment row is also the lock that keeps set-based recomputes and incremental updates
apart on PostgreSQL: data writes read it FOR SHARE (many at once), rule saves and
recomputes lock it FOR UPDATE (alone).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.direct import DirectSelect
from domain.models import CatalogState

SEGMENTS = 1
ACCESS = 2

_TABLE = CatalogState.__table__
# Read on every data change: straight on the driver (see domain.direct).
_READ = DirectSelect(
    lambda in_ids: select(_TABLE.c.version, _TABLE.c.epoch).where(in_ids(_TABLE.c.id))
)


@dataclass(frozen=True)
class Stamp:
    version: int
    epoch: int


async def read(session: AsyncSession, row: int, *, share: bool = False) -> Stamp:
    """The current stamp; `share` also takes the row's share lock (PostgreSQL)."""
    if share and _postgres(session):
        query = select(CatalogState.version, CatalogState.epoch).where(CatalogState.id == row)
        found = (await session.execute(query.with_for_update(read=True))).first()
    else:
        rows = await _READ.rows(session, [row])
        found = rows[0] if rows else None
    return Stamp(int(found[0]), int(found[1])) if found else Stamp(0, 0)


async def lock(session: AsyncSession, row: int) -> None:
    """Take the row exclusively until the transaction ends (PostgreSQL; SQLite writers are
    serialised by the database lock already)."""
    if _postgres(session):
        await session.execute(
            select(CatalogState.id).where(CatalogState.id == row).with_for_update()
        )


async def bump(session: AsyncSession, row: int) -> None:
    """Call in the transaction that changes what the row versions."""
    await session.execute(
        update(CatalogState)
        .where(CatalogState.id == row)
        .values(version=CatalogState.version + 1, epoch=secrets.randbits(62))
    )


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"
