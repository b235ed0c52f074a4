"""Membership moves, announced inside the transaction that made them.

Whatever follows audience matches (auto-enrolment, certifications held by audience, tier
benefits) subscribes here instead of reaching into the engine. Every path announces its
moves: the incremental one (data changes), the set-based one (rule saves, recomputes, the
scheduled run), and contact changes that move audiences without moving a segment (a new
role). Subscribers get the contacts to re-check as a SQL select, so a rule change that
moves 50,000 contacts is handled set-based, never one contact at a time in Python.
Subscribers are registered explicitly, in one place: `domain.wiring`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import SelectBase, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Contact
from domain.segments.readable import Subject


@dataclass(frozen=True)
class AudienceChange:
    """Contacts whose audience matches may have changed, and why."""

    # Segments that moved; None when anything about the contacts may matter (a role).
    segment_ids: frozenset[int] | None
    contacts: SelectBase  # one column: contact ids

    def names_any(self, segment_ids: Iterable[int]) -> bool:
        return self.segment_ids is None or not self.segment_ids.isdisjoint(segment_ids)


Subscriber = Callable[[AsyncSession, AudienceChange], Awaitable[None]]


def subscribers() -> tuple[Subscriber, ...]:
    """Every subscriber (domain.wiring lists them all)."""
    from domain.wiring import MOVE_SUBSCRIBERS  # imported late: wiring imports every area

    return MOVE_SUBSCRIBERS


async def notify(session: AsyncSession, change: AudienceChange) -> None:
    for subscriber in subscribers():
        await subscriber(session, change)


def moved_subjects(segment_id: int, subject: Subject, subject_ids: SelectBase) -> AudienceChange:
    """One segment's joiners and leavers (a select of subject ids) as contacts to re-check."""
    if subject is Subject.CONTACT:
        return AudienceChange(frozenset({segment_id}), subject_ids)
    contacts = select(Contact.id).where(Contact.partner_id.in_(subject_ids))
    return AudienceChange(frozenset({segment_id}), contacts)


def moved_ids(
    segment_ids: Iterable[int], partner_ids: Iterable[int], contact_ids: Iterable[int]
) -> AudienceChange:
    """Moves known in memory (the incremental path)."""
    partners, contacts = sorted(set(partner_ids)), sorted(set(contact_ids))
    condition = or_(
        Contact.id.in_(contacts) if contacts else false(),
        Contact.partner_id.in_(partners) if partners else false(),
    )
    return AudienceChange(frozenset(segment_ids), select(Contact.id).where(condition))


def contacts_changed(contact_ids: Iterable[int]) -> AudienceChange:
    """Contacts whose own data changed in a way audiences read directly (their role)."""
    return AudienceChange(None, select(Contact.id).where(Contact.id.in_(sorted(set(contact_ids)))))
