"""Re-evaluation the clock drives: relative-date rules and time-based metrics (cause TIME)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import metrics
from domain.clock import utcnow
from domain.db import Database
from domain.errors import DomainError, ErrorCode
from domain.models import Partner
from domain.segments.index import load_index
from domain.segments.membership import Cause
from domain.segments.recompute import recompute_many

SCHEDULE_LOCK = 0x5053_4752  # PostgreSQL advisory lock id for the periodic run


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


async def _all_partner_ids(session: AsyncSession) -> list[int]:
    return list(await session.scalars(select(Partner.id)))


async def _run(
    session: AsyncSession, seeds: list[int] | None, all_metrics: bool, now: datetime
) -> Report:
    moved = await metrics.refresh(
        session,
        await _all_partner_ids(session),
        time_based_only=not all_metrics,
        cause=Cause.TIME,
        now=now,
    )
    index = await load_index(session)
    if seeds is None:
        seeds = [s.id for s in index.segments.values() if s.time_dependent]
    results = await recompute_many(session, index, seeds, Cause.TIME, now)
    return Report(
        len(results),
        sum(j for j, _ in results.values()),
        sum(v for _, v in results.values()),
        len(moved),
    )


async def scheduled(db: Database, now: datetime | None = None) -> Report:
    """The periodic run: time-based metrics, then time-dependent segments and dependents."""
    async with db.write() as session:
        if db.dialect == "postgresql":
            # Several workers share one schedule: whoever holds the lock runs it.
            got = await session.scalar(select(func.pg_try_advisory_xact_lock(SCHEDULE_LOCK)))
            if not got:
                return Report(0, 0, 0, 0)
        report = await _run(session, None, False, now or utcnow())
    await db.refresh_statistics()
    return report


async def recompute(db: Database, key: str | None = None, now: datetime | None = None) -> Report:
    """Everything derived, or one segment and its dependents (`partnerscope recompute`)."""
    async with db.write() as session:
        if key is None:
            index = await load_index(session)
            return await _run(session, list(index.order), True, now or utcnow())
        index = await load_index(session)
        segment = index.by_key.get(key)
        if segment is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, f"No segment with key {key!r}.", ["segment"])
        results = await recompute_many(session, index, [segment.id], Cause.TIME, now or utcnow())
        return Report(
            len(results),
            sum(j for j, _ in results.values()),
            sum(v for _, v in results.values()),
            0,
        )
