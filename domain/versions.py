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
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.direct import DirectSelect
from domain.models import CatalogState

SEGMENTS = 1
ACCESS = 2
_SEEN = "partnerscope.versions.seen"

_TABLE = CatalogState.__table__
# Read on every data change: straight on the driver (see domain.direct).
_READ = DirectSelect(
    lambda in_ids: select(_TABLE.c.version, _TABLE.c.epoch).where(in_ids(_TABLE.c.id))
)


@dataclass(frozen=True)
class Stamp:
    version: int
    epoch: int


@dataclass
class _Seen:
    stamps: dict[int, Stamp] = field(default_factory=dict)
    shared: set[int] = field(default_factory=set)  # rows whose share lock is held


def _seen(session: AsyncSession) -> _Seen:
    """Stamps this session's current transaction has read (and not bumped since)."""
    transaction = session.sync_session.get_transaction()
    if transaction is None:
        return _Seen()
    memo = session.info.get(_SEEN)
    if memo is None or memo[0] is not transaction:
        memo = (transaction, _Seen())
        session.info[_SEEN] = memo
    seen: _Seen = memo[1]
    return seen


def saw(session: AsyncSession, row: int, stamp: Stamp) -> None:
    """Record a stamp this transaction read along with other things (the signed-in contact's
    statement brings the access stamp): later reads answer it without a statement."""
    _seen(session).stamps.setdefault(row, stamp)


async def read(session: AsyncSession, row: int, *, share: bool = False) -> Stamp:
    """The current stamp; `share` also takes the row's share lock (PostgreSQL).

    Read once per transaction: later reads in the same transaction answer the stamp seen
    first (a data change consults it at every step), until the transaction bumps it; a
    share lock, once taken, is held until the transaction ends.
    """
    seen = _seen(session)
    locking = share and _postgres(session)
    if row in seen.stamps and (not locking or row in seen.shared):
        return seen.stamps[row]
    if locking:
        # The other row's stamp comes along unlocked (a data change asks for both: the
        # segment index, then its move subscribers' configuration): one round trip.
        other = SEGMENTS if row == ACCESS else ACCESS
        state = CatalogState.__table__.alias("other_state")
        query = select(
            CatalogState.version,
            CatalogState.epoch,
            select(state.c.version).where(state.c.id == other).scalar_subquery(),
            select(state.c.epoch).where(state.c.id == other).scalar_subquery(),
        ).where(CatalogState.id == row)
        found = (await session.execute(query.with_for_update(read=True, of=CatalogState))).first()
        seen.shared.add(row)
        if found is not None and found[2] is not None and other not in seen.stamps:
            seen.stamps[other] = Stamp(int(found[2]), int(found[3]))
    else:
        rows = await _READ.rows(session, [row])
        found = rows[0] if rows else None
    stamp = Stamp(int(found[0]), int(found[1])) if found else Stamp(0, 0)
    seen.stamps[row] = stamp
    return stamp


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
    _seen(session).stamps.pop(row, None)


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"
