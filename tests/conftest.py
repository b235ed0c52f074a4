"""Test harness: one migrated database per run (SQLite by default, PostgreSQL on request).

Set PARTNERSCOPE_TEST_DATABASE_URL=postgresql+asyncpg://... to run the same suite on
PostgreSQL (`.ci/run` and `make test-pg` create and drop a fresh database for it).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, insert, select

from domain import migrate
from domain.db import Database, open_database
from domain.identity import passwords
from domain.identity.throttle import MemoryStore
from domain.models import Base
from domain.segments.index import forget_cached_indexes
from permissions.viewer import forget_cached_decisions
from server.app import create_app
from server.settings import Settings
from tests.support import Api

TEST_SECRET = "test-signing-secret-not-for-production"


def _database_url(tmp_root: Path) -> str:
    url = os.environ.get("PARTNERSCOPE_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite+aiosqlite:///{tmp_root / 'partnerscope-test.db'}"


@pytest.fixture(scope="session")
def database_url() -> str:
    root = Path(tempfile.mkdtemp(prefix="partnerscope-tests-"))
    return _database_url(root)


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        password_time_cost=1,
        password_memory_kib=1024,
        _env_file=None,
    )


@pytest.fixture(scope="session")
async def database(settings: Settings) -> AsyncIterator[Database]:
    passwords.configure(
        time_cost=settings.password_time_cost, memory_cost_kib=settings.password_memory_kib
    )
    db = open_database(settings.database_url)
    await migrate.upgrade(db.engine)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
async def pristine_rows(database: Database) -> dict[str, list[dict[str, Any]]]:
    """Rows a freshly migrated database holds (default picklists...), restored after each test."""
    snapshot: dict[str, list[dict[str, Any]]] = {}
    async with database.read() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table))).mappings().all()
            snapshot[table.name] = [dict(r) for r in rows]
    return snapshot


@pytest.fixture
async def db(
    database: Database, pristine_rows: dict[str, list[dict[str, Any]]]
) -> AsyncIterator[Database]:
    yield database
    async with database.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(delete(table))
        for name, rows in pristine_rows.items():
            if rows:
                await connection.execute(insert(Base.metadata.tables[name]), rows)
    # The database was reset behind the server's back (versions rewound): drop what the
    # process memoised under those versions.
    forget_cached_indexes()
    forget_cached_decisions()


@pytest.fixture(scope="session")
async def app(settings: Settings, database: Database) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def api(app: Any, db: Database) -> AsyncIterator[Api]:
    # Every test starts with no failed sign-ins counted (they share one app and address).
    app.state.runtime.throttle.store = MemoryStore()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client, db)
