"""Exact money: amounts and percentages as the contract writes them, half-up prices, and the
rule that prices a product."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain import pricing
from domain.models import PriceRule


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("1250", Decimal("1250.00")),
        ("1250.5", Decimal("1250.50")),
        (" 0.10 ", Decimal("0.10")),
        (1250.5, Decimal("1250.50")),
        (7, Decimal("7.00")),
        ("1E+2", Decimal("100.00")),
        ("12.300", Decimal("12.30")),
        (Decimal("999999999999.99"), Decimal("999999999999.99")),
        ("-0", Decimal("0.00")),
    ],
)
def test_an_amount_is_stored_with_two_decimals(given: Any, stored: Decimal) -> None:
    assert pricing.money(given) == stored
    assert pricing.money(given).as_tuple().exponent == -2


@pytest.mark.parametrize(
    "given",
    [
        "NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        Decimal("NaN"),
        float("inf"),
        "-0.01",
        "0.001",
        "1e-30",
        "1000000000000",
        "1e400",
        "12,50",
        "",
        True,
        None,
        [1],
    ],
)
def test_what_is_not_an_amount_is_refused(given: Any) -> None:
    with pytest.raises(ValueError):
        pricing.money(given)


@pytest.mark.parametrize("given", ["-1", "100.01", "1.005", "NaN", "Infinity"])
def test_a_percentage_is_0_to_100_with_two_decimals(given: str) -> None:
    assert pricing.percent("12.5") == Decimal("12.50")
    assert pricing.percent("100") == Decimal("100.00")
    with pytest.raises(ValueError):
        pricing.percent(given)


@pytest.mark.parametrize(
    ("list_price", "discount", "unit"),
    [
        ("0.05", "50", "0.03"),
        ("0.15", "50", "0.08"),
        ("333.33", "20", "266.66"),
        ("333.33", "12.5", "291.66"),
        ("10.00", "33.33", "6.67"),
        ("999999999999.99", "0.01", "999899999999.99"),
        ("100.00", "100", "0.00"),
        ("100.00", "0", "100.00"),
    ],
)
def test_a_unit_price_rounds_half_up_to_cents(list_price: str, discount: str, unit: str) -> None:
    assert pricing.unit_price(Decimal(list_price), Decimal(discount)) == Decimal(unit)


def _rule(pk: int, discount: str, priority: int = 0, sku: str | None = None) -> PriceRule:
    return PriceRule(id=pk, sku=sku, discount_percent=Decimal(discount), priority=priority)


def test_the_best_discount_wins_and_equal_discounts_go_by_priority_then_age() -> None:
    rules = [
        _rule(1, "10"),
        _rule(2, "20", priority=1),
        _rule(3, "20", priority=5),
        _rule(4, "20", priority=5),
        _rule(5, "30", sku="OTHER"),
    ]
    best = pricing.best_rule(rules, "SRV-1")
    assert best is not None
    assert best.id == 3
    assert pricing.best_rule(rules, "OTHER").id == 5  # type: ignore[union-attr]
    assert pricing.best_rule([], "SRV-1") is None
    assert pricing.discount_for([], "SRV-1") == Decimal("0.00")


@pytest.mark.parametrize("sku", ["", "has space", "x" * 65, "ümlaut", "a/b", None, 7])
def test_a_sku_is_letters_digits_dashes_underscores_and_dots(sku: Any) -> None:
    assert pricing.sku("SRV-100_v2.1") == "SRV-100_v2.1"
    with pytest.raises(ValueError):
        pricing.sku(sku)
