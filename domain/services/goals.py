"""Goals: set by vendor admins; contacts see their partner's progress on the goals their
audiences admit; staff and `analytics:read` keys see every goal and its roll-up per segment."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audiences, content, goals, ids
from domain.audiences import AudienceSpec, Matched
from domain.errors import ErrorCode, Problems, not_found
from domain.models import Goal
from domain.principal import Principal
from domain.services.inputs import audience, checked, decoded
from domain.uow import UnitOfWork

GOAL_ORDER = (Goal.period_start, Goal.name, Goal.id)
# What a Money column holds (whole cents in a BIGINT).
MAX_TARGET = Decimal("92233720368547758.07")


# ---------------------------------------------------------------- reads


def reads_every_goal(principal: Principal) -> bool:
    return principal.is_staff or principal.has_scope("analytics:read")


async def visible_goals(
    session: AsyncSession, principal: Principal, matched: Matched
) -> list[Goal]:
    """Contacts: the goals their audiences admit; staff and analytics keys: all. By period."""
    query = select(Goal).order_by(*GOAL_ORDER)
    if not reads_every_goal(principal):
        if not principal.is_contact:
            return []
        query = query.where(audiences.admitted(matched, Goal.audience_id))
    return list(await session.scalars(query))


async def find_goal(
    session: AsyncSession, principal: Principal, matched: Matched, goal_id: str
) -> Goal | None:
    pk = decoded(goal_id, "Goal")
    if pk is None or not (reads_every_goal(principal) or principal.is_contact):
        return None
    query = select(Goal).where(Goal.id == pk)
    if not reads_every_goal(principal):
        query = query.where(audiences.admitted(matched, Goal.audience_id))
    return await session.scalar(query)


async def viewer_goals(
    session: AsyncSession, principal: Principal, matched: Matched
) -> list[goals.Progress]:
    """A contact's partner's value and attainment on each goal its audiences admit."""
    if not principal.is_contact or principal.partner_id is None:
        return []
    admitted = await audiences.configured(session, ("goals", matched), partial(_goals, matched))
    return await goals.values_for_partner(session, admitted, principal.partner_id)


async def _goals(matched: Matched, session: AsyncSession) -> list[Goal]:
    return list(await session.scalars(_admitted_goals(matched)))


@lru_cache(maxsize=512)
def _admitted_goals(matched: Matched) -> Select[Any]:
    # Built once per audience set (see domain.statements).
    return select(Goal).where(audiences.admitted(matched, Goal.audience_id)).order_by(*GOAL_ORDER)


# ---------------------------------------------------------------- writes


def _target(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"expected a decimal number, got {value!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError(f"expected a number above 0, got {value}")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"at most two decimals, got {value}")
    if amount > MAX_TARGET:
        raise ValueError(f"at most {MAX_TARGET}, got {value}")
    return amount


def _metric(value: Any) -> goals.GoalMetric:
    try:
        return goals.GoalMetric(value)
    except ValueError:
        choices = ", ".join(m.value for m in goals.GoalMetric)
        raise ValueError(f"expected one of {choices}, got {value!r}") from None


def _day(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f'expected a date such as "2026-12-31", got {value!r}') from None


def _summary(goal: Goal) -> dict[str, Any]:
    return {
        "name": goal.name,
        "metric": goal.metric,
        "target": str(goal.target) if goal.target is not None else None,
        "periodStart": goal.period_start.isoformat() if goal.period_start else None,
        "periodEnd": goal.period_end.isoformat() if goal.period_end else None,
        "audienceId": goal.audience_id,
    }


async def _apply(uow: UnitOfWork, goal: Goal, patch: Mapping[str, Any]) -> None:
    session, problems = uow.session, Problems()
    values: dict[str, Any] = {}
    if "name" in patch:
        values["name"] = checked(content.name, patch["name"], "name", problems)
    if "metric" in patch:
        metric = checked(_metric, patch["metric"], "metric", problems)
        values["metric"] = metric.value if metric is not None else None
    if "target" in patch:
        values["target"] = checked(_target, patch["target"], "target", problems)
    for name, column in (("periodStart", "period_start"), ("periodEnd", "period_end")):
        if name in patch:
            values[column] = checked(_day, patch[name], name, problems)
    start = values.get("period_start", goal.period_start)
    end = values.get("period_end", goal.period_end)
    if start is not None and end is not None and end < start:
        problems.add(
            ErrorCode.INVALID_VALUE,
            f"periodEnd must not be before periodStart ({start.isoformat()}); "
            f"got {end.isoformat()}.",
            "periodEnd",
        )
    spec: AudienceSpec | None = None
    if "audience" in patch:
        spec = await audience(session, patch["audience"], ["audience"], problems)
    problems.raise_if_any()
    for column, value in values.items():
        setattr(goal, column, value)
    if "audience" in patch:
        goal.audience_id = await audiences.store(session, spec)
    session.add(goal)
    await session.flush()
    await audiences.bump_access_version(session)


async def create_goal(uow: UnitOfWork, patch: Mapping[str, Any]) -> Goal:
    goal = Goal()
    await _apply(uow, goal, {"audience": None, **patch})
    uow.target = f"Goal:{ids.encode('Goal', goal.id)}"
    uow.detail = {"after": _summary(goal)}
    return goal


async def _find(session: AsyncSession, goal_id: str) -> Goal:
    pk = decoded(goal_id, "Goal")
    goal = await session.get(Goal, pk, with_for_update=True) if pk is not None else None
    if goal is None:
        raise not_found("goal", ["id"])
    return goal


async def update_goal(uow: UnitOfWork, goal_id: str, patch: Mapping[str, Any]) -> Goal:
    uow.target = f"Goal:{goal_id}"
    goal = await _find(uow.session, goal_id)
    before = _summary(goal)
    await _apply(uow, goal, patch)
    uow.detail = {"before": before, "after": _summary(goal)}
    return goal


async def delete_goal(uow: UnitOfWork, goal_id: str) -> Goal:
    uow.target = f"Goal:{goal_id}"
    goal = await _find(uow.session, goal_id)
    uow.detail = {"before": _summary(goal)}
    await uow.session.delete(goal)
    await uow.session.flush()
    await audiences.bump_access_version(uow.session)
    return goal
