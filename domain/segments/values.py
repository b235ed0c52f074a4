"""Normalising a condition's JSON value for its field kind, so both compilers share one meaning.

Ordered comparisons become ranges; a date given for a date-time field means that whole
calendar day (UTC); ranked picklist comparisons become the set of values of fitting rank.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from domain import validation
from domain.catalogue import MAX_NUMBER, MAX_STRING_ATTRIBUTE, Catalogue
from domain.segments.readable import Kind, Readable

MAX_LIST_VALUES = 1000
MAX_DAYS = 36_500
# No stored text is longer than a STRING attribute, so a longer value could never match.
MAX_TEXT_VALUE = MAX_STRING_ATTRIBUTE
# What the database columns behind each numeric kind can hold and compare exactly:
# whole-number metrics are 32-bit INTEGER columns; money is BIGINT cents; NUMBER fields
# (attributes, rates, scores) compare as doubles.
NUMBER_BOUNDS = {
    Kind.INTEGER: Decimal(2**31 - 1),
    Kind.MONEY: Decimal(2**63 - 1) / 100,
    Kind.NUMBER: Decimal(MAX_NUMBER),
}


class BadValue(ValueError):
    """The value does not fit the field or operator; the message is for a non-programmer."""


@dataclass(frozen=True)
class Range:
    low: Any = None
    low_inclusive: bool = True
    high: Any = None
    high_inclusive: bool = True

    def contains(self, value: Any) -> bool:
        if self.low is not None and (
            value < self.low or (value == self.low and not self.low_inclusive)
        ):
            return False
        return (
            self.high is None or value < self.high or (value == self.high and self.high_inclusive)
        )


@dataclass(frozen=True)
class Test:
    """A normalised condition: `op` is one of the internal operations below."""

    op: str  # eq ne in notIn ranges notRanges textContains textContainsAny textStartsWith
    # listHas listHasAny exists within older
    value: Any


def show(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise BadValue(f"expects text, got {show(value)}")
    if len(value) > MAX_TEXT_VALUE:
        raise BadValue(f"takes text of at most {MAX_TEXT_VALUE} characters, got {len(value)}")
    try:
        # Stored text is free of these (multi-line attribute values keep tab and newline).
        return validation.check_characters(value, multiline=True)
    except ValueError as exc:
        raise BadValue(f"value {exc}") from None


def _number(value: Any, kind: Kind) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadValue(f"expects a number, got {show(value)}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise BadValue(f"expects a number, got {show(value)}") from None
    if not number.is_finite():
        raise BadValue(f"expects a finite number, got {show(value)}")
    bound = NUMBER_BOUNDS[kind]
    if not -bound - (kind is Kind.INTEGER) <= number <= bound:
        low = f"-{bound + 1}" if kind is Kind.INTEGER else f"-{bound}"
        raise BadValue(f"takes a {kind.value} between {low} and {bound}, got {_short(value)}")
    if kind is Kind.INTEGER:
        if number != number.to_integral_value():
            raise BadValue(f"is a whole number; {show(value)} has decimals")
        return int(number)
    if kind is Kind.MONEY:
        if number.as_tuple().exponent < -2:  # type: ignore[operator]
            raise BadValue(f"is money: at most two decimals, got {show(value)}")
        return number
    return float(number)


def _short(value: Any) -> str:
    """A value as shown in a message, at most 40 characters of it."""
    shown = show(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _parse_date_or_datetime(value: Any) -> date | datetime:
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            try:
                return validation.in_utc(parsed)
            except ValueError:
                raise BadValue(
                    f"takes date-times from year 1 to 9999 in UTC, got {show(value)}"
                ) from None
    raise BadValue(f'expects a date "YYYY-MM-DD" or an ISO date-time, got {show(value)}')


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def day_end(day: date) -> datetime:
    """The day's last representable instant (so 9999-12-31 needs no day after it)."""
    return datetime.combine(day, time.max, tzinfo=UTC)


def _scalar(field: Readable, value: Any) -> Any:
    """One comparable value of the field's kind."""
    kind = field.kind
    if kind in (Kind.PICKLIST, Kind.ENUM, Kind.RANKED):
        if value not in field.choices:
            raise BadValue(f"is one of {show(list(field.choices))}, got {show(value)}")
        return value
    if kind in (Kind.NUMBER, Kind.INTEGER, Kind.MONEY):
        return _number(value, kind)
    if kind is Kind.BOOLEAN:
        if not isinstance(value, bool):
            raise BadValue(f"expects true or false, got {show(value)}")
        return value
    if kind is Kind.DATE:
        parsed = _parse_date_or_datetime(value)
        return parsed.date() if isinstance(parsed, datetime) else parsed
    if kind is Kind.DATETIME:
        return _parse_date_or_datetime(value)
    return _text(value)


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise BadValue(f"expects a non-empty list of {what}, got {show(value)}")
    if len(value) > MAX_LIST_VALUES:
        raise BadValue(f"takes at most {MAX_LIST_VALUES} values, got {len(value)}")
    return value


def _datetime_range(moment: date | datetime, op: str) -> Range:
    """A date-time comparison as a range; a date stands for that whole day."""
    if isinstance(moment, datetime):
        low = high = moment
    else:
        low, high = day_start(moment), day_end(moment)
    return {
        "eq": Range(low, True, high, True),
        "lt": Range(None, True, low, False),
        "lte": Range(None, True, high, True),
        "gt": Range(high, False, None),
        "gte": Range(low, True, None),
    }[op]


def _ranked(field: Readable, catalogue: Catalogue, op: str, threshold: str) -> list[str]:
    picklist = field.picklist or ""
    limit = catalogue.rank(picklist, threshold) or 0
    fits: Callable[[int], bool] = {
        "lt": lambda r: r < limit,
        "lte": lambda r: r <= limit,
        "gt": lambda r: r > limit,
        "gte": lambda r: r >= limit,
    }[op]
    return [e.value for e in catalogue.picklists.get(picklist, ()) if fits(e.rank)]


def _presence_or_days(op: str, value: Any) -> Test:
    if op == "exists":
        if not isinstance(value, bool):
            raise BadValue(f"exists takes true or false, got {show(value)}")
        return Test("exists", value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
        raise BadValue(f"{op} takes a whole number of days (0 to {MAX_DAYS}), got {show(value)}")
    return Test("within" if op == "withinLastDays" else "older", value)


def _membership(kind: Kind, op: str, value: Any) -> Test:
    """contains / containsAny / startsWith: in a list, or within text (any case)."""
    if kind is Kind.LIST:
        if op == "contains":
            return Test("listHas", _text(value))
        return Test("listHasAny", tuple(_text(v) for v in _list(value, "text values")))
    if op == "containsAny":
        texts = tuple(_text(v) for v in _list(value, "text values"))
        if not all(texts):
            raise BadValue("containsAny needs non-empty texts to look for")
        return Test("textContainsAny", texts)
    text = _text(value)
    if not text:
        raise BadValue(f"{op} needs some text to look for")
    return Test("textContains" if op == "contains" else "textStartsWith", text)


def _between(field: Readable, value: Any, catalogue: Catalogue) -> Test:
    if not isinstance(value, list) or len(value) != 2:
        raise BadValue(f"between takes [low, high], got {show(value)}")
    low, high = (_scalar(field, v) for v in value)
    if field.kind is Kind.RANKED:
        allowed = set(_ranked(field, catalogue, "gte", low)) & set(
            _ranked(field, catalogue, "lte", high)
        )
        if not allowed:
            raise BadValue(
                f"between needs [low, high] with low ranked at most high, got {show(value)}"
            )
        return Test("in", tuple(v for v in field.choices if v in allowed))
    if field.kind is Kind.DATETIME:
        start, end = _datetime_range(low, "gte"), _datetime_range(high, "lte")
        bounds = Range(start.low, True, end.high, end.high_inclusive)
    else:
        bounds = Range(low, True, high, True)
    if bounds.low > bounds.high:
        raise BadValue(f"between needs [low, high] with low <= high, got {show(value)}")
    return Test("ranges", (bounds,))


ORDERED = {
    "lt": lambda v: Range(None, True, v, False),
    "lte": lambda v: Range(None, True, v, True),
    "gt": lambda v: Range(v, False, None),
    "gte": lambda v: Range(v, True, None),
}


def _compare(field: Readable, op: str, value: Any, catalogue: Catalogue) -> Test:
    """eq, ne, lt, lte, gt, gte against one value."""
    scalar = _scalar(field, value)
    if field.kind is Kind.RANKED and op in ORDERED:
        return Test("in", tuple(_ranked(field, catalogue, op, scalar)))
    if field.kind is Kind.DATETIME:
        if op == "ne":
            return Test("notRanges", (_datetime_range(scalar, "eq"),))
        return Test("ranges", (_datetime_range(scalar, op),))
    if op in ORDERED:
        return Test("ranges", (ORDERED[op](scalar),))
    return Test(op, scalar)  # eq / ne


def normalise(field: Readable, op: str, value: Any, catalogue: Catalogue) -> Test:
    """The condition's internal test, or BadValue saying what the value should be."""
    kind = field.kind
    if op in ("exists", "withinLastDays", "olderThanDays"):
        return _presence_or_days(op, value)
    if kind is Kind.LIST or (kind is Kind.TEXT and op in ("contains", "containsAny", "startsWith")):
        return _membership(kind, op, value)
    if op in ("in", "notIn"):
        values = [_scalar(field, v) for v in _list(value, f"{kind.value} values")]
        if kind is Kind.DATETIME:
            ranges = tuple(_datetime_range(v, "eq") for v in values)
            return Test("ranges" if op == "in" else "notRanges", ranges)
        return Test(op, tuple(dict.fromkeys(values)))
    if op == "between":
        return _between(field, value, catalogue)
    return _compare(field, op, value, catalogue)
