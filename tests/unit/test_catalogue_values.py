"""Custom attribute values: what each declared type accepts, and how it is stored."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.catalogue import (
    MAX_LIST_ITEMS,
    MAX_STRING_ATTRIBUTE,
    AttributeType,
    coerce_attribute,
    coerce_date,
    coerce_number,
)


@pytest.mark.parametrize(
    ("given", "number"),
    [
        (12, 12),
        (12.5, 12.5),
        ("12", 12),
        ("1250.50", 1250.5),
        (" 42 ", 42),
        ("-3", -3),
        ("1e3", 1000),
        (Decimal("7.25"), 7.25),
        ("12.0", 12),
    ],
)
def test_numbers_and_numeric_strings_are_accepted(given: Any, number: float) -> None:
    # when
    coerced = coerce_number(given)
    # then
    assert coerced == number
    assert type(coerced) is type(number)


@pytest.mark.parametrize(
    "given",
    [True, False, None, "abc", "", "12abc", "NaN", "Infinity", float("nan"), [1], {"n": 1}],
)
def test_anything_else_is_not_a_number(given: Any) -> None:
    with pytest.raises(ValueError, match="number"):
        coerce_number(given)


@pytest.mark.parametrize(
    ("given", "day"),
    [
        ("2026-02-28", date(2026, 2, 28)),
        ("2024-02-29", date(2024, 2, 29)),
        ("2026-02-28T10:15:00+00:00", date(2026, 2, 28)),
        (date(2026, 1, 2), date(2026, 1, 2)),
        (datetime(2026, 1, 2, 23, 0, tzinfo=UTC), date(2026, 1, 2)),
    ],
)
def test_dates_and_date_times_give_their_date(given: Any, day: date) -> None:
    assert coerce_date(given) == day


@pytest.mark.parametrize(
    "given",
    ["2026-02-30", "2025-02-29", "2026-13-01", "28.02.2026", "tomorrow", "", 20260228, None],
)
def test_impossible_or_unreadable_dates_are_rejected(given: Any) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        coerce_date(given)


@pytest.mark.parametrize(
    ("kind", "given", "stored"),
    [
        (AttributeType.STRING, "Berlin", "Berlin"),
        (AttributeType.STRING, "", ""),
        (AttributeType.NUMBER, "3.5", 3.5),
        (AttributeType.BOOLEAN, False, False),
        (AttributeType.DATE, "2026-02-28", "2026-02-28"),
        (AttributeType.DATE, "2026-02-28T08:00:00+00:00", "2026-02-28"),
        (AttributeType.STRING_LIST, ["a", "b", "a"], ["a", "b"]),
        (AttributeType.STRING_LIST, [], []),
    ],
)
def test_attribute_value_of_its_type_is_stored_in_json_form(
    kind: AttributeType, given: Any, stored: Any
) -> None:
    assert coerce_attribute(kind, given) == stored


@pytest.mark.parametrize(
    ("kind", "given"),
    [
        (AttributeType.STRING, 12),
        (AttributeType.STRING, None),
        (AttributeType.STRING, "x" * (MAX_STRING_ATTRIBUTE + 1)),
        (AttributeType.NUMBER, True),
        (AttributeType.NUMBER, "abc"),
        (AttributeType.BOOLEAN, "true"),
        (AttributeType.BOOLEAN, 1),
        (AttributeType.DATE, "2026-02-30"),
        (AttributeType.STRING_LIST, "a"),
        (AttributeType.STRING_LIST, ["a", 1]),
        (AttributeType.STRING_LIST, ["a"] * (MAX_LIST_ITEMS + 1)),
    ],
)
def test_attribute_value_of_another_type_is_rejected(kind: AttributeType, given: Any) -> None:
    with pytest.raises(ValueError, match="expected"):
        coerce_attribute(kind, given)


def test_longest_allowed_string_attribute_is_kept_whole() -> None:
    # given
    longest = "x" * MAX_STRING_ATTRIBUTE
    # when / then
    assert coerce_attribute(AttributeType.STRING, longest) == longest


def test_a_date_time_with_an_offset_is_stored_as_its_utc_date_as_rules_read_it() -> None:
    # 23:00 at UTC-2 is already the next day in UTC, which is what a rule compares with.
    assert coerce_date("2024-06-15T23:00:00-02:00") == date(2024, 6, 16)
    assert coerce_date("2024-06-15T23:00:00") == date(2024, 6, 15)
