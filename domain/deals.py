"""Deals: what a registration may hold (the viewer's layout decides), stage moves, and the
partner metrics deals drive.

A contact registers a deal against its DEAL layout for the record type: fields outside the
layout are UNKNOWN_FIELD, read-only ones READ_ONLY, required ones missing REQUIRED, values
of the wrong type INVALID_VALUE, all reported at once. Stages follow the contract:
REGISTERED, then APPROVED or REJECTED, then (from APPROVED only) WON or LOST.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import pricing, validation
from domain.catalogue import AttributeSubject, Catalogue, coerce_attribute
from domain.errors import ErrorCode, Problems
from domain.layouts import LayoutField
from domain.models import Deal


class Stage(StrEnum):
    REGISTERED = "REGISTERED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    WON = "WON"
    LOST = "LOST"


MOVES: dict[Stage, frozenset[Stage]] = {
    Stage.REGISTERED: frozenset({Stage.APPROVED, Stage.REJECTED}),
    Stage.APPROVED: frozenset({Stage.WON, Stage.LOST}),
}
OPEN_STAGES = (Stage.REGISTERED.value, Stage.APPROVED.value)
BUILT_IN = ("customerName", "amount", "closeDate")
MAX_CUSTOMER_NAME = 200
MAX_VALUES = 100  # keys in one registration (a layout lists at most 50 fields)
WON_WINDOW_DAYS = 365
REGISTERED_WINDOW = timedelta(days=90)
METRICS = frozenset({"wonRevenue12m", "dealsWon12m", "openPipeline", "dealsRegistered90d"})


def stage_move(current: str, wanted: Any, problems: Problems) -> Stage | None:
    """The stage to move to (None: stay), or a problem at ["stage"] saying why not."""
    if wanted is None:
        problems.add(ErrorCode.REQUIRED, "stage cannot be cleared.", "stage")
        return None
    try:
        target = Stage(wanted)
    except ValueError:
        problems.add(
            ErrorCode.INVALID_VALUE,
            f"stage: expected one of {[s.value for s in Stage]}, got {wanted!r}.",
            "stage",
        )
        return None
    if target.value == current:
        return None
    allowed = MOVES.get(Stage(current), frozenset())
    if target not in allowed:
        after = (
            f"it can move to {sorted(s.value for s in allowed)}"
            if allowed
            else f"{current} is final"
        )
        problems.add(
            ErrorCode.INVALID_TRANSITION,
            f"A {current} deal cannot move to {target.value}; {after}.",
            "stage",
        )
        return None
    return target


def strict_date(value: Any) -> date:
    """A calendar date written "YYYY-MM-DD" (nothing else), or ValueError."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f'expected a date as "YYYY-MM-DD", got {value!r}')


@dataclass
class Registration:
    """A registration's values, checked: the built-in fields and the attribute values."""

    customer_name: str = ""
    amount: Decimal | None = None
    close_date: date | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _coerce(name: str, value: Any, catalogue: Catalogue) -> Any:
    """A field's stored value, or ValueError saying what was expected."""
    if name == "customerName":
        return validation.text(value, max_length=MAX_CUSTOMER_NAME)
    if name == "amount":
        return pricing.money(value)
    if name == "closeDate":
        return strict_date(value)
    kind = catalogue.attribute_type(AttributeSubject.DEAL, name)
    if kind is None:  # a layout names only declared attributes; kept defensive
        raise ValueError("not a declared DEAL attribute")
    return coerce_attribute(kind, value)


def read_values(
    layout: Sequence[LayoutField],
    record_type: str,
    values: Mapping[str, Any],
    catalogue: Catalogue,
    problems: Problems,
) -> Registration:
    """Check `values` against the layout's fields; every problem goes into `problems` (paths
    under its prefix, e.g. ["values", "amount"])."""
    fields = {f.name: f for f in layout}
    registration = Registration()
    if len(values) > MAX_VALUES:
        problems.add(ErrorCode.TOO_MANY, f"At most {MAX_VALUES} values; got {len(values)}.")
        return registration
    given: set[str] = set()
    for name, value in values.items():
        spec = fields.get(name)
        if spec is None:
            problems.add(
                ErrorCode.UNKNOWN_FIELD,
                f"{name!r} is not a field of your {record_type!r} deal layout; its fields: "
                f"{list(fields)}.",
                name,
            )
            continue
        if spec.read_only:
            if value is not None:
                message = f"{name} is read-only in your {record_type!r} deal layout."
                problems.add(ErrorCode.READ_ONLY, message, name)
            continue
        if _blank(value):
            continue
        try:
            checked = _coerce(name, value, catalogue)
        except ValueError as exc:
            problems.add(ErrorCode.INVALID_VALUE, f"{name}: {exc}.", name)
            given.add(name)
            continue
        given.add(name)
        if name == "customerName":
            registration.customer_name = checked
        elif name == "amount":
            registration.amount = checked
        elif name == "closeDate":
            registration.close_date = checked
        else:
            registration.attributes[name] = checked
    for spec in layout:
        if spec.required and not spec.read_only and spec.name not in given:
            problems.add(ErrorCode.REQUIRED, f"{spec.name} is required.", spec.name)
    return registration


# ---------------------------------------------------------------- metric sources


def today(now: datetime) -> date:
    return validation.in_utc(now).date()


async def won_deals(
    session: AsyncSession, ids: list[int], now: datetime
) -> dict[int, dict[str, Any]]:
    """wonRevenue12m and dealsWon12m: WON deals whose close date (the day it was won when it
    has none) lies in the 365 days ending today."""
    day = func.coalesce(Deal.close_date, Deal.won_on)
    end = today(now)
    rows = await session.execute(
        select(Deal.partner_id, func.sum(Deal.amount), func.count(Deal.id))
        .where(
            Deal.partner_id.in_(ids),
            Deal.stage == Stage.WON.value,
            day > end - timedelta(days=WON_WINDOW_DAYS),
            day <= end,
        )
        .group_by(Deal.partner_id)
    )
    return {
        pid: {"wonRevenue12m": total if total is not None else Decimal(0), "dealsWon12m": n}
        for pid, total, n in rows
    }


async def open_pipeline(
    session: AsyncSession, ids: list[int], now: datetime
) -> dict[int, dict[str, Any]]:
    """openPipeline: the amounts of REGISTERED and APPROVED deals."""
    rows = await session.execute(
        select(Deal.partner_id, func.sum(Deal.amount))
        .where(Deal.partner_id.in_(ids), Deal.stage.in_(OPEN_STAGES))
        .group_by(Deal.partner_id)
    )
    return {
        pid: {"openPipeline": total if total is not None else Decimal(0)} for pid, total in rows
    }


async def registered_recently(
    session: AsyncSession, ids: list[int], now: datetime
) -> dict[int, dict[str, Any]]:
    """dealsRegistered90d: deals registered in the last 90 days."""
    rows = await session.execute(
        select(Deal.partner_id, func.count(Deal.id))
        .where(
            Deal.partner_id.in_(ids),
            Deal.created_at > now - REGISTERED_WINDOW,
            Deal.created_at <= now,
        )
        .group_by(Deal.partner_id)
    )
    return {pid: {"dealsRegistered90d": n} for pid, n in rows}
