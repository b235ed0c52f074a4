"""Goals: a target for a metric over a period, and how far partners and segments are along.

A goal's value for a partner is computed in SQL from the data it counts, over the goal's
period (dates inclusive, in UTC): REVENUE_WON sums the amounts of WON deals whose close date
(the day it was won when it has none) falls in the period, DEALS_WON counts them,
DEALS_REGISTERED counts deals created in it, CERTIFIED_CONTACTS counts active contacts holding
a certification obtained in it, COURSE_COMPLETIONS counts enrolments completed in it.
Attainment is value / target. Per segment the goal's audience names, `segment_progress` sums
the values of the segment's partners (a CONTACT segment: the companies of its members) with
one set-based statement for many goals at once, never a loop over partners.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    bindparam,
    distinct,
    func,
    literal,
    select,
    type_coerce,
    union,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audiences
from domain.audiences import SegmentRefValue
from domain.models import (
    Contact,
    ContactCertification,
    Deal,
    Enrollment,
    Goal,
    Segment,
    SegmentMember,
)
from domain.models.base import CENT

# Goals per statement when many are computed at once (each is one part of a UNION ALL).
CHUNK = 100


class GoalMetric(StrEnum):
    REVENUE_WON = "REVENUE_WON"
    DEALS_WON = "DEALS_WON"
    DEALS_REGISTERED = "DEALS_REGISTERED"
    CERTIFIED_CONTACTS = "CERTIFIED_CONTACTS"
    COURSE_COMPLETIONS = "COURSE_COMPLETIONS"


@dataclass(frozen=True)
class Progress:
    """A goal's value for one partner, and its attainment (value / target)."""

    goal: Goal
    value: Decimal
    attainment: float


@dataclass(frozen=True)
class SegmentProgress:
    """A goal's partners in one segment, their summed value, and value / (target x partners)."""

    segment: SegmentRefValue
    partners: int
    value: Decimal
    attainment: float


def window(start: date, end: date) -> tuple[datetime, datetime]:
    """[start, end] as instants: from the start day's UTC midnight to the day after the end."""
    return (
        datetime.combine(start, time.min, tzinfo=UTC),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
    )


def partner_values(
    metric: GoalMetric,
    start: date,
    end: date,
    partner_ids: Sequence[int] | BindParameter[int] | None = None,
) -> Select[Any]:
    """SQL: (partner_id, value) for partners with a non-zero value in the period; money as
    whole cents (exact on both databases), counts as counts. `partner_ids` limits it to
    those partners (a bind parameter: to the one it is given)."""
    since, until = window(start, end)
    partner: Any
    value: ColumnElement[Any]
    where: list[ColumnElement[bool]]
    if metric in (GoalMetric.REVENUE_WON, GoalMetric.DEALS_WON):
        day = func.coalesce(Deal.close_date, Deal.won_on)
        partner, where = Deal.partner_id, [Deal.stage == "WON", day >= start, day <= end]
        value = (
            func.sum(type_coerce(Deal.amount, BigInteger))
            if metric is GoalMetric.REVENUE_WON
            else func.count(Deal.id)
        )
        query = select(partner.label("partner_id"), value.label("value"))
    elif metric is GoalMetric.DEALS_REGISTERED:
        partner, where = Deal.partner_id, [Deal.created_at >= since, Deal.created_at < until]
        query = select(partner.label("partner_id"), func.count(Deal.id).label("value"))
    elif metric is GoalMetric.CERTIFIED_CONTACTS:
        partner = Contact.partner_id
        where = [
            Contact.status == "ACTIVE",
            ContactCertification.since >= since,
            ContactCertification.since < until,
        ]
        query = select(
            partner.label("partner_id"), func.count(distinct(Contact.id)).label("value")
        ).join(ContactCertification, ContactCertification.contact_id == Contact.id)
    else:
        partner = Contact.partner_id
        where = [
            Enrollment.status == "COMPLETED",
            Enrollment.completed_at >= since,
            Enrollment.completed_at < until,
        ]
        query = (
            select(partner.label("partner_id"), func.count(Enrollment.id).label("value"))
            .select_from(Enrollment)
            .join(Contact, Contact.id == Enrollment.contact_id)
        )
    if isinstance(partner_ids, BindParameter):
        where.append(partner == partner_ids)
    elif partner_ids is not None:
        where.append(partner.in_(list(partner_ids)))
    return query.where(*where).group_by(partner)


def as_value(metric: GoalMetric | str, raw: Any) -> Decimal:
    """A goal value from what SQL answered: money from cents, counts as whole numbers."""
    number = Decimal(int(raw or 0))
    return (number * CENT).quantize(CENT) if metric == GoalMetric.REVENUE_WON else number


def attainment(value: Decimal, target: Decimal, partners: int = 1) -> float:
    """value / (target x partners), 0 when there is nothing to divide by."""
    whole = target * partners
    return float(value / whole) if whole > 0 else 0.0


def _chunks(goals: Sequence[Goal]) -> list[Sequence[Goal]]:
    return [goals[i : i + CHUNK] for i in range(0, len(goals), CHUNK)]


@lru_cache(maxsize=256)
def _one_partner(goals: tuple[tuple[int, str, date, date], ...]) -> Any:
    """SQL: (goal id, value) of each goal for the partner `:goal_partner_id`. Built once per
    set of goals (every contact of a programme sees the same few), not per request."""
    partner_id = bindparam("goal_partner_id", type_=Integer)
    selects = []
    for goal_id, metric, start, end in goals:
        values = partner_values(GoalMetric(metric), start, end, partner_id).subquery()
        selects.append(
            select(
                literal(goal_id).label("goal_id"),
                func.coalesce(func.sum(values.c.value), 0).label("value"),
            )
        )
    return union_all(*selects)


async def values_for_partner(
    session: AsyncSession, goals: Sequence[Goal], partner_id: int
) -> list[Progress]:
    """Each goal's value and attainment for one partner (one statement per 100 goals)."""
    found: dict[int, Any] = {}
    for part in _chunks(goals):
        shape = tuple((g.id, g.metric, g.period_start, g.period_end) for g in part)
        rows = await session.execute(_one_partner(shape), {"goal_partner_id": partner_id})
        for goal_id, raw in rows:
            found[goal_id] = raw
    progress = []
    for goal in goals:
        value = as_value(goal.metric, found.get(goal.id))
        progress.append(Progress(goal, value, attainment(value, goal.target)))
    return progress


def named_segments(spec: audiences.AudienceSpec | None) -> list[str]:
    """The segment keys a goal's audience names for roll-ups: any, then all, each once."""
    if spec is None:
        return []
    keys = sorted(spec.any_segments)
    return keys + [k for k in sorted(spec.all_segments) if k not in spec.any_segments]


def _segment_partners(keys: Iterable[str]) -> Any:
    """SQL: (segment_key, partner_id): a PARTNER segment's members, a CONTACT segment's
    members' companies, each partner once per segment."""
    keys = sorted(set(keys))
    partners = (
        select(Segment.key.label("segment_key"), SegmentMember.subject_id.label("partner_id"))
        .join(Segment, Segment.id == SegmentMember.segment_id)
        .where(Segment.key.in_(keys), Segment.subject == "PARTNER")
    )
    companies = (
        select(Segment.key.label("segment_key"), Contact.partner_id.label("partner_id"))
        .select_from(SegmentMember)
        .join(Segment, Segment.id == SegmentMember.segment_id)
        .join(Contact, Contact.id == SegmentMember.subject_id)
        .where(Segment.key.in_(keys), Segment.subject == "CONTACT")
    )
    return union(partners, companies).subquery()


async def segment_progress(
    session: AsyncSession, goals: Sequence[Goal]
) -> dict[int, list[SegmentProgress]]:
    """Per goal, per segment its audience names (in order): partners, summed value and
    attainment; one set-based statement per 100 goals."""
    specs = await audiences.specs(session, [g.audience_id for g in goals])
    named = {
        g.id: named_segments(specs.get(g.audience_id) if g.audience_id else None) for g in goals
    }
    rows: dict[tuple[int, str], tuple[str, int, Any]] = {}
    for part in _chunks([g for g in goals if named[g.id]]):
        selects = []
        for goal in part:
            members = _segment_partners(named[goal.id])
            values = partner_values(
                GoalMetric(goal.metric), goal.period_start, goal.period_end
            ).subquery()
            selects.append(
                select(
                    literal(goal.id).label("goal_id"),
                    Segment.key,
                    Segment.name,
                    func.count(members.c.partner_id).label("partners"),
                    func.coalesce(func.sum(values.c.value), 0).label("value"),
                )
                .select_from(Segment)
                .outerjoin(members, members.c.segment_key == Segment.key)
                .outerjoin(values, values.c.partner_id == members.c.partner_id)
                .where(Segment.key.in_(named[goal.id]))
                .group_by(Segment.key, Segment.name)
            )
        for goal_id, key, name, partners, raw in await session.execute(union_all(*selects)):
            rows[(goal_id, key)] = (name, int(partners), raw)
    found: dict[int, list[SegmentProgress]] = {}
    for goal in goals:
        found[goal.id] = []
        for key in named[goal.id]:
            name, partners, raw = rows.get((goal.id, key), (key, 0, 0))
            value = as_value(goal.metric, raw)
            found[goal.id].append(
                SegmentProgress(
                    SegmentRefValue(key, name),
                    partners,
                    value,
                    attainment(value, goal.target, partners),
                )
            )
    return found


async def segment_progress_of(
    session: AsyncSession, goal_ids: Sequence[int]
) -> dict[int, list[SegmentProgress]]:
    """`segment_progress` for goals by id (a batch of a per-request loader)."""
    found = await session.scalars(select(Goal).where(Goal.id.in_(list(goal_ids))))
    return await segment_progress(session, list(found))
