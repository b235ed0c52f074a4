"""Engine and session factories. SQLite gets WAL, foreign keys and BEGIN IMMEDIATE for writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 15_000
SQLITE_CACHE_KIB = 256 * 1024  # per connection, an upper bound: pages are allocated on use


def _sqlite_case_insensitive_lower(value: Any) -> Any:
    # SQLite's built-in lower() folds ASCII only; rules compare case-insensitively
    # the way Python (and PostgreSQL with a UTF-8 ctype) do.
    return value.lower() if isinstance(value, str) else value


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so "begin" below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # Membership recomputes write millions of index entries: the 2 MB default cache thrashes.
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()
        dbapi_connection.create_function(
            "lower", 1, _sqlite_case_insensitive_lower, deterministic=True
        )

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn: Any) -> None:
        # A write transaction takes the lock up front: a deferred one that reads first
        # and then writes fails with SQLITE_BUSY when another process wrote meanwhile.
        immediate = conn.get_execution_options().get("write_transaction", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


@dataclass
class Database:
    """One engine, with separate session factories for read-only and writing work."""

    engine: AsyncEngine

    def __post_init__(self) -> None:
        self.readers = async_sessionmaker(self.engine, expire_on_commit=False)
        self.writers = async_sessionmaker(
            self.engine.execution_options(write_transaction=True), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self.readers() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits when the block ends, rolls everything back on any error."""
        async with self.writers() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()

    async def refresh_statistics(self, full: bool = False) -> None:
        """Keep query-planner statistics current after bulk changes.

        PostgreSQL's autovacuum does this by itself; SQLite needs asking (`full` runs
        ANALYZE on everything, otherwise `PRAGMA optimize` analyzes what needs it).
        """
        async with self.engine.connect() as connection:
            if self.dialect == "sqlite":
                await connection.exec_driver_sql("ANALYZE" if full else "PRAGMA optimize")
            elif full:
                await connection.exec_driver_sql("ANALYZE")
            await connection.commit()


def open_database(url: str, **kwargs: Any) -> Database:
    return Database(create_engine(url, **kwargs))
