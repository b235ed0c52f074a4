"""The migrations build exactly the schema the models declare (nothing missing, nothing extra)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from domain import migrate
from domain.db import Database, open_database
from domain.models import Base

# SQLite reflects some server defaults and types loosely; these differences are not drift.
IGNORED = {"modify_default", "modify_nullable"}


def _differences(connection: Any) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": False, "render_as_batch": True}
    )
    found = []
    for change in compare_metadata(context, Base.metadata):
        kind = change[0] if isinstance(change, tuple) else change[0][0]
        if kind not in IGNORED:
            found.append(change)
    return found


async def test_the_migrated_database_matches_the_models(database: Database) -> None:
    async with database.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []


async def test_two_migrations_started_at_once_on_postgresql_both_succeed(
    database: Database,
) -> None:
    """`partnerscope migrate` run by two deploy hooks at once: one waits, then has nothing
    to do (an advisory lock), instead of one failing on a duplicate table."""
    if database.dialect != "postgresql":
        pytest.skip("SQLite serialises writers by itself")
    name = f"partnerscope_migrate_{uuid.uuid4().hex[:8]}"
    server = database.engine.url.set(database="postgres")
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    fresh = [open_database(server.set(database=name).render_as_string(False)) for _ in range(2)]
    try:
        # when
        await asyncio.wait_for(
            asyncio.gather(*(migrate.upgrade(db.engine) for db in fresh)), timeout=60
        )
        # then
        assert all([await migrate.is_current(db.engine) for db in fresh])
    finally:
        for db in fresh:
            await db.dispose()
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
