"""Loading what rules read about many subjects at once (a few queries, whatever the count)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.direct import DirectSelect
from domain.models import (
    Contact,
    ContactCertification,
    CourseCompletion,
    Partner,
    PartnerMetrics,
    SegmentMember,
)

CHUNK = 5000


def chunks(values: Iterable[int], size: int = CHUNK) -> list[list[int]]:
    ordered = sorted(set(values))
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


async def run(session: AsyncSession, statement: Any) -> Any:
    """Execute on the session's connection: plain rows, none of the ORM's per-call work."""
    return await (await session.connection()).execute(statement)


_PARTNERS = Partner.__table__
_METRICS = PartnerMetrics.__table__
_METRIC_LABELS = {c.key: f"metric_{c.key}" for c in _METRICS.c if c.key != "partner_id"}


class MetricsView:
    """A partner's metrics, read from the partner+metrics joined row."""

    __slots__ = ("_row",)

    def __init__(self, row: Any) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, _METRIC_LABELS[name])


# Built once and run directly on the driver: the incremental path reads these on every
# data change, where building a statement or a trip to the driver costs more than the query.
_PARTNERS_BY_ID = DirectSelect(
    lambda in_ids: (
        select(_PARTNERS, *(_METRICS.c[key].label(label) for key, label in _METRIC_LABELS.items()))
        .select_from(_PARTNERS.outerjoin(_METRICS, _METRICS.c.partner_id == _PARTNERS.c.id))
        .where(in_ids(_PARTNERS.c.id))
    )
)
_CONTACTS = Contact.__table__
_CONTACTS_OF = DirectSelect(lambda in_ids: select(_CONTACTS).where(in_ids(_CONTACTS.c.partner_id)))
_CONTACTS_BY_ID = DirectSelect(lambda in_ids: select(_CONTACTS).where(in_ids(_CONTACTS.c.id)))
_MEMBERS = SegmentMember.__table__
_MEMBERSHIPS_OF = DirectSelect(
    lambda in_ids: select(_MEMBERS.c.subject_id, _MEMBERS.c.segment_id).where(
        in_ids(_MEMBERS.c.subject_id)
    )
)


async def partners(
    session: AsyncSession, ids: Iterable[int]
) -> tuple[dict[int, Any], dict[int, Any]]:
    """(partner rows, metrics) by partner id, in one query per chunk."""
    rows: dict[int, Any] = {}
    metrics: dict[int, Any] = {}
    for part in chunks(ids):
        for row in await _PARTNERS_BY_ID.rows(session, part):
            rows[row.id] = row
            metrics[row.id] = MetricsView(row)
    return rows, metrics


async def _contacts(
    session: AsyncSession, query: DirectSelect, ids: Iterable[int]
) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for part in chunks(ids):
        for row in await query.rows(session, part):
            found[row.id] = row
    return found


async def contacts_of(session: AsyncSession, partner_ids: Iterable[int]) -> dict[int, Any]:
    return await _contacts(session, _CONTACTS_OF, partner_ids)


async def contacts(session: AsyncSession, ids: Iterable[int]) -> dict[int, Any]:
    return await _contacts(session, _CONTACTS_BY_ID, ids)


async def keyed(
    session: AsyncSession, column: Any, key: Any, contact_ids: Iterable[int]
) -> dict[int, frozenset[str]]:
    """Certification or course keys held, by contact id."""
    held: dict[int, set[str]] = defaultdict(set)
    for part in chunks(contact_ids):
        for contact_id, value in await run(session, select(column, key).where(column.in_(part))):
            held[contact_id].add(value)
    return {k: frozenset(v) for k, v in held.items()}


async def certifications(
    session: AsyncSession, contact_ids: Iterable[int]
) -> dict[int, frozenset[str]]:
    return await keyed(
        session,
        ContactCertification.contact_id,
        ContactCertification.certification_key,
        contact_ids,
    )


async def completed_courses(
    session: AsyncSession, contact_ids: Iterable[int]
) -> dict[int, frozenset[str]]:
    return await keyed(
        session, CourseCompletion.contact_id, CourseCompletion.course_key, contact_ids
    )


async def memberships(
    session: AsyncSession, segment_ids: Sequence[int], subject_ids: Iterable[int]
) -> dict[int, set[int]]:
    """Current segments (among `segment_ids`) of each subject.

    Partner and contact ids share one number space, so a subject id also finds the
    memberships of the other kind's namesake: those are filtered out here, which is cheaper
    than sending the segment ids with every query.
    """
    held: dict[int, set[int]] = defaultdict(set)
    wanted = frozenset(segment_ids)
    if not wanted:
        return held
    for part in chunks(subject_ids):
        for subject_id, segment_id in await _MEMBERSHIPS_OF.rows(session, part):
            if segment_id in wanted:
                held[subject_id].add(segment_id)
    return held
