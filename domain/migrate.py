"""Create or upgrade the database schema (Alembic), then fill in defaults a fresh database needs."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.catalogue import default_picklist_rows
from domain.models import PicklistValue

SCRIPT_LOCATION = "domain:migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


MIGRATE_LOCK = 0x5053_4D47  # PostgreSQL advisory lock: one migration at a time


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # A second `migrate` started meanwhile waits here, then finds nothing left to do.
        connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATE_LOCK})"))
    command.upgrade(alembic_config(connection), "head")
    present = set(connection.scalars(select(PicklistValue.field).distinct()))
    missing = [row for row in default_picklist_rows() if row["field"] not in present]
    if missing:
        connection.execute(PicklistValue.__table__.insert(), missing)


def _current_and_head(connection: Connection) -> tuple[str | None, str | None]:
    current = MigrationContext.configure(connection).get_current_revision()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return current, head


async def upgrade(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def is_current(engine: AsyncEngine) -> bool:
    async with engine.connect() as connection:
        current, head = await connection.run_sync(_current_and_head)
    return current == head
