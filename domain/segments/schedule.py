"""Re-evaluation the clock drives: relative-date rules and time-based metrics (cause TIME).

Both the periodic run and `partnerscope recompute` commit in bounded chunks (partners for
metrics, subject-id ranges for segments), each a short transaction that takes the same
locks as API writes, so writers interleave with them instead of waiting for the whole run.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text

from domain import metrics, telemetry
from domain.clock import utcnow
from domain.db import Database
from domain.errors import DomainError, ErrorCode
from domain.locks import lock_partners
from domain.models import Partner
from domain.segments import facts as load
from domain.segments.index import load_index
from domain.segments.moves import Cause
from domain.segments.recompute import recompute_in_chunks

SCHEDULE_LOCK = 0x5053_4752  # PostgreSQL advisory lock id for the periodic run
METRIC_CHUNK = 2_000  # partners per transaction when metrics are refreshed for everyone


@dataclass(frozen=True)
class Report:
    segments: int
    joined: int
    left: int
    partners_with_new_metrics: int

    def __str__(self) -> str:
        return (
            f"Re-evaluated {self.segments} segment(s): {self.joined} joined, {self.left} left; "
            f"metrics changed for {self.partners_with_new_metrics} partner(s)."
        )


async def _refresh_metrics(db: Database, all_metrics: bool, now: datetime) -> tuple[int, int, int]:
    """(partners whose metrics changed, memberships joined, left), chunk by chunk."""
    async with db.read() as session:
        partner_ids = list(await session.scalars(select(Partner.id).order_by(Partner.id)))
    changed = joined = left = 0
    for part in load.chunks(partner_ids, METRIC_CHUNK):
        async with db.write() as session:
            await lock_partners(session, part)
            refreshed = await metrics.refresh(
                session, part, time_based_only=not all_metrics, cause=Cause.TIME, now=now
            )
        changed += len(refreshed.changed)
        joined, left = joined + refreshed.joined, left + refreshed.left
    return changed, joined, left


async def _run(
    db: Database, seeds: Iterable[int] | None, all_metrics: bool, now: datetime
) -> Report:
    changed, joined, left = await _refresh_metrics(db, all_metrics, now)
    if seeds is None:
        async with db.read() as session:
            index = await load_index(session)
        seeds = [s.id for s in index.segments.values() if s.time_dependent]
    results = await recompute_in_chunks(db, seeds, Cause.TIME, now) if seeds else {}
    return Report(
        len(results),
        joined + sum(j for j, _ in results.values()),
        left + sum(v for _, v in results.values()),
        changed,
    )


@asynccontextmanager
async def _single_runner(db: Database) -> AsyncIterator[bool]:
    """Whether this worker runs the schedule now (PostgreSQL: one worker at a time)."""
    if db.dialect != "postgresql":
        yield True
        return
    async with db.engine.connect() as connection:
        got = await connection.scalar(select(func.pg_try_advisory_lock(SCHEDULE_LOCK)))
        try:
            yield bool(got)
        finally:
            if got:
                await connection.execute(text(f"SELECT pg_advisory_unlock({SCHEDULE_LOCK})"))
            await connection.commit()


async def scheduled(db: Database, now: datetime | None = None) -> Report:
    """The periodic run: time-based metrics, then time-dependent segments and dependents."""
    async with _single_runner(db) as mine:
        if not mine:
            return Report(0, 0, 0, 0)
        started = time.perf_counter()
        report = await _run(db, None, False, now or utcnow())
    await db.refresh_statistics()
    telemetry.recorder().scheduled_run_seconds(time.perf_counter() - started)
    return report


async def recompute(db: Database, key: str | None = None, now: datetime | None = None) -> Report:
    """Everything derived, or one segment and its dependents (`partnerscope recompute`)."""
    now = now or utcnow()
    if key is None:
        async with db.read() as session:
            everything = list((await load_index(session)).order)
        return await _run(db, everything, True, now)
    async with db.read() as session:
        segment = (await load_index(session)).by_key.get(key)
    if segment is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, f"No segment with key {key!r}.", ["segment"])
    results = await recompute_in_chunks(db, [segment.id], Cause.TIME, now)
    return Report(
        len(results),
        sum(j for j, _ in results.values()),
        sum(v for _, v in results.values()),
        0,
    )
