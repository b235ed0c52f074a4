"""Partner metrics, kept current from the data they derive from.

Each metric is declared once (domain.segments.readable.METRICS) and has a source: a
set-based query computing it for many partners at once. Sources are registered explicitly,
in one place (domain.wiring.METRIC_SOURCES), so none can go missing because nobody imported
its module. When a value changes, the partner segments reading it move at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, bindparam, case, cast, distinct, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from domain.clock import utcnow
from domain.models import Contact, ContactCertification, Enrollment, PartnerMetrics
from domain.segments import facts as load
from domain.segments.membership import ChangeSet, apply_changes
from domain.segments.moves import Cause
from domain.segments.readable import METRICS

ENGAGEMENT_WINDOW = timedelta(days=30)

# metric name (as in rules: partner.metrics.<name>) -> PartnerMetrics column (declared once,
# in domain.segments.readable).
COLUMNS = {name: metric.column.key for name, metric in METRICS.items()}

Compute = Callable[[AsyncSession, list[int], datetime], Awaitable[dict[int, dict[str, Any]]]]


@dataclass(frozen=True)
class Source:
    metrics: frozenset[str]
    compute: Compute  # -> {partner id: {metric: value}} (missing partners get zero)
    time_based: bool = False  # values drift with the clock: refreshed on a schedule too


def sources() -> tuple[Source, ...]:
    """Every metric source (domain.wiring lists them all)."""
    from domain.wiring import METRIC_SOURCES  # imported late: wiring imports every area

    return METRIC_SOURCES


ACTIVE = Contact.status == "ACTIVE"


async def certified_contacts(
    session: AsyncSession, ids: list[int], now: datetime
) -> dict[int, dict[str, Any]]:
    rows = await session.execute(
        select(Contact.partner_id, func.count(distinct(Contact.id)))
        .join(ContactCertification, ContactCertification.contact_id == Contact.id)
        .where(Contact.partner_id.in_(ids), ACTIVE)
        .group_by(Contact.partner_id)
    )
    return {pid: {"certifiedContacts": n} for pid, n in rows}


async def training_completion(
    session: AsyncSession, ids: list[int], now: datetime
) -> dict[int, dict[str, Any]]:
    """Share of active contacts that completed at least one course."""
    completed = (
        select(Enrollment.contact_id).where(Enrollment.status == "COMPLETED").scalar_subquery()
    )
    rows = await session.execute(
        select(
            Contact.partner_id,
            func.count(Contact.id),
            func.sum(case((Contact.id.in_(completed), 1), else_=0)),
        )
        .where(Contact.partner_id.in_(ids), ACTIVE)
        .group_by(Contact.partner_id)
    )
    return {
        pid: {"trainingCompletionRate": round((done or 0) / total, 4)}
        for pid, total, done in rows
        if total
    }


async def engagement(
    session: AsyncSession, ids: list[int], now: datetime
) -> dict[int, dict[str, Any]]:
    """0-100: share of active contacts who signed in within the last 30 days."""
    recent = and_(
        Contact.last_login_at.is_not(None), Contact.last_login_at >= now - ENGAGEMENT_WINDOW
    )
    rows = await session.execute(
        select(
            Contact.partner_id,
            func.count(Contact.id),
            func.sum(cast(case((recent, 1), else_=0), Float)),
        )
        .where(Contact.partner_id.in_(ids), ACTIVE)
        .group_by(Contact.partner_id)
    )
    return {
        pid: {"engagementScore": round(100 * (n or 0) / total, 1)}
        for pid, total, n in rows
        if total
    }


def _zero(metric: str) -> Any:
    return 0.0 if metric in ("trainingCompletionRate", "engagementScore") else 0


async def compute(
    session: AsyncSession,
    partner_ids: list[int],
    metrics: Iterable[str] | None,
    now: datetime,
    *,
    time_based_only: bool = False,
) -> dict[int, dict[str, Any]]:
    """What the sources say each metric of each partner is now ({partner: {metric: value}})."""
    wanted = set(metrics) if metrics is not None else set(COLUMNS)
    chosen = [s for s in sources() if s.metrics & wanted and (s.time_based or not time_based_only)]
    computed: dict[int, dict[str, Any]] = {pid: {} for pid in partner_ids}
    for src in chosen:
        found = await src.compute(session, partner_ids, now)
        for pid in partner_ids:
            for metric in src.metrics & wanted:
                computed[pid][metric] = found.get(pid, {}).get(metric, _zero(metric))
    return computed


def same(old: Any, new: Any) -> bool:
    return old == new or (
        isinstance(old, float | int) and isinstance(new, float | int) and abs(old - new) < 1e-9
    )


@dataclass(frozen=True)
class Refreshed:
    """What a refresh changed: metric paths by partner, and the memberships that moved."""

    changed: dict[int, frozenset[str]]
    joined: int = 0
    left: int = 0


async def refresh(
    session: AsyncSession,
    partner_ids: Iterable[int],
    metrics: Iterable[str] | None = None,
    *,
    time_based_only: bool = False,
    cause: Cause = Cause.ATTRIBUTE_CHANGE,
    now: datetime | None = None,
    move_memberships: bool = True,
) -> Refreshed:
    """Recompute `metrics` (default: all) for partners and store what changed.

    Callers hold the partners' locks (domain.locks), so the values come from current data.
    Unless `move_memberships` is False (the caller folds the changed paths into its own
    change set), the segments reading them move now.
    """
    now = now or utcnow()
    changed: dict[int, set[str]] = {}
    for part in load.chunks(partner_ids):
        computed = await compute(session, part, metrics, now, time_based_only=time_based_only)
        await _store(session, computed, changed)
    result = {pid: frozenset(paths) for pid, paths in changed.items()}
    if not (changed and move_memberships):
        return Refreshed(result)
    change_set = ChangeSet()
    for pid, paths in result.items():
        change_set.partner(pid, paths)
    joined, left = await apply_changes(session, change_set, now, cause=cause)
    return Refreshed(result, joined, left)


_TABLE = PartnerMetrics.__table__


async def _store(
    session: AsyncSession, computed: dict[int, dict[str, Any]], changed: dict[int, set[str]]
) -> None:
    """Write the computed values that differ from the stored ones, noting each changed path.

    Core statements, not the ORM's unit of work: a rule change can refresh 50,000 partners
    at once. Metrics objects the session holds are brought up to date too.
    """
    names = sorted({metric for values in computed.values() for metric in values})
    if not names:
        return
    columns = [_TABLE.c[COLUMNS[name]] for name in names]
    stored = await session.execute(
        select(_TABLE.c.partner_id, *columns).where(_TABLE.c.partner_id.in_(list(computed)))
    )
    rows: list[dict[str, Any]] = []
    for partner_id, *old in stored:
        new = computed[partner_id]
        differ = [
            name for name, value in zip(names, old, strict=True) if not same(value, new[name])
        ]
        if differ:
            changed.setdefault(partner_id, set()).update(f"partner.metrics.{n}" for n in differ)
            rows.append(
                {
                    "pid": partner_id,
                    **{f"v_{c.key}": new[n] for n, c in zip(names, columns, strict=True)},
                }
            )
    if not rows:
        return
    await session.execute(
        update(_TABLE)
        .where(_TABLE.c.partner_id == bindparam("pid"))
        .values({c.key: bindparam(f"v_{c.key}", type_=c.type) for c in columns}),
        rows,
    )
    for held in list(session.identity_map.values()):
        if isinstance(held, PartnerMetrics) and held.partner_id in changed:
            for name, column in zip(names, columns, strict=True):
                set_committed_value(held, column.key, computed[held.partner_id][name])


def driven_by(contact_fields: frozenset[str] | None) -> set[str]:
    """Metrics a contact change (None: a new contact) may move."""
    return {
        name
        for name, metric in METRICS.items()
        if metric.driven_by and (contact_fields is None or metric.driven_by & contact_fields)
    }
