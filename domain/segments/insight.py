"""Looking at segments without changing them: who a rule would select now (preview), and
why one partner or contact is in a segment or not (explain, from the Python compiler's trace
over the subject's facts)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from domain import ids
from domain.clock import utcnow
from domain.models import SegmentOverride
from domain.segments import facts as load
from domain.segments import readable, rules
from domain.segments.facts import Facts
from domain.segments.index import SegmentIndex, load_index
from domain.segments.python import Trace, explain
from domain.segments.readable import SUBJECT_TYPES, Subject
from domain.segments.sql import SqlCompiler


@dataclass(frozen=True)
class Preview:
    count: int
    sample: list[tuple[str, str]]  # (global id, name)


async def preview(
    session: AsyncSession,
    subject: Subject,
    rule: Any,
    visible: Callable[[Any], ColumnElement[bool]],
    sample_size: int = 10,
) -> Preview:
    """Who a rule would select right now, among the subjects `visible` allows (a condition
    on the subject id column); nothing is written."""
    index = await load_index(session)
    node = rules.parse(rule, subject, index.catalogue, index.known(), ("rule",))
    compiler = SqlCompiler(subject, session.get_bind().dialect.name, utcnow())
    matching = compiler.base(node).where(compiler.compile(node), visible(compiler.subject_id))
    count = await session.scalar(select(func.count()).select_from(matching.subquery()))
    type_name, model = SUBJECT_TYPES[subject]
    sample = await session.execute(
        select(model.id, model.name)
        .where(model.id.in_(matching))
        .order_by(model.name, model.id)
        .limit(sample_size)
    )
    return Preview(int(count or 0), [(ids.encode(type_name, pk), name) for pk, name in sample])


@dataclass(frozen=True)
class Explanation:
    member: bool
    reason: str  # RULE, INCLUDED, EXCLUDED, NO_MATCH
    trace: list[Trace]


async def subject_facts(
    session: AsyncSession, index: SegmentIndex, subject: Subject, pk: int
) -> Facts | None:
    """Everything rules may read about one partner or contact."""
    partner_segments = [s.id for s in index.of(Subject.PARTNER)]
    if subject is Subject.PARTNER:
        partners, metrics = await load.partners(session, [pk])
        if pk not in partners:
            return None
        held = await load.memberships(session, partner_segments, [pk])
        return Facts(partner=partners[pk], metrics=metrics.get(pk), partner_segments=held[pk])
    contacts = await load.contacts(session, [pk])
    if pk not in contacts:
        return None
    contact = contacts[pk]
    partners, metrics = await load.partners(session, [contact.partner_id])
    return Facts(
        partner=partners[contact.partner_id],
        metrics=metrics.get(contact.partner_id),
        contact=contact,
        held=load.held_by(await load.held(session, readable.keyed(readable.BUILT_IN), [pk]), pk),
        partner_segments=(await load.memberships(session, partner_segments, [contact.partner_id]))[
            contact.partner_id
        ],
        contact_segments=(
            await load.memberships(session, [s.id for s in index.of(Subject.CONTACT)], [pk])
        )[pk],
    )


async def explain_membership(
    session: AsyncSession, key: str, subject_pk: int, now: datetime | None = None
) -> Explanation | None:
    """Why a subject is in a segment or not; None if the segment or subject does not exist."""
    index = await load_index(session)
    segment = index.by_key.get(key)
    if segment is None:
        return None
    facts = await subject_facts(session, index, segment.subject, subject_pk)
    if facts is None:
        return None
    overrides = set(
        await session.scalars(
            select(SegmentOverride.kind).where(
                SegmentOverride.segment_id == segment.id, SegmentOverride.subject_id == subject_pk
            )
        )
    )
    matched, trace = (
        explain(segment.node, facts, now or utcnow()) if segment.node is not None else (False, [])
    )
    if "EXCLUDE" in overrides:
        return Explanation(False, "EXCLUDED", trace)
    if matched:
        return Explanation(True, "RULE", trace)
    if "INCLUDE" in overrides:
        return Explanation(True, "INCLUDED", trace)
    return Explanation(False, "NO_MATCH", trace)
