"""Loading what rules read about many subjects at once (a few queries, whatever the count)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.direct import DirectSelect
from domain.models import Contact, Partner, PartnerMetrics, SegmentMember
from domain.segments.readable import Readable

CHUNK = 5000


@dataclass
class Facts:
    """What rules may read about one subject (a partner, or a contact and its partner)."""

    partner: Any
    metrics: Any
    contact: Any = None
    # Keyed lists by path (readable.Keyed fields), e.g. {"contact.certifications": {...}}.
    held: Mapping[str, frozenset[str]] = field(default_factory=dict)
    partner_segments: set[int] = field(default_factory=set)
    contact_segments: set[int] = field(default_factory=set)


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


async def held(
    session: AsyncSession, fields: Iterable[Readable], contact_ids: Iterable[int]
) -> dict[str, dict[int, frozenset[str]]]:
    """For each keyed-list field, the keys each contact holds: {path: {contact id: keys}}."""
    found: dict[str, dict[int, frozenset[str]]] = {}
    ids = list(contact_ids)
    for readable in fields:
        assert readable.keyed is not None
        by_contact: dict[int, set[str]] = defaultdict(set)
        for part in chunks(ids):
            for contact_id, value in await run(session, readable.keyed.held(part)):
                by_contact[contact_id].add(value)
        found[readable.path] = {k: frozenset(v) for k, v in by_contact.items()}
    return found


def held_by(
    held: Mapping[str, Mapping[int, frozenset[str]]], contact_id: int
) -> dict[str, frozenset[str]]:
    """One contact's keyed lists out of `held`."""
    return {path: keys.get(contact_id, frozenset()) for path, keys in held.items()}


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
