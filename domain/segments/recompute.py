"""Set-based recompute: a segment's members brought in line with its rule in a few SQL statements.

Used when a rule or list changes (the segment, then its dependents), on schedule for
time-dependent rules, and by `partnerscope recompute`. Data changes take the incremental
path in domain.segments.membership; both record the same JOINED/LEFT events. Who joins
and who leaves is found by domain.segments.diff.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import telemetry
from domain.clock import utcnow
from domain.db import Database
from domain.models import Contact, MembershipEvent, Partner, SegmentMember
from domain.models.base import UTCDateTime
from domain.segments import diff, hooks
from domain.segments.index import CompiledSegment, SegmentIndex, load_index, lock_catalogue
from domain.segments.moves import Cause
from domain.segments.readable import Subject


async def recompute(
    session: AsyncSession,
    segment: CompiledSegment,
    cause: Cause,
    now: datetime | None = None,
    subjects: tuple[int, int] | None = None,
) -> tuple[int, int]:
    """Bring one segment's members in line with its rule and lists; (joined, left).

    `subjects` limits the work to an inclusive range of subject ids (chunked recomputes).
    Who joins and who leaves is found by domain.segments.diff; a segment where nobody
    moves stops there.
    """
    now = now or utcnow()
    if not await diff.find_moves(session, segment, now, subjects):
        return 0, 0
    sid, at, why = literal(segment.id), literal(now, UTCDateTime()), literal(cause.value)
    event_columns = ["segment_id", "subject_id", "change", "cause", "at"]
    # DML answers a CursorResult (with rowcount); session.execute() is typed for any statement.
    joined = cast(
        CursorResult[Any],
        await session.execute(
            insert(MembershipEvent).from_select(
                event_columns, select(sid, diff.JOINERS.c.id, literal("JOINED"), why, at)
            )
        ),
    )
    await session.execute(
        insert(SegmentMember).from_select(
            ["segment_id", "subject_id", "since"], select(sid, diff.JOINERS.c.id, at)
        )
    )
    left = cast(
        CursorResult[Any],
        await session.execute(
            insert(MembershipEvent).from_select(
                event_columns, select(sid, diff.LEAVERS.c.id, literal("LEFT"), why, at)
            )
        ),
    )
    if left.rowcount:
        await session.execute(
            delete(SegmentMember).where(
                SegmentMember.segment_id == segment.id,
                SegmentMember.subject_id.in_(select(diff.LEAVERS.c.id)),
            )
        )
    moved_in, moved_out = joined.rowcount or 0, left.rowcount or 0
    telemetry.count_moves(session, cause.value, "JOINED", moved_in)
    telemetry.count_moves(session, cause.value, "LEFT", moved_out)
    if moved_in or moved_out:
        moved = select(diff.JOINERS.c.id).union_all(select(diff.LEAVERS.c.id))
        await hooks.notify(session, hooks.moved_subjects(segment.id, segment.subject, moved))
    return moved_in, moved_out


async def recompute_many(
    session: AsyncSession,
    index: SegmentIndex,
    seeds: Iterable[int],
    cause: Cause,
    now: datetime | None = None,
) -> dict[int, tuple[int, int]]:
    """Recompute `seeds` (with `cause`) and everything depending on them (DEPENDENCY)."""
    now = now or utcnow()
    seeds = set(seeds)
    with telemetry.timed_recompute(cause.value):
        return {
            i: await recompute(
                session, index.segments[i], cause if i in seeds else Cause.DEPENDENCY, now
            )
            for i in index.with_dependents(seeds)
        }


CHUNK = 50_000  # subject ids per transaction in chunked recomputes


async def recompute_in_chunks(
    db: Database,
    seeds: Iterable[int] | None,
    cause: Cause,
    now: datetime | None = None,
    chunk: int = CHUNK,
) -> dict[int, tuple[int, int]]:
    """Like `recompute_many` (None: every segment), committed in bounded chunks of subjects.

    Each chunk is one short transaction that locks the catalogue and reloads the compiled
    segments, so API writes interleave (SQLite writers wait at most one chunk) and a rule
    saved meanwhile is what the remaining chunks evaluate. For `partnerscope recompute` and
    the scheduled run; a rule save recomputes in its own transaction, atomically.
    """
    with telemetry.timed_recompute(cause.value):
        return await _in_chunks(db, seeds, cause, now or utcnow(), chunk)


async def _in_chunks(
    db: Database, seeds: Iterable[int] | None, cause: Cause, now: datetime, chunk: int
) -> dict[int, tuple[int, int]]:
    async with db.read() as session:
        index = await load_index(session)
        wanted = set(index.order) if seeds is None else set(seeds)
        order = index.with_dependents(wanted)
        top = {
            Subject.PARTNER: await session.scalar(select(func.max(Partner.id))) or 0,
            Subject.CONTACT: await session.scalar(select(func.max(Contact.id))) or 0,
        }
    results: dict[int, tuple[int, int]] = {}
    for segment_id in order:
        subject = index.segments[segment_id].subject
        why = cause if segment_id in wanted else Cause.DEPENDENCY
        joined = left = 0
        for low in range(0, top[subject] + 1, chunk):
            async with db.write() as session:
                await lock_catalogue(session)
                current = (await load_index(session)).segments.get(segment_id)
                if current is None:  # deleted meanwhile
                    break
                moved_in, moved_out = await recompute(
                    session, current, why, now, (low, low + chunk - 1)
                )
            joined, left = joined + moved_in, left + moved_out
        results[segment_id] = (joined, left)
    return results
