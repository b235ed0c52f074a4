"""How a segment's members differ from its rule's matches: who joins, who leaves.

The strategies `recompute` (domain.segments.recompute) picks from, each a few set-based
statements into per-connection scratch tables (JOINERS and LEAVERS hold the answer):
everyone joins (a segment without members), one full outer join (PostgreSQL, no lists),
one pass that writes nothing when nobody moves (SQLite, no lists), or the rule's matches
in a scratch table with the lists applied and an anti-join each way.
"""

from __future__ import annotations

from collections.abc import Callable
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

from domain.models import SegmentMember, SegmentOverride
from domain.segments.index import CompiledSegment
from domain.segments.sql import SqlCompiler

_meta = MetaData()
# Per-connection temporary tables: who matches now, who joins, who leaves.
_matching = Table("segment_matching", _meta, Column("id", Integer, primary_key=True))
JOINERS = Table("segment_joiners", _meta, Column("id", Integer, primary_key=True))
LEAVERS = Table("segment_leavers", _meta, Column("id", Integer, primary_key=True))


_moves = Table(
    "segment_moves", _meta, Column("id", Integer), Column("joins", Integer)
)  # joins: 1 for a joiner, 0 for a leaver


_SCRATCH = (_matching, JOINERS, LEAVERS, _moves)
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
        for table in (_matching, JOINERS, LEAVERS):
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


def _within(subjects: tuple[int, int] | None) -> Callable[[Any], Any]:
    """SQL for "this subject id column is within `subjects`" (an inclusive range; None: any)."""

    def in_range(column: Any) -> Any:
        return column.between(*subjects) if subjects is not None else true()

    return in_range


async def _member_count(
    session: AsyncSession, segment: CompiledSegment, in_range: Callable[[Any], Any]
) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(SegmentMember)
            .where(SegmentMember.segment_id == segment.id, in_range(SegmentMember.subject_id))
        )
        or 0
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
        CursorResult[Any], await session.execute(insert(JOINERS).from_select(["id"], matching))
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
    for table, joins in ((JOINERS, 1), (LEAVERS, 0)):
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
    members = await _member_count(session, segment, in_range)
    return members == int(matches)


async def find_moves(
    session: AsyncSession,
    segment: CompiledSegment,
    now: datetime,
    subjects: tuple[int, int] | None,
) -> bool:
    """Fill JOINERS and LEAVERS for one segment (within `subjects`, an inclusive id range);
    False: nobody moves.

    Without include or exclude lists (most segments), a segment without members yet takes
    every match as a joiner, and otherwise joiners and leavers come from one full outer
    join of the rule's matches with the stored members on PostgreSQL; SQLite first checks
    in one pass, writing nothing, whether anybody moves at all. Otherwise the rule's
    matches go to a scratch table first (the rule runs alone, so the database can push
    partner conditions below the join), the lists apply to it as separate statements, and
    joiners and leavers are each found with one anti-join (leavers only when two counts say
    some exist).
    """
    in_range = _within(subjects)
    lists = await _overrides_of(session, segment.id)
    plain = segment.node is not None and not lists
    if plain and not await _has_members(session, segment, in_range):
        await _scratch(session)
        return await _everyone_joins(session, segment, now, in_range)
    if plain and _full_join_diff(session):
        await _scratch(session)
        return await _moves_by_full_join(session, segment, now, in_range)
    if plain and await _nobody_moves(session, segment, now, in_range):
        return False
    return await _moves_by_anti_joins(session, segment, now, subjects, lists)


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
    lists: set[str] | None = None,
) -> Table:
    """Who should be a member now (rule, then include, then exclude), into a scratch table;
    `lists`: the kinds of list the segment has, when already read."""
    in_range = _within(subjects)
    await _scratch(session)
    if segment.node is not None:
        matching = _rule_matches(session, segment, now, in_range)
        await session.execute(insert(_matching).from_select(["id"], matching))
    if lists is None:
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


async def _moves_by_anti_joins(
    session: AsyncSession,
    segment: CompiledSegment,
    now: datetime,
    subjects: tuple[int, int] | None,
    lists: set[str],
) -> bool:
    """Joiners and leavers through the scratch table of matches (lists apply to it); False:
    nobody moves.

    Leavers are looked for only when there are some: every match is a member or a joiner,
    so members beyond (matches - joiners) are leavers, and two counts (the scratch table's
    and the segment's members in range, along its key) say whether any exist. On a warm
    recompute where nobody left, that skips probing every member against the matches.
    """
    await fill_matching(session, segment, now, subjects, lists)
    in_range = _within(subjects)
    is_member = select(literal(1)).where(
        SegmentMember.segment_id == segment.id, SegmentMember.subject_id == _matching.c.id
    )
    joined = cast(
        CursorResult[Any],
        await session.execute(
            insert(JOINERS).from_select(["id"], select(_matching.c.id).where(~exists(is_member)))
        ),
    )
    matches = await session.scalar(select(func.count()).select_from(_matching)) or 0
    members = await _member_count(session, segment, in_range)
    joiners = joined.rowcount or 0
    if members <= matches - joiners:
        return joiners > 0  # every member still matches
    still = select(literal(1)).where(_matching.c.id == SegmentMember.subject_id)
    await session.execute(
        insert(LEAVERS).from_select(
            ["id"],
            select(SegmentMember.subject_id).where(
                SegmentMember.segment_id == segment.id,
                in_range(SegmentMember.subject_id),
                ~exists(still),
            ),
        )
    )
    return True
