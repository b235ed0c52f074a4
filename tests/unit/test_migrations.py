"""The migrations build exactly the schema the models declare (nothing missing, nothing extra)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from domain.db import Database
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
