"""Create or drop a throw-away PostgreSQL database: `python -m tests.pgdb create|drop URL NAME`.

URL is the server (no database part), e.g. postgresql+asyncpg://postgres@127.0.0.1:5432.
"""

from __future__ import annotations

import asyncio
import re
import sys

import asyncpg

NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


async def main(action: str, server_url: str, name: str) -> None:
    if not NAME.match(name):
        raise SystemExit(f"pgdb: {name!r} is not a plain database name")
    dsn = server_url.replace("postgresql+asyncpg://", "postgresql://").rstrip("/") + "/postgres"
    connection = await asyncpg.connect(dsn)
    try:
        if action == "create":
            await connection.execute(f'CREATE DATABASE "{name}"')
        else:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in {"create", "drop"}:
        raise SystemExit(__doc__.splitlines()[0])
    try:
        asyncio.run(main(*sys.argv[1:]))
    except (OSError, asyncpg.PostgresError) as exc:
        raise SystemExit(f"pgdb: {exc}") from None
