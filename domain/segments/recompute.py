"""Set-based recompute: a segment's members brought in line with its rule in a few SQL statements.

Used when a rule or list changes (the segment, then its dependents), on schedule for
time-dependent rules, and by `partnerscope recompute`. Data changes take the incremental
path in domain.segments.membership; both record the same JOINED/LEFT events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Column,
    CursorResult,
    Integer,
    MetaData,
    Table,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from domain import telemetry
from domain.clock import utcnow
from domain.db import Database
from domain.models import Contact, MembershipEvent, Partner, SegmentMember, SegmentOverride
from domain.models.base import UTCDateTime
from domain.segments import hooks
from domain.segments.index import CompiledSegment, SegmentIndex, load_index, lock_catalogue
from domain.segments.membership import Cause
from domain.segments.readable import Subject
from domain.segments.sql import SqlCompiler

_meta = MetaData()
# Per-connection temporary tables: who matches now, who joins, who leaves.
_matching = Table("segment_matching", _meta, Column("id", Integer, primary_key=True))
_joiners = Table("segment_joiners", _meta, Column("id", Integer, primary_key=True))
_leavers = Table("segment_leavers", _meta, Column("id", Integer, primary_key=True))


_moves = Table(
    "segment_moves", _meta, Column("id", Integer), Column("joins", Integer)
)  # joins: 1 for a joiner, 0 for a leaver


_SCRATCH = (_matching, _joiners, _leavers, _moves)
_CREATED = "partnerscope.recompute.scratch"


async def _scratch(session: AsyncSession) -> None:
    """Empty scratch tables, created once per transaction (a recompute of many segments
    empties them once per segment, in one statement on PostgreSQL)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    transaction = session.sync_session.get_transaction()
    if transaction is None or session.info.get(_CREATED) is not transaction:
        # Every id goes in once (rules select each subject once, includes skip matches),
        # so PostgreSQL needs no key: maintaining one cost ~30% of a warm recompute, and
        # it joins these tables by hash anyway. SQLite looks ids up through the key.
        key = "" if postgres else " PRIMARY KEY"
        for table in (_matching, _joiners, _leavers):
            await session.execute(
                text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {table.name} (id INTEGER{key})")
            )
        await session.execute(
            text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_moves.name} (id INTEGER, joins INTEGER)")
        )
        session.info[_CREATED] = transaction
    if postgres:
        # TRUNCATE, not DELETE: dead rows would pile up for the whole transaction.
        await session.execute(text(f"TRUNCATE {', '.join(t.name for t in _SCRATCH)}"))
    else:
        for table in _SCRATCH:
            await session.execute(delete(table))


def _rule_matches(
    session: AsyncSession,
    segment: CompiledSegment,
    now: datetime,
    in_range: Callable[[Any], Any],
) -> Select[Any]:
    """SQL: the ids of the subjects (within range) the segment's rule matches now."""
    assert segment.node is not None
    compiler = SqlCompiler(segment.subject, session.get_bind().dialect.name, now)
    return compiler.base(segment.node).where(
        compiler.compile(segment.node), in_range(compiler.subject_id)
    )


def _full_join_diff(session: AsyncSession) -> bool:
    # PostgreSQL joins the two sides by hash. SQLite (3.39+) runs a full join of two
    # subqueries as a nested loop over the unindexed materialised members: quadratic.
    return session.get_bind().dialect.name == "postgresql"


async def _has_members(
    session: AsyncSession, segment: CompiledSegment, in_range: Callable[[Any], Any]
) -> bool:
    found = await session.scalar(
        select(literal(1))
        .where(SegmentMember.segment_id == segment.id, in_range(SegmentMember.subject_id))
        .limit(1)
    )
    return found is not None


async def _everyone_joins(
    session: AsyncSession,
    segment: CompiledSegment,
    now: datetime,
    in_range: Callable[[Any], Any],
) -> bool:
    """A segment without members yet (new, or after a restore): every match joins, so the
    matches go straight to the joiners, with nothing to compare (False: nobody matches)."""
    matching = _rule_matches(session, segment, now, in_range)
    found = cast(
        CursorResult[Any], await session.execute(insert(_joiners).from_select(["id"], matching))
    )
    return bool(found.rowcount)


async def _moves_by_full_join(
    session: AsyncSession,
    segment: CompiledSegment,
    now: datetime,
    in_range: Callable[[Any], Any],
) -> bool:
    """Joiners and leavers of a segment without lists, from one pass over its rule (False:
    nobody moves).

    The rule's matches and the stored members meet in one full outer join: a match with
    no member joins, a member with no match leaves, and nobody else is written anywhere
    (two anti-joins would first write every match to a scratch table, then read it twice).
    """
    rule = _rule_matches(session, segment, now, in_range).subquery("rule")
    matched = rule.c[0]
    members = (
        select(SegmentMember.subject_id.label("id"))
        .where(SegmentMember.segment_id == segment.id, in_range(SegmentMember.subject_id))
        .subquery("members")
    )
    diff = (
        select(
            func.coalesce(matched, members.c.id),
            case((matched.is_(None), 0), else_=1),
        )
        .select_from(rule.join(members, members.c.id == matched, full=True))
        .where(or_(matched.is_(None), members.c.id.is_(None)))
    )
    found = cast(
        CursorResult[Any],
        await session.execute(insert(_moves).from_select(["id", "joins"], diff)),
    )
    if not found.rowcount:
        return False  # nobody moves: the usual answer of a scheduled or warm recompute
    for table, joins in ((_joiners, 1), (_leavers, 0)):
        await session.execute(
            insert(table).from_select(["id"], select(_moves.c.id).where(_moves.c.joins == joins))
        )
    return True


async def _nobody_moves(
    session: AsyncSession,
    segment: CompiledSegment,
    now: datetime,
    in_range: Callable[[Any], Any],
) -> bool:
    """Whether the rule's matches are exactly the stored members, from one pass over the
    matches (each looked up among the members by key) and a count of the members: nothing
    is written. Where the database has no cheap full join (SQLite), this settles the usual
    case of a scheduled or warm recompute before any match goes to a scratch table."""
    rule = _rule_matches(session, segment, now, in_range).subquery("rule")
    is_member = select(literal(1)).where(
        SegmentMember.segment_id == segment.id, SegmentMember.subject_id == rule.c[0]
    )
    matches, joiners = (
        await session.execute(
            select(
                func.count(), func.coalesce(func.sum(case((~exists(is_member), 1), else_=0)), 0)
            ).select_from(rule)
        )
    ).one()
    if joiners:
        return False
    members = await session.scalar(
        select(func.count())
        .select_from(SegmentMember)
        .where(SegmentMember.segment_id == segment.id, in_range(SegmentMember.subject_id))
    )
    return bool(members == matches)


async def _overrides_of(session: AsyncSession, segment_id: int) -> set[str]:
    kinds = await session.scalars(
        select(SegmentOverride.kind).where(SegmentOverride.segment_id == segment_id).distinct()
    )
    return set(kinds)


async def fill_matching(
    session: AsyncSession,
    segment: CompiledSegment,
    now: datetime,
    subjects: tuple[int, int] | None = None,
) -> Table:
    """Who should be a member now (rule, then include, then exclude), into a scratch table."""

    def in_range(column: Any) -> Any:
        return column.between(*subjects) if subjects is not None else true()

    await _scratch(session)
    if segment.node is not None:
        matching = _rule_matches(session, segment, now, in_range)
        await session.execute(insert(_matching).from_select(["id"], matching))
    lists = await _overrides_of(session, segment.id)
    listed = select(SegmentOverride.subject_id).where(
        SegmentOverride.segment_id == segment.id, in_range(SegmentOverride.subject_id)
    )
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
    return _matching


async def recompute(
    session: AsyncSession,
    segment: CompiledSegment,
    cause: Cause,
    now: datetime | None = None,
    subjects: tuple[int, int] | None = None,
) -> tuple[int, int]:
    """Bring one segment's members in line with its rule and lists; (joined, left).

    `subjects` limits the work to an inclusive range of subject ids (chunked recomputes).
    Without include or exclude lists (most segments), a segment without members yet takes
    every match as a joiner, and otherwise joiners and leavers come from one full outer
    join of the rule's matches with the stored members on PostgreSQL. Otherwise the rule's
    matches go to a scratch table first (the rule runs alone, so the database can push
    partner conditions below the join), the lists apply to it as separate statements, and
    joiners and leavers are each found with one anti-join (leavers only when two counts say
    some exist); on SQLite a segment without lists first checks in one pass, writing
    nothing, whether anybody moves at all. A segment where nobody moves stops there.
    """
    now = now or utcnow()

    def in_range(column: Any) -> Any:
        return column.between(*subjects) if subjects is not None else true()

    plain = segment.node is not None and not await _overrides_of(session, segment.id)
    if plain and not await _has_members(session, segment, in_range):
        await _scratch(session)
        if not await _everyone_joins(session, segment, now, in_range):
            return 0, 0
    elif plain and _full_join_diff(session):
        await _scratch(session)
        if not await _moves_by_full_join(session, segment, now, in_range):
            return 0, 0
    elif (
        plain and await _nobody_moves(session, segment, now, in_range)
    ) or not await _moves_by_anti_joins(session, segment, now, subjects, in_range):
        return 0, 0
    sid, at, why = literal(segment.id), literal(now, UTCDateTime()), literal(cause.value)
    event_columns = ["segment_id", "subject_id", "change", "cause", "at"]
    # DML answers a CursorResult (with rowcount); session.execute() is typed for any statement.
    joined = cast(
        CursorResult[Any],
        await session.execute(
            insert(MembershipEvent).from_select(
                event_columns, select(sid, _joiners.c.id, literal("JOINED"), why, at)
            )
        ),
    )
    await session.execute(
        insert(SegmentMember).from_select(
            ["segment_id", "subject_id", "since"], select(sid, _joiners.c.id, at)
        )
    )
    left = cast(
        CursorResult[Any],
        await session.execute(
            insert(MembershipEvent).from_select(
                event_columns, select(sid, _leavers.c.id, literal("LEFT"), why, at)
            )
        ),
    )
    if left.rowcount:
        await session.execute(
            delete(SegmentMember).where(
                SegmentMember.segment_id == segment.id,
                SegmentMember.subject_id.in_(select(_leavers.c.id)),
            )
        )
    moved_in, moved_out = joined.rowcount or 0, left.rowcount or 0
    telemetry.count_moves(session, cause.value, "JOINED", moved_in)
    telemetry.count_moves(session, cause.value, "LEFT", moved_out)
    if moved_in or moved_out:
        moved = select(_joiners.c.id).union_all(select(_leavers.c.id))
        await hooks.notify(session, hooks.moved_subjects(segment.id, segment.subject, moved))
    return moved_in, moved_out


async def _moves_by_anti_joins(
    session: AsyncSession,
    segment: CompiledSegment,
    now: datetime,
    subjects: tuple[int, int] | None,
    in_range: Callable[[Any], Any],
) -> bool:
    """Joiners and leavers through the scratch table of matches (lists apply to it); False:
    nobody moves.

    Leavers are looked for only when there are some: every match is a member or a joiner,
    so members beyond (matches - joiners) are leavers, and two counts (the scratch table's
    and the segment's members in range, along its key) say whether any exist. On a warm
    recompute where nobody left, that skips probing every member against the matches.
    """
    await fill_matching(session, segment, now, subjects)
    is_member = select(literal(1)).where(
        SegmentMember.segment_id == segment.id, SegmentMember.subject_id == _matching.c.id
    )
    joined = cast(
        CursorResult[Any],
        await session.execute(
            insert(_joiners).from_select(["id"], select(_matching.c.id).where(~exists(is_member)))
        ),
    )
    matches = await session.scalar(select(func.count()).select_from(_matching)) or 0
    members = await session.scalar(
        select(func.count())
        .select_from(SegmentMember)
        .where(SegmentMember.segment_id == segment.id, in_range(SegmentMember.subject_id))
    )
    joiners = joined.rowcount or 0
    if (members or 0) <= matches - joiners:
        return joiners > 0  # every member still matches
    still = select(literal(1)).where(_matching.c.id == SegmentMember.subject_id)
    await session.execute(
        insert(_leavers).from_select(
            ["id"],
            select(SegmentMember.subject_id).where(
                SegmentMember.segment_id == segment.id,
                in_range(SegmentMember.subject_id),
                ~exists(still),
            ),
        )
    )
    return True


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
