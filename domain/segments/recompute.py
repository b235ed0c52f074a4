"""Set-based recompute: a segment's members brought in line with its rule in a few SQL statements.

Used when a rule or list changes (the segment, then its dependents), on schedule for
time-dependent rules, and by `partnerscope recompute`. Data changes take the incremental
path in domain.segments.membership; both record the same JOINED/LEFT events.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Table,
    delete,
    exists,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import utcnow
from domain.models import MembershipEvent, SegmentMember, SegmentOverride
from domain.models.base import UTCDateTime
from domain.segments.index import CompiledSegment, SegmentIndex
from domain.segments.membership import Cause
from domain.segments.sql import SqlCompiler

_meta = MetaData()
# Per-connection temporary tables: who matches now, who joins, who leaves.
_matching = Table("segment_matching", _meta, Column("id", Integer, primary_key=True))
_joiners = Table("segment_joiners", _meta, Column("id", Integer, primary_key=True))
_leavers = Table("segment_leavers", _meta, Column("id", Integer, primary_key=True))


async def _scratch(session: AsyncSession) -> None:
    postgres = session.get_bind().dialect.name == "postgresql"
    # Every id goes in once (rules select each subject once, includes skip matches), so
    # PostgreSQL needs no key: maintaining one cost ~30% of a warm recompute, and it joins
    # these tables by hash anyway. SQLite looks ids up through the key.
    key = "" if postgres else " PRIMARY KEY"
    for table in (_matching, _joiners, _leavers):
        await session.execute(
            text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {table.name} (id INTEGER{key})")
        )
        # PostgreSQL: DELETE leaves dead rows that pile up for the whole transaction.
        await session.execute(text(f"TRUNCATE {table.name}") if postgres else delete(table))


async def _overrides_of(session: AsyncSession, segment_id: int) -> set[str]:
    kinds = await session.scalars(
        select(SegmentOverride.kind).where(SegmentOverride.segment_id == segment_id).distinct()
    )
    return set(kinds)


async def recompute(
    session: AsyncSession, segment: CompiledSegment, cause: Cause, now: datetime | None = None
) -> tuple[int, int]:
    """Bring one segment's members in line with its rule and lists; (joined, left).

    The rule runs alone (so the database can push partner conditions below the join);
    include and exclude lists apply as separate statements, only when a segment has them.
    Joiners and leavers are each found with one anti-join.
    """
    now = now or utcnow()
    compiler = SqlCompiler(segment.subject, session.get_bind().dialect.name, now)
    await _scratch(session)
    if segment.node is not None:
        matching = compiler.base(segment.node).where(compiler.compile(segment.node))
        await session.execute(insert(_matching).from_select(["id"], matching))
    lists = await _overrides_of(session, segment.id)
    listed = select(SegmentOverride.subject_id).where(SegmentOverride.segment_id == segment.id)
    if "INCLUDE" in lists:
        already = select(literal(1)).where(_matching.c.id == SegmentOverride.subject_id)
        await session.execute(
            insert(_matching).from_select(
                ["id"], listed.where(SegmentOverride.kind == "INCLUDE", ~exists(already))
            )
        )
    if "EXCLUDE" in lists:
        await session.execute(
            delete(_matching).where(
                _matching.c.id.in_(listed.where(SegmentOverride.kind == "EXCLUDE"))
            )
        )
    is_member = select(literal(1)).where(
        SegmentMember.segment_id == segment.id, SegmentMember.subject_id == _matching.c.id
    )
    await session.execute(
        insert(_joiners).from_select(["id"], select(_matching.c.id).where(~exists(is_member)))
    )
    still = select(literal(1)).where(_matching.c.id == SegmentMember.subject_id)
    await session.execute(
        insert(_leavers).from_select(
            ["id"],
            select(SegmentMember.subject_id).where(
                SegmentMember.segment_id == segment.id, ~exists(still)
            ),
        )
    )
    sid, at, why = literal(segment.id), literal(now, UTCDateTime()), literal(cause.value)
    event_columns = ["segment_id", "subject_id", "change", "cause", "at"]
    joined = await session.execute(
        insert(MembershipEvent).from_select(
            event_columns, select(sid, _joiners.c.id, literal("JOINED"), why, at)
        )
    )
    await session.execute(
        insert(SegmentMember).from_select(
            ["segment_id", "subject_id", "since"], select(sid, _joiners.c.id, at)
        )
    )
    left = await session.execute(
        insert(MembershipEvent).from_select(
            event_columns, select(sid, _leavers.c.id, literal("LEFT"), why, at)
        )
    )
    if left.rowcount:
        await session.execute(
            delete(SegmentMember).where(
                SegmentMember.segment_id == segment.id,
                SegmentMember.subject_id.in_(select(_leavers.c.id)),
            )
        )
    return joined.rowcount or 0, left.rowcount or 0


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
    return {
        i: await recompute(
            session, index.segments[i], cause if i in seeds else Cause.DEPENDENCY, now
        )
        for i in index.with_dependents(seeds)
    }
