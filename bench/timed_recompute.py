"""`partnerscope recompute`, timing each write transaction it commits.

    python -m bench.timed_recompute DATABASE_URL

Runs `domain.segments.schedule.recompute(db)` exactly as the CLI does, with SQLAlchemy
event listeners (nothing in the application changed) recording when each write
transaction began (after SQLite's BEGIN IMMEDIATE took the lock) and ended. Prints the
report, then one JSON line: [[start, seconds], ...] in wall-clock time (time.time()), so
the caller can line them up with the latency of writes it sent meanwhile. Used by
bench.recompute_latency.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from sqlalchemy import event

from domain import migrate
from domain.db import Database, open_database
from domain.segments import schedule


def time_write_transactions(db: Database) -> list[list[float]]:
    spans: list[list[float]] = []
    began: dict[int, float] = {}

    @event.listens_for(db.engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        if connection.get_execution_options().get("write_transaction", False):
            began[id(connection)] = time.time()

    def on_end(connection: Any) -> None:
        start = began.pop(id(connection), None)
        if start is not None:
            spans.append([round(start, 4), round(time.time() - start, 4)])

    event.listen(db.engine.sync_engine, "commit", on_end)
    event.listen(db.engine.sync_engine, "rollback", on_end)
    return spans


async def main(url: str) -> None:
    db = open_database(url)
    try:
        if not await migrate.is_current(db.engine):
            raise SystemExit("the database schema is not up to date")
        spans = time_write_transactions(db)
        print(await schedule.recompute(db))
        print(json.dumps(spans))
    finally:
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
