"""Keeping materialised membership current, with a JOINED/LEFT event for every move.

A data change re-evaluates, in Python, only the segments whose rules read the changed
fields (then their dependents), for the changed subjects, inside the same transaction.
A rule change recomputes set-based in SQL instead (domain.segments.recompute): two paths,
one meaning.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import utcnow
from domain.models import SegmentOverride
from domain.segments import facts as load
from domain.segments import hooks, readable
from domain.segments.facts import Facts
from domain.segments.index import CompiledSegment, SegmentIndex, load_index
from domain.segments.moves import Cause, Moves
from domain.segments.readable import Subject

# A subject's changed fields (rule paths); None for a subject that is new (everything is).
Fields = frozenset[str] | None


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


async def _overrides(
    session: AsyncSession,
    index: SegmentIndex,
    segment_ids: Iterable[int],
    subject_ids: Iterable[int],
) -> dict[tuple[int, str], set[int]]:
    found: dict[tuple[int, str], set[int]] = defaultdict(set)
    segment_ids = list(set(segment_ids) & index.with_lists)
    if not segment_ids:
        return found
    table = SegmentOverride.__table__
    for part in load.chunks(subject_ids):
        rows = await load.run(
            session,
            select(table.c.segment_id, table.c.kind, table.c.subject_id).where(
                table.c.segment_id.in_(segment_ids), table.c.subject_id.in_(part)
            ),
        )
        for segment_id, kind, subject_id in rows:
            found[(segment_id, kind)].add(subject_id)
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
) -> tuple[int, int]:
    """Move the memberships `changes` affect; returns (joined, left).

    Segments reading the changed fields move with `cause` (the subject's data changed,
    or TIME for scheduled metric refreshes); segments moved through them, DEPENDENCY.
    """
    if not changes:
        return 0, 0
    now = now or utcnow()
    # Share-locks the catalogue: no rule save or recompute runs beside this evaluation.
    index = await load_index(session, share=True)
    moves = Moves(now)
    partners = KnownPartners()
    moved = await _partners(session, index, changes.partners, partners, moves, now, cause)
    await _contacts(session, index, changes, moved, partners, moves, now, cause)
    written = await moves.write(session)
    if written and hooks.subscribers():
        await hooks.notify(session, moves.audience_change(index))
    return moves.counts


@dataclass
class KnownPartners:
    """Partner rows, metrics and current partner-segment memberships, loaded once per change.

    Memberships here already include the moves decided in this change (written later), so
    contact rules naming partner segments see the company's new state.
    """

    rows: dict[int, Any] = field(default_factory=dict)
    metrics: dict[int, Any] = field(default_factory=dict)
    held: dict[int, set[int]] = field(default_factory=dict)

    async def load(self, session: AsyncSession, index: SegmentIndex, ids: Iterable[int]) -> None:
        missing = set(ids) - set(self.rows)
        if not missing:
            return
        rows, metrics = await load.partners(session, missing)
        self.rows.update(rows)
        self.metrics.update(metrics)
        held = await load.memberships(session, [s.id for s in index.of(Subject.PARTNER)], missing)
        self.held.update({pid: held[pid] for pid in missing})


async def _partners(
    session: AsyncSession,
    index: SegmentIndex,
    changed: Mapping[int, Fields],
    known: KnownPartners,
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
    await known.load(session, index, busy)
    partner_rows, metric_rows, held = known.rows, known.metrics, known.held
    overrides = await _overrides(session, index, {s.id for p in busy for s, _ in plans[p]}, busy)
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


Plan = list[tuple[CompiledSegment, Cause]]  # segments to evaluate, in order, and why


def _partner_plans(
    index: SegmentIndex,
    changes: ChangeSet,
    moved_partner_segments: Mapping[int, set[int]],
    cause: Cause,
) -> dict[int, dict[int, Cause]]:
    """Which contact segments each partner change touches (for all its contacts), and why."""
    segments = index.of(Subject.CONTACT)
    plans: dict[int, dict[int, Cause]] = {}
    for partner_id, fields in changes.partners.items():
        direct = {s.id for s in segments if fields is not None and s.reads_any(fields)}
        through = set(index.with_dependents(moved_partner_segments.get(partner_id, ())))
        plan = {
            i: Cause.DEPENDENCY for i in through if index.segments[i].subject is Subject.CONTACT
        }
        plan.update(dict.fromkeys(direct, cause))
        if plan:
            plans[partner_id] = plan
    return plans


def _contact_plan(
    index: SegmentIndex, causes: dict[int, Cause], own: ChangeSet, contact_id: int, cause: Cause
) -> Plan:
    """One contact's segments to evaluate: its company's plan, plus what its own change reads."""
    if contact_id in own.contacts:
        fields = own.contacts[contact_id]
        causes = {
            **causes,
            **{s.id: cause for s in index.of(Subject.CONTACT) if s.reads_any(fields)},
        }
    return [
        (index.segments[i], causes.get(i, Cause.DEPENDENCY))
        for i in index.with_dependents(causes)
        if index.segments[i].subject is Subject.CONTACT
    ]


async def _contacts(
    session: AsyncSession,
    index: SegmentIndex,
    changes: ChangeSet,
    moved_partner_segments: Mapping[int, set[int]],
    known: KnownPartners,
    moves: Moves,
    now: datetime,
    cause: Cause,
) -> None:
    if not index.of(Subject.CONTACT):
        return
    partner_plans = _partner_plans(index, changes, moved_partner_segments, cause)
    if partner_plans:
        contact_rows = await load.contacts_of(session, partner_plans)
        rest = set(changes.contacts) - set(contact_rows)
    else:
        # Only the contacts' own changes: load just those a segment reads the change for
        # (a certification granted to 50,000 contacts that no rule reads loads nobody).
        contact_rows = {}
        rest = {c for c in changes.contacts if _contact_plan(index, {}, changes, c, cause)}
    contact_rows.update(await load.contacts(session, rest))
    plans = {
        contact_id: _contact_plan(
            index, partner_plans.get(row.partner_id, {}), changes, contact_id, cause
        )
        for contact_id, row in contact_rows.items()
    }
    busy = [c for c, plan in plans.items() if plan]
    if busy:
        await _evaluate_contacts(
            session, index, {c: contact_rows[c] for c in busy}, plans, known, moves, now
        )


async def _evaluate_contacts(
    session: AsyncSession,
    index: SegmentIndex,
    rows: Mapping[int, Any],
    plans: Mapping[int, Plan],
    known: KnownPartners,
    moves: Moves,
    now: datetime,
) -> None:
    """Load what the planned rules read for these contacts, evaluate, record the moves."""
    busy = list(rows)
    await known.load(session, index, {row.partner_id for row in rows.values()})
    held = await load.memberships(session, [s.id for s in index.of(Subject.CONTACT)], busy)
    reads = frozenset().union(*(s.reads for c in busy for s, _ in plans[c]))
    held_keys = await load.held(session, readable.keyed(reads), busy)
    overrides = await _overrides(session, index, {s.id for c in busy for s, _ in plans[c]}, busy)
    for contact_id in busy:
        row = rows[contact_id]
        facts = Facts(
            partner=known.rows[row.partner_id],
            metrics=known.metrics.get(row.partner_id),
            contact=row,
            held=load.held_by(held_keys, contact_id),
            partner_segments=known.held[row.partner_id],
            contact_segments=held[contact_id],
        )
        for segment, why in plans[contact_id]:
            member = _decide(segment, contact_id, facts, overrides, now)
            if member != (segment.id in held[contact_id]):
                moves.record(segment.id, contact_id, member, why)
                (held[contact_id].add if member else held[contact_id].discard)(segment.id)
