"""Exact money and prices: amounts, discounts, the best price rule, quote arithmetic.

Every amount is a Decimal with at most two decimals, never a float. A unit price is the
list price less the discount, rounded half-up to cents; a line total is the unit price
times the quantity; a quote total is the sum of its lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from domain.models import PriceRule

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
MAX_AMOUNT = Decimal("999999999999.99")
# Line and quote totals (a BIGINT of cents holds up to 92,233,720,368,547,758.07).
MAX_TOTAL = Decimal("9999999999999999.99")
MAX_QUANTITY = 1_000_000
MAX_LINES = 100
SKU = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_PRIORITY = 1_000_000


def _decimal(value: Any, what: str) -> Decimal:
    """A finite Decimal from a Decimal, a JSON number or a numeric string, or ValueError."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise ValueError(f'expected {what} as a string such as "1250.00" or a number')
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f'expected {what} such as "1250.00", got {value!r}') from None
    if not number.is_finite():
        raise ValueError(f"expected a finite {what}, got {value!r}")
    return number


def _cents(number: Decimal, what: str, value: Any) -> Decimal:
    """`number` with exactly two decimals, or ValueError when it has more."""
    if number != number.quantize(CENT):
        raise ValueError(f"expected {what} with at most two decimals, got {value!r}")
    return number.quantize(CENT)


def money(value: Any) -> Decimal:
    """An amount or price: 0 to 999,999,999,999.99, at most two decimals."""
    number = _decimal(value, "an amount")
    if number < 0:
        raise ValueError(f"expected an amount of 0 or more, got {value!r}")
    if number > MAX_AMOUNT:
        raise ValueError(f"expected an amount of at most {MAX_AMOUNT:,}, got {value!r}")
    return _cents(number, "an amount", value)


def percent(value: Any) -> Decimal:
    """A discount percentage: 0 to 100, at most two decimals ("12.5" is 12.5 %)."""
    number = _decimal(value, "a percentage")
    if not 0 <= number <= HUNDRED:
        raise ValueError(f"expected a percentage from 0 to 100, got {value!r}")
    return _cents(number, "a percentage", value)


def sku(value: Any) -> str:
    """A product's stock-keeping unit: 1-64 letters, digits, '-', '_' or '.' (case matters)."""
    if not isinstance(value, str) or not SKU.fullmatch(value):
        raise ValueError(f"expected 1-64 letters, digits, '-', '_' or '.', got {value!r}")
    return value


def unit_price(list_price: Decimal, discount_percent: Decimal) -> Decimal:
    """The list price less the discount, rounded half-up to cents."""
    exact = list_price * (HUNDRED - discount_percent) / HUNDRED
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def best_rule(rules: Iterable[PriceRule], product_sku: str) -> PriceRule | None:
    """The rule that prices `product_sku`: the largest discount among rules for it or for
    every product; of equal discounts the higher priority, then the older rule."""
    applicable = [r for r in rules if r.sku is None or r.sku == product_sku]
    if not applicable:
        return None
    return max(applicable, key=lambda r: (r.discount_percent, r.priority, -r.id))


def discount_for(rules: Sequence[PriceRule], product_sku: str) -> Decimal:
    rule = best_rule(rules, product_sku)
    return rule.discount_percent if rule is not None else Decimal("0.00")
