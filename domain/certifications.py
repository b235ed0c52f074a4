"""Certifications contacts hold, by key: awarded by hand, by a course, or by audience.

Rules read them as `contact.certifications` (and, counted, as the partner metric
`certifiedContacts`); a change moves the contacts' segments and their companies' metrics in
the same transaction. An AUDIENCE certification is held exactly while a contact matches the
certification's award audience: the membership-move hook (domain.segments.hooks) tells
`follow_audiences` which contacts to re-check, set-based, from every path that moves
segments or roles. A certification whose award audience depends on a segment that reads
that certification would chase itself: refused when either is saved (CYCLE).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, Select, delete, exists, insert, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audiences
from domain.audiences import AudienceSpec
from domain.clock import utcnow
from domain.contacts import contacts_changed
from domain.errors import ErrorCode, Problems
from domain.models import Certification, Contact, ContactCertification
from domain.models.base import UTCDateTime
from domain.segments import hooks, rules
from domain.segments.index import SegmentIndex, load_index

CHANGED = frozenset({"contact.certifications"})


class Source(StrEnum):
    AUDIENCE = "AUDIENCE"
    MANUAL = "MANUAL"
    COURSE = "COURSE"


async def award(session: AsyncSession, contact: Contact, key: str, source: Source) -> bool:
    """Hold certification `key`; False when already held (the first source is kept).

    The caller holds the contact's company lock (domain.locks).
    """
    held = await session.get(ContactCertification, (contact.id, key))
    if held is not None:
        return False
    session.add(
        ContactCertification(
            contact_id=contact.id, certification_key=key, source=source.value, since=utcnow()
        )
    )
    await session.flush()
    await contacts_changed(session, {contact.id: contact.partner_id}, CHANGED)
    return True


async def withdraw(session: AsyncSession, contact: Contact, key: str) -> bool:
    """Stop holding certification `key`; False when it was not held."""
    # A DELETE answers a CursorResult; session.execute() is typed for any statement.
    result = cast(
        CursorResult[Any],
        await session.execute(
            delete(ContactCertification).where(
                ContactCertification.contact_id == contact.id,
                ContactCertification.certification_key == key,
            )
        ),
    )
    if not result.rowcount:
        return False
    await contacts_changed(session, {contact.id: contact.partner_id}, CHANGED)
    return True


async def award_many(
    session: AsyncSession, key: str, contact_ids: Select[Any], source: Source
) -> dict[int, int]:
    """Award `key` to the contacts `contact_ids` selects that do not hold it yet, with one
    INSERT ... SELECT; {contact id: partner id} of those awarded. The caller moves their
    memberships (contacts_changed with CHANGED)."""
    not_held = ~exists(
        select(literal(1)).where(
            ContactCertification.contact_id == Contact.id,
            ContactCertification.certification_key == key,
        )
    )
    chosen = Contact.id.in_(contact_ids.scalar_subquery())
    found = await session.execute(select(Contact.id, Contact.partner_id).where(chosen, not_held))
    awarded = {contact_id: partner_id for contact_id, partner_id in found}
    if awarded:
        now = literal(utcnow(), UTCDateTime())
        await session.execute(
            insert(ContactCertification).from_select(
                ["contact_id", "certification_key", "source", "since"],
                select(Contact.id, literal(key), literal(source.value), now).where(
                    chosen, not_held
                ),
            )
        )
    return awarded


async def withdraw_everywhere(session: AsyncSession, key: str) -> dict[int, int]:
    """Nobody holds `key` any more (its definition is removed); {contact id: partner id} of
    the former holders. The caller moves their memberships (contacts_changed with CHANGED)."""
    found = await session.execute(
        select(Contact.id, Contact.partner_id)
        .join(ContactCertification, ContactCertification.contact_id == Contact.id)
        .where(ContactCertification.certification_key == key)
    )
    holders = {contact_id: partner_id for contact_id, partner_id in found}
    if holders:
        await session.execute(
            delete(ContactCertification).where(ContactCertification.certification_key == key)
        )
    return holders


# ---------------------------------------------------------------- held by audience


@dataclass(frozen=True)
class AwardedByAudience:
    key: str
    audience: AudienceSpec


async def _awarded_by_audience(session: AsyncSession) -> list[AwardedByAudience]:
    return await audiences.per_access_version(session, "awarded-by-audience", _load_awarded)


async def _load_awarded(session: AsyncSession) -> list[AwardedByAudience]:
    found = await session.execute(
        select(Certification.key, Certification.award_audience_id).where(
            Certification.award_audience_id.is_not(None)
        )
    )
    rows = [(key, audience_id) for key, audience_id in found if audience_id is not None]
    specs = await audiences.specs(session, [audience_id for _, audience_id in rows])
    return [AwardedByAudience(key, specs[audience_id]) for key, audience_id in rows]


async def follow_audiences(session: AsyncSession, change: hooks.AudienceChange) -> None:
    """Grant and withdraw AUDIENCE certifications of the contacts whose audiences may have
    moved: held exactly while they match (a subscriber of the membership-move hook)."""
    awarded = await _awarded_by_audience(session)
    if not awarded:
        return
    index = await load_index(session)
    change = await hooks.materialised(session, change, "certification_checked")
    checked = change.contacts.subquery()
    moved: dict[int, int] = {}
    for certification in awarded:
        named = [
            index.by_key[k].id for k in certification.audience.segment_keys if k in index.by_key
        ]
        if not change.names_any(named) and not (
            change.segment_ids is None and certification.audience.roles
        ):
            continue
        moved.update(await _follow(session, certification, select(checked.c[0]), index))
    if moved:
        await contacts_changed(session, moved, CHANGED)


async def _follow(
    session: AsyncSession,
    certification: AwardedByAudience,
    checked: Select[Any],
    index: SegmentIndex,
) -> dict[int, int]:
    """{contact id: partner id} of the contacts granted or withdrawn `certification`."""
    key = certification.key
    matches = audiences.contact_matches(certification.audience, index=index)
    holds = exists(
        select(literal(1)).where(
            ContactCertification.contact_id == Contact.id,
            ContactCertification.certification_key == key,
        )
    )
    in_scope = Contact.id.in_(checked)
    table = ContactCertification.__table__
    # Set-based, each condition evaluated once: a rule change may move 50,000 contacts.
    granted = await session.execute(
        insert(table)
        .from_select(
            ["contact_id", "certification_key", "source", "since"],
            select(
                Contact.id,
                literal(key),
                literal(Source.AUDIENCE.value),
                literal(utcnow(), UTCDateTime()),
            ).where(in_scope, matches, ~holds),
        )
        .returning(table.c.contact_id)
    )
    moved = list(granted.scalars())
    withdrawn = await session.execute(
        delete(table)
        .where(
            table.c.certification_key == key,
            table.c.source == Source.AUDIENCE.value,
            table.c.contact_id.in_(select(Contact.id).where(in_scope, ~matches)),
        )
        .returning(table.c.contact_id)
    )
    moved += withdrawn.scalars()
    if len(moved) >= RESTATE_AFTER:
        await restate(session, table.name)
    return await _companies(session, moved)


async def _companies(session: AsyncSession, contact_ids: list[int]) -> dict[int, int]:
    """{contact id: partner id}, a few thousand ids per query."""
    found: dict[int, int] = {}
    for start in range(0, len(contact_ids), 5000):
        part = contact_ids[start : start + 5000]
        rows = await session.execute(
            select(Contact.id, Contact.partner_id).where(Contact.id.in_(part))
        )
        found.update({contact_id: partner_id for contact_id, partner_id in rows})
    return found


# Rows written in one go after which PostgreSQL's statistics are refreshed in the same
# transaction: the metrics and memberships that follow plan against the table as it is now.
RESTATE_AFTER = 10_000


async def restate(session: AsyncSession, table: str) -> None:
    """Refresh PostgreSQL's statistics of `table` inside the transaction (ANALYZE counts the
    transaction's own rows). Without it a bulk grant is planned as if the table were as
    small as at the last autovacuum, and counting 50,000 certifications per company takes
    minutes instead of a second. SQLite plans from its indexes and needs nothing."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"ANALYZE {table}"))


async def regrant(session: AsyncSession, key: str) -> None:
    """Bring one certification's AUDIENCE holders in line with its (new) award audience."""
    awarded = [a for a in await _awarded_by_audience(session) if a.key == key]
    everyone = select(Contact.id)
    moved: dict[int, int] = {}
    if awarded:
        moved = await _follow(session, awarded[0], everyone, await load_index(session))
    else:  # no audience any more: nobody holds it by audience
        rows = list(
            await session.execute(
                select(Contact.id, Contact.partner_id)
                .join(ContactCertification, ContactCertification.contact_id == Contact.id)
                .where(
                    ContactCertification.certification_key == key,
                    ContactCertification.source == Source.AUDIENCE.value,
                )
            )
        )
        if rows:
            await session.execute(
                delete(ContactCertification).where(
                    ContactCertification.certification_key == key,
                    ContactCertification.source == Source.AUDIENCE.value,
                )
            )
        moved = dict(rows)
    if moved:
        await contacts_changed(session, moved, CHANGED)


# ---------------------------------------------------------------- loops


ANY = None  # a rule that reads every certification (exists, or the certifiedContacts metric)


def certifications_read(node: rules.Node) -> frozenset[str] | None:
    """The certification keys a rule reads; None when it reads them all."""
    keys: set[str] = set()
    for n in rules.walk(node):
        if not isinstance(n, rules.Condition):
            continue
        if n.field.path == "partner.metrics.certifiedContacts":
            return ANY
        if n.field.path == "contact.certifications":
            if n.test.op == "exists":
                return ANY
            value = n.test.value
            keys.update([value] if isinstance(value, str) else value)
    return frozenset(keys)


def _behind(index: SegmentIndex, segment_ids: Iterable[int]) -> set[int]:
    """The segments whose membership decides these segments': themselves and what they name."""
    found, frontier = set(segment_ids), list(segment_ids)
    while frontier:
        node = index.segments[frontier.pop()].node
        for ref in rules.references(node) if node is not None else ():
            if ref not in found:
                found.add(ref)
                frontier.append(ref)
    return found


def _reads(node: rules.Node | None, key: str) -> bool:
    if node is None:
        return False
    read = certifications_read(node)
    return read is ANY or key in read


def loops_through_audience(
    index: SegmentIndex, key: str, audience: AudienceSpec | None
) -> list[str]:
    """Segments (by key) an award audience depends on that read certification `key`."""
    if audience is None:
        return []
    named = [index.by_key[k].id for k in audience.segment_keys if k in index.by_key]
    return sorted(
        index.segments[i].key for i in _behind(index, named) if _reads(index.segments[i].node, key)
    )


async def check_rule(
    session: AsyncSession,
    index: SegmentIndex,
    segment_id: int,
    node: rules.Node,
    problems: Problems,
    path: tuple[str, ...] = ("rule",),
) -> None:
    """A segment rule that reads a certification awarded by an audience depending on this
    segment would loop: CYCLE."""
    read = certifications_read(node)
    if read is not None and not read:
        return
    for certification in await _awarded_by_audience(session):
        if read is not ANY and certification.key not in read:
            continue
        named = [
            index.by_key[k].id for k in certification.audience.segment_keys if k in index.by_key
        ]
        if segment_id in _behind(index, named):
            problems.add(
                ErrorCode.CYCLE,
                f"This rule reads certification {certification.key!r}, which is awarded to "
                "an audience that depends on this segment: each would change the other.",
                *path,
            )
