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

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    SelectBase,
    Table,
    false,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Contact
from domain.segments.readable import Subject


@dataclass(frozen=True)
class AudienceChange:
    """Contacts whose audience matches may have changed, and why."""

    # Segments that moved; None when anything about the contacts may matter (a role).
    segment_ids: frozenset[int] | None
    contacts: SelectBase  # one column: contact ids
    # Set-based moves (rule changes, recomputes): possibly many contacts, read from scratch
    # tables (see `materialised`); the incremental path names its few contacts by id.
    bulk: bool = False

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


async def materialised(session: AsyncSession, change: AudienceChange, name: str) -> AudienceChange:
    """A set-based `change` with its contacts copied into the keyed scratch table `name` (each
    subscriber its own), so a subscriber's statements over 50,000 contacts plan well whatever the
    statistics say: the engine's scratch tables are unkeyed on PostgreSQL, and a plan that
    scans them once per contact is quadratic. A subscriber is done with its table before it
    moves memberships (which may notify again)."""
    if not change.bulk:
        return change
    postgres = session.get_bind().dialect.name == "postgresql"
    await session.execute(
        text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} (id INTEGER PRIMARY KEY)")
    )
    await session.execute(text(f"TRUNCATE {name}" if postgres else f"DELETE FROM {name}"))
    ids = change.contacts.subquery()
    table = Table(name, MetaData(), Column("id", Integer, primary_key=True))
    await session.execute(
        insert(table).from_select(["id"], select(ids.c[0]).where(ids.c[0].is_not(None)).distinct())
    )
    if postgres:
        await session.execute(text(f"ANALYZE {name}"))
    return AudienceChange(change.segment_ids, select(table.c.id), bulk=True)


def moved_subjects(segment_id: int, subject: Subject, subject_ids: SelectBase) -> AudienceChange:
    """One segment's joiners and leavers (a select of subject ids) as contacts to re-check."""
    if subject is Subject.CONTACT:
        return AudienceChange(frozenset({segment_id}), subject_ids, bulk=True)
    contacts = select(Contact.id).where(Contact.partner_id.in_(subject_ids))
    return AudienceChange(frozenset({segment_id}), contacts, bulk=True)


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
