"""Keeping materialised membership current, with a JOINED/LEFT event for every move.

Two paths, one meaning:
- a data change re-evaluates, in Python, only the segments whose rules read the changed
  fields (then their dependents), for the changed subjects, inside the same transaction;
- a rule change recomputes the segment set-based in SQL (then its dependents).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

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
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import utcnow
from domain.models import MembershipEvent, SegmentMember, SegmentOverride
from domain.models.base import UTCDateTime
from domain.segments import facts as load
from domain.segments.fields import Subject
from domain.segments.index import CompiledSegment, SegmentIndex, load_index
from domain.segments.python import Facts
from domain.segments.sql import SqlCompiler

# A subject's changed fields (rule paths); None for a subject that is new (everything is).
Fields = frozenset[str] | None


class Cause(StrEnum):
    ATTRIBUTE_CHANGE = "ATTRIBUTE_CHANGE"
    RULE_CHANGE = "RULE_CHANGE"
    MANUAL = "MANUAL"
    TIME = "TIME"
    DEPENDENCY = "DEPENDENCY"


@dataclass
class ChangeSet:
    partners: dict[int, Fields] = field(default_factory=dict)
    contacts: dict[int, Fields] = field(default_factory=dict)

    def partner(self, partner_id: int, fields: Fields) -> None:
        self.partners[partner_id] = _merge(self.partners.get(partner_id, frozenset()), fields)

    def contact(self, contact_id: int, fields: Fields) -> None:
        self.contacts[contact_id] = _merge(self.contacts.get(contact_id, frozenset()), fields)

    def __bool__(self) -> bool:
        return bool(self.partners or self.contacts)


def _merge(a: Fields, b: Fields) -> Fields:
    return None if a is None or b is None else a | b


@dataclass
class Moves:
    """Joins and leaves decided in memory, written in a few bulk statements."""

    now: datetime
    joined: list[tuple[int, int, Cause]] = field(default_factory=list)
    left: list[tuple[int, int, Cause]] = field(default_factory=list)

    def record(self, segment_id: int, subject_id: int, member: bool, cause: Cause) -> None:
        (self.joined if member else self.left).append((segment_id, subject_id, cause))

    async def write(self, session: AsyncSession) -> int:
        if self.joined:
            await session.execute(
                insert(SegmentMember),
                [{"segment_id": s, "subject_id": x, "since": self.now} for s, x, _ in self.joined],
            )
        for start in range(0, len(self.left), load.CHUNK):
            part = self.left[start : start + load.CHUNK]
            await session.execute(
                delete(SegmentMember).where(
                    tuple_(SegmentMember.segment_id, SegmentMember.subject_id).in_(
                        [(s, x) for s, x, _ in part]
                    )
                )
            )
        events = [
            {"segment_id": s, "subject_id": x, "change": change, "cause": c.value, "at": self.now}
            for change, moves in (("JOINED", self.joined), ("LEFT", self.left))
            for s, x, c in moves
        ]
        if events:
            await session.execute(insert(MembershipEvent), events)
        return len(events)


async def _overrides(
    session: AsyncSession, segment_ids: Iterable[int], subject_ids: Iterable[int]
) -> dict[tuple[int, str], set[int]]:
    found: dict[tuple[int, str], set[int]] = defaultdict(set)
    segment_ids = list(set(segment_ids))
    if not segment_ids:
        return found
    for part in load.chunks(subject_ids):
        rows = await session.execute(
            select(SegmentOverride).where(
                SegmentOverride.segment_id.in_(segment_ids), SegmentOverride.subject_id.in_(part)
            )
        )
        for row in rows.scalars():
            found[(row.segment_id, row.kind)].add(row.subject_id)
    return found


def _decide(
    segment: CompiledSegment,
    subject_id: int,
    facts: Facts,
    overrides: Mapping[tuple[int, str], set[int]],
    now: datetime,
) -> bool:
    if subject_id in overrides.get((segment.id, "EXCLUDE"), ()):
        return False
    if segment.predicate is not None and segment.predicate(facts, now):
        return True
    return subject_id in overrides.get((segment.id, "INCLUDE"), ())


async def apply_changes(
    session: AsyncSession,
    changes: ChangeSet,
    now: datetime | None = None,
    cause: Cause = Cause.ATTRIBUTE_CHANGE,
) -> int:
    """Move the memberships `changes` affect; returns the number of events written.

    Segments reading the changed fields move with `cause` (the subject's data changed,
    or TIME for scheduled metric refreshes); segments moved through them, DEPENDENCY.
    """
    if not changes:
        return 0
    now = now or utcnow()
    index = await load_index(session)
    moves = Moves(now)
    moved_partner_segments = await _partners(session, index, changes.partners, moves, now, cause)
    await _contacts(session, index, changes, moved_partner_segments, moves, now, cause)
    return await moves.write(session)


async def _partners(
    session: AsyncSession,
    index: SegmentIndex,
    changed: Mapping[int, Fields],
    moves: Moves,
    now: datetime,
    cause: Cause,
) -> dict[int, set[int]]:
    """Evaluate partner segments for changed partners; returns the segments each moved in."""
    segments = index.of(Subject.PARTNER)
    plans: dict[int, list[tuple[CompiledSegment, Cause]]] = {}
    for partner_id, fields in changed.items():
        direct = {s.id for s in segments if s.reads_any(fields)}
        plans[partner_id] = [
            (index.segments[i], cause if i in direct else Cause.DEPENDENCY)
            for i in index.with_dependents(direct)
            if index.segments[i].subject is Subject.PARTNER
        ]
    moved: dict[int, set[int]] = defaultdict(set)
    busy = [p for p, plan in plans.items() if plan]
    if not busy:
        return moved
    partner_rows, metric_rows = await load.partners(session, busy)
    held = await load.memberships(session, [s.id for s in segments], busy)
    overrides = await _overrides(session, {s.id for p in busy for s, _ in plans[p]}, busy)
    for partner_id in busy:
        if partner_id not in partner_rows:
            continue
        facts = Facts(
            partner=partner_rows[partner_id],
            metrics=metric_rows.get(partner_id),
            partner_segments=held[partner_id],
        )
        for segment, why in plans[partner_id]:
            member = _decide(segment, partner_id, facts, overrides, now)
            if member != (segment.id in held[partner_id]):
                moves.record(segment.id, partner_id, member, why)
                (held[partner_id].add if member else held[partner_id].discard)(segment.id)
                moved[partner_id].add(segment.id)
    return moved


async def _contacts(
    session: AsyncSession,
    index: SegmentIndex,
    changes: ChangeSet,
    moved_partner_segments: Mapping[int, set[int]],
    moves: Moves,
    now: datetime,
    cause: Cause,
) -> None:
    segments = index.of(Subject.CONTACT)
    if not segments:
        return
    # Which contact segments each partner change touches, and why.
    partner_plans: dict[int, dict[int, Cause]] = {}
    for partner_id, fields in changes.partners.items():
        direct = {s.id for s in segments if fields is not None and s.reads_any(fields)}
        through = set(index.with_dependents(moved_partner_segments.get(partner_id, ())))
        plan = {
            i: Cause.DEPENDENCY for i in through if index.segments[i].subject is Subject.CONTACT
        }
        plan.update(dict.fromkeys(direct, cause))
        if plan:
            partner_plans[partner_id] = plan
    contact_rows = await load.contacts_of(session, partner_plans) if partner_plans else {}
    contact_rows.update(await load.contacts(session, set(changes.contacts) - set(contact_rows)))
    plans: dict[int, list[tuple[CompiledSegment, Cause]]] = {}
    for contact_id, row in contact_rows.items():
        causes = dict(partner_plans.get(row.partner_id, {}))
        if contact_id in changes.contacts:
            fields = changes.contacts[contact_id]
            causes.update({s.id: cause for s in segments if s.reads_any(fields)})
        ordered = index.with_dependents(causes)
        plans[contact_id] = [
            (index.segments[i], causes.get(i, Cause.DEPENDENCY))
            for i in ordered
            if index.segments[i].subject is Subject.CONTACT
        ]
    busy = [c for c, plan in plans.items() if plan]
    if not busy:
        return
    partner_ids = {contact_rows[c].partner_id for c in busy}
    partner_rows, metric_rows = await load.partners(session, partner_ids)
    partner_held = await load.memberships(
        session, [s.id for s in index.of(Subject.PARTNER)], partner_ids
    )
    held = await load.memberships(session, [s.id for s in segments], busy)
    reads = frozenset().union(*(s.reads for c in busy for s, _ in plans[c]))
    certs = await load.certifications(session, busy) if "contact.certifications" in reads else {}
    courses = (
        await load.completed_courses(session, busy) if "contact.completedCourses" in reads else {}
    )
    overrides = await _overrides(session, {s.id for c in busy for s, _ in plans[c]}, busy)
    for contact_id in busy:
        row = contact_rows[contact_id]
        facts = Facts(
            partner=partner_rows[row.partner_id],
            metrics=metric_rows.get(row.partner_id),
            contact=row,
            certifications=certs.get(contact_id, frozenset()),
            completed_courses=courses.get(contact_id, frozenset()),
            partner_segments=partner_held[row.partner_id],
            contact_segments=held[contact_id],
        )
        for segment, why in plans[contact_id]:
            member = _decide(segment, contact_id, facts, overrides, now)
            if member != (segment.id in held[contact_id]):
                moves.record(segment.id, contact_id, member, why)
                (held[contact_id].add if member else held[contact_id].discard)(segment.id)


# ---------------------------------------------------------------- set-based recompute

_scratch = Table("segment_scratch", MetaData(), Column("id", Integer, primary_key=True))


async def _prepare_scratch(session: AsyncSession) -> None:
    await session.execute(
        text("CREATE TEMPORARY TABLE IF NOT EXISTS segment_scratch (id INTEGER PRIMARY KEY)")
    )
    await session.execute(delete(_scratch))


async def recompute(
    session: AsyncSession, segment: CompiledSegment, cause: Cause, now: datetime | None = None
) -> tuple[int, int]:
    """Bring one segment's members in line with its rule and lists; (joined, left)."""
    now = now or utcnow()
    compiler = SqlCompiler(segment.subject, session.get_bind().dialect.name, now)
    matching = compiler.base(segment.node).where(compiler.membership(segment.id, segment.node))
    await _prepare_scratch(session)
    await session.execute(insert(_scratch).from_select(["id"], matching))
    sid, at = literal(segment.id), literal(now, UTCDateTime())
    member = select(literal(1)).where(
        SegmentMember.segment_id == segment.id, SegmentMember.subject_id == _scratch.c.id
    )
    joined = await session.execute(
        insert(MembershipEvent).from_select(
            ["segment_id", "subject_id", "change", "cause", "at"],
            select(sid, _scratch.c.id, literal("JOINED"), literal(cause.value), at).where(
                ~exists(member)
            ),
        )
    )
    await session.execute(
        insert(SegmentMember).from_select(
            ["segment_id", "subject_id", "since"],
            select(sid, _scratch.c.id, at).where(~exists(member)),
        )
    )
    still = select(literal(1)).where(_scratch.c.id == SegmentMember.subject_id)
    leaving = (SegmentMember.segment_id == segment.id) & ~exists(still)
    left = await session.execute(
        insert(MembershipEvent).from_select(
            ["segment_id", "subject_id", "change", "cause", "at"],
            select(sid, SegmentMember.subject_id, literal("LEFT"), literal(cause.value), at).where(
                leaving
            ),
        )
    )
    await session.execute(delete(SegmentMember).where(leaving))
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
