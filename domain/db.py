"""Engine and session factories. SQLite gets WAL, foreign keys and BEGIN IMMEDIATE for writes.

PostgreSQL gets bounds (`Timeouts`): a statement, a connection attempt and a wait for a
pooled connection each end with an error instead of holding a request forever.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 15_000
SQLITE_CACHE_KIB = 256 * 1024  # per connection, an upper bound: pages are allocated on use
# The client gives up on a statement this long after the server should have cancelled it:
# a slow statement ends with the server's error (the connection stays usable), and only a
# silent network with the client's.
CLIENT_TIMEOUT_MARGIN_SECONDS = 1.0
# SQLSTATE classes that mean "not now" rather than "wrong": connection exceptions,
# insufficient resources (too many connections), operator intervention (statement timeout,
# shutdown, starting up).
UNAVAILABLE_SQLSTATE_CLASSES = frozenset({"08", "53", "57"})


@dataclass(frozen=True)
class Timeouts:
    """How long PostgreSQL may keep a caller waiting, in seconds (None or 0: no bound).

    SQLite has no network and no pool to wait for; its writers wait SQLITE_BUSY_TIMEOUT_MS.
    """

    statement: float | None = None  # also bounds lock waits, and idle time in a transaction
    connect: float | None = None
    pool: float | None = None  # waiting for a free connection of the pool


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database could not be reached or did not answer in time.

    Such failures are the operator's and pass (retry later), unlike a query's own bug.
    """
    if isinstance(error, OSError | exc.TimeoutError):  # refused, reset, timed out; pool full
        return True
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated or isinstance(error, exc.OperationalError):
            return True
        sqlstate = getattr(error.orig, "sqlstate", None) or ""
        return sqlstate[:2] in UNAVAILABLE_SQLSTATE_CLASSES
    return False


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


def _asyncpg_bounds(timeouts: Timeouts) -> dict[str, Any]:
    """Engine arguments that put `timeouts` on every asyncpg connection and the pool."""
    connect_args: dict[str, Any] = {}
    if timeouts.statement:
        milliseconds = str(round(timeouts.statement * 1000))
        connect_args["server_settings"] = {
            "statement_timeout": milliseconds,
            # A client that vanished mid-transaction (a frozen network) releases its locks.
            "idle_in_transaction_session_timeout": milliseconds,
        }
        connect_args["command_timeout"] = timeouts.statement + CLIENT_TIMEOUT_MARGIN_SECONDS
    if timeouts.connect:
        connect_args["timeout"] = timeouts.connect
    bounds: dict[str, Any] = {"connect_args": connect_args}
    if timeouts.pool:
        bounds["pool_timeout"] = timeouts.pool
    return bounds


def create_engine(url: str, timeouts: Timeouts | None = None, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    # A pooled connection the database dropped (a restart, an outage) is replaced on checkout.
    kwargs.setdefault("pool_pre_ping", True)
    if timeouts is not None and parsed.get_driver_name() == "asyncpg":
        kwargs = {**_asyncpg_bounds(timeouts), **kwargs}
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


def open_database(url: str, timeouts: Timeouts | None = None, **kwargs: Any) -> Database:
    return Database(create_engine(url, timeouts, **kwargs))
