"""Version stamps: read once per transaction, bumped within it, never stale across them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from domain import direct, versions
from domain.db import Database


@contextmanager
def count_statements(db: Database) -> Iterator[list[str]]:
    """Statements run inside the block (on the engine or straight on the driver), no BEGINs."""
    seen: list[str] = []

    def engine(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", engine)
    direct.statement_listeners.append(seen.append)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", engine)
        direct.statement_listeners.remove(seen.append)


async def test_a_stamp_is_read_once_per_transaction_and_a_bump_is_seen_in_it(
    db: Database,
) -> None:
    async with db.write() as session:
        with count_statements(db) as seen:
            first = await versions.read(session, versions.ACCESS)
            again = await versions.read(session, versions.ACCESS)
        assert again == first
        assert len(seen) == 1
        await versions.bump(session, versions.ACCESS)
        bumped = await versions.read(session, versions.ACCESS)
        assert bumped.version == first.version + 1
        assert bumped.epoch != first.epoch
    async with db.read() as session:
        assert await versions.read(session, versions.ACCESS) == bumped


async def test_another_transactions_bump_is_seen_by_the_next_transaction(db: Database) -> None:
    async with db.read() as session:
        before = await versions.read(session, versions.SEGMENTS)
    async with db.write() as session:
        await versions.bump(session, versions.SEGMENTS)
    async with db.read() as session:
        after = await versions.read(session, versions.SEGMENTS)
    assert after.version == before.version + 1


async def test_a_share_locked_read_brings_the_other_stamp_along_on_postgresql(
    db: Database,
) -> None:
    async with db.write() as session:
        await versions.read(session, versions.SEGMENTS, share=True)
        with count_statements(db) as seen:
            access = await versions.read(session, versions.ACCESS)
        # PostgreSQL reads both rows in the locking statement; SQLite takes no row locks
        # (its writers are serialised) and reads each stamp when first asked.
        assert len(seen) == (0 if db.dialect == "postgresql" else 1)
    async with db.read() as session:
        assert await versions.read(session, versions.ACCESS) == access
