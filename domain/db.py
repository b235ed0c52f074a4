"""Engine and session factories. SQLite gets WAL, foreign keys and BEGIN IMMEDIATE for writes.

PostgreSQL gets bounds (`Timeouts`): a statement, a connection attempt and a wait for a
pooled connection each end with an error instead of holding a request forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
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
# A pooled connection unused this long is pinged before it is handed out (see create_engine).
PING_AFTER_IDLE_SECONDS = 5.0
# How long a read waits for its request's shared session before it takes one of its own.
# Turns last one statement, so the wait normally ends at once; only a read nested in
# another's block waits it out (a bug, logged). Taking a second connection sooner would
# let a burst of requests each hold one while waiting for another (a pool deadlock).
SHARED_WAIT_SECONDS = 5.0


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
    if timeouts is not None and parsed.get_driver_name() == "asyncpg":
        kwargs = {**_asyncpg_bounds(timeouts), **kwargs}
    engine = create_async_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _check_on_checkout(engine)
    return engine


def _check_on_checkout(engine: AsyncEngine) -> None:
    """Replace a pooled connection the database dropped (a restart, an outage) on checkout,
    without a round trip per checkout.

    SQLAlchemy's pre-ping costs three round trips on asyncpg (BEGIN, a statement,
    ROLLBACK) on every checkout, several per request. Instead: a connection whose socket is
    known closed is replaced at no cost, and only one idle for PING_AFTER_IDLE_SECONDS is
    pinged (idle connections are the ones a restart or a proxy's idle timeout kills). A
    connection that dies while in use fails that statement, and SQLAlchemy then
    invalidates every connection older than the failure, so the next checkout gets a new one.
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        is_closed = getattr(driver, "is_closed", None)
        if callable(is_closed) and is_closed():
            raise exc.DisconnectionError("the pooled connection was closed")
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since > PING_AFTER_IDLE_SECONDS:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except Exception as error:
                why = f"a pooled connection failed its ping: {error!r}"
                raise exc.DisconnectionError(why) from error


log = logging.getLogger("partnerscope.db")


@dataclass(eq=False)
class SharedReads:
    """One read session (one connection, one transaction) for all of a request's reads.

    A request reads in many small steps (authentication, each loader batch, each page);
    each step on a session of its own costs a pool checkout, a BEGIN and a ROLLBACK, more
    than the reading itself. Steps take turns on this one (a connection runs one statement
    at a time anyway); a step that waits SHARED_WAIT_SECONDS for its turn (a read nested in
    another's block would wait forever) reads on a session of its own instead, and says so
    in the log. A write gives the connection back first, so a request never holds two
    connections of the pool while it waits for one; the next read then starts a new
    transaction that sees the write (SQLite's read snapshot would not) and no object
    loaded before it.
    """

    db: Database
    session: AsyncSession | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    stale: bool = False
    stopped: bool = False

    async def stop(self) -> None:
        """No more sharing in this request (a mutation: its reads and writes interleave,
        and a shared connection would be held through every one of them)."""
        self.stopped = True
        if not self.lock.locked():
            await self.close()

    async def close(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            try:
                await session.close()
            except Exception as exc:  # the answer is computed; a broken connection is dropped
                log.warning("closing a request's read session failed: %r", exc)


_shared_reads: ContextVar[SharedReads | None] = ContextVar("shared_reads", default=None)


async def _turn(shared: SharedReads) -> bool:
    """Whether the shared session is ours (its lock taken) within SHARED_WAIT_SECONDS."""
    if not shared.lock.locked():
        return await shared.lock.acquire()  # free: taken at once
    waiting = asyncio.ensure_future(shared.lock.acquire())
    done, _ = await asyncio.wait({waiting}, timeout=SHARED_WAIT_SECONDS)
    if done:
        return True
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    if waiting.done() and not waiting.cancelled():
        shared.lock.release()  # taken just as the wait ended: give it back
    log.warning(
        "a read waited %g s for its request's shared session (a read nested in another's "
        "block?): it reads on a session of its own",
        SHARED_WAIT_SECONDS,
    )
    return False


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
    async def request_scope(self) -> AsyncIterator[SharedReads]:
        """Within the block (one request), `read()` shares one session (see SharedReads)."""
        shared = SharedReads(self)
        token = _shared_reads.set(shared)
        try:
            yield shared
        finally:
            _shared_reads.reset(token)
            await shared.close()

    async def stop_sharing_reads(self) -> None:
        """From here on this request's reads take sessions of their own (see SharedReads)."""
        shared = _shared_reads.get()
        if shared is not None and shared.db is self:
            await shared.stop()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        shared = _shared_reads.get()
        if shared is None or shared.db is not self or shared.stopped or not await _turn(shared):
            async with self.readers() as session:
                yield session
            return
        try:
            if shared.session is None:
                shared.session = self.readers()
            elif shared.stale:
                await shared.close()
                shared.session = self.readers()
            shared.stale = False
            try:
                yield shared.session
            except BaseException:
                # A failed statement aborts the transaction (PostgreSQL): start afresh.
                await shared.close()
                raise
        finally:
            if shared.stopped:
                await shared.close()
            shared.lock.release()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits when the block ends, rolls everything back on any error."""
        shared = _shared_reads.get()
        if shared is not None and shared.db is self:
            if shared.lock.locked():
                shared.stale = True  # a read is under way: it ends its transaction later
            else:
                await shared.close()
        async with self.writers() as session, session.begin():
            yield session
        if shared is not None and shared.db is self:
            shared.stale = True

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
