"""Field-policy guard cost: a 500-deal list with 6 selected fields, guarded vs unguarded.

    python -m bench.guards [--rounds 40]

The same Strawberry types build two schemas; one is governed by permissions.field_policies.govern
(the production guard). Runs interleave (A, B, A, B, ...) so both see the same machine
noise; the figure is the ratio of medians. Target: guarded / unguarded <= 1.10.
Variants: policies that hide a field from the viewer, and policies that hide nothing
(pure guard overhead).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.permission import BasePermission, PermissionExtension

from bench.support import record
from permissions.field_policies import govern

DEALS = 500


@dataclass
class DealRow:
    pk: int
    customer_name: str
    amount: Decimal | None
    close_date: date | None
    stage: str
    exclusivity_until: date | None


@strawberry.type(name="Deal")
class Deal:
    @strawberry.field
    def id(self, root: strawberry.Parent[DealRow]) -> strawberry.ID:
        return strawberry.ID(f"Deal:{root.pk}")

    customer_name: str
    amount: Decimal | None
    close_date: date | None
    stage: str
    exclusivity_until: date | None


ROWS = [
    DealRow(
        i,
        f"Customer {i}",
        Decimal(i * 100),
        date(2026, 1, 1 + i % 28),
        "REGISTERED",
        date(2026, 6, 1 + i % 28),
    )
    for i in range(DEALS)
]


@strawberry.type
class Query:
    @strawberry.field
    def deals(self) -> list[Deal]:
        return ROWS  # type: ignore[return-value]


class Visible(BasePermission):
    """The per-object alternative: a permission class asked for every deal's field."""

    def __init__(self, key: str) -> None:
        self.key = key

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return self.key not in info.context.hidden_fields


def _checked(key: str) -> Any:
    return strawberry.field(
        extensions=[PermissionExtension([Visible(key)], use_directives=False, fail_silently=True)]
    )


@strawberry.type(name="Deal")
class CheckedDeal:
    @strawberry.field
    def id(self, root: strawberry.Parent[DealRow]) -> strawberry.ID:
        return strawberry.ID(f"Deal:{root.pk}")

    customer_name: str
    amount: Decimal | None = _checked("Deal.amount")
    close_date: date | None = _checked("Deal.closeDate")
    stage: str
    exclusivity_until: date | None = _checked("Deal.exclusivityUntil")


@strawberry.type(name="Query")
class CheckedQuery:
    @strawberry.field
    def deals(self) -> list[CheckedDeal]:
        return ROWS  # type: ignore[return-value]


QUERY = "{ deals { id customerName amount closeDate stage exclusivityUntil } }"


@dataclass
class Context:
    hidden_fields: frozenset[str]
    hidden_seen: set[str] = field(default_factory=set)


async def _time(schema: strawberry.Schema, hidden: frozenset[str]) -> float:
    started = time.perf_counter()
    result = await schema.execute(QUERY, context_value=Context(hidden))
    elapsed = time.perf_counter() - started
    if result.errors or len(result.data["deals"]) != DEALS:
        raise RuntimeError(f"benchmark query failed: {result.errors}")
    return elapsed * 1000


async def run(rounds: int) -> dict[str, Any]:
    plain = strawberry.Schema(Query)
    guarded = strawberry.Schema(Query)
    govern(guarded._schema, ["Deal"])
    hides_one = frozenset({"Deal.exclusivityUntil"})
    variants = {
        "unguarded": (plain, frozenset()),
        "guarded_hiding_exclusivityUntil": (guarded, hides_one),
        "guarded_hiding_nothing": (guarded, frozenset()),
        "per_object_permission_class_hiding_nothing": (
            strawberry.Schema(CheckedQuery),
            frozenset(),
        ),
    }
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(5):  # warm up
        for schema, hidden in variants.values():
            await _time(schema, hidden)
    for _ in range(rounds):
        for name, (schema, hidden) in variants.items():
            samples[name].append(await _time(schema, hidden))
    medians = {name: round(statistics.median(v), 3) for name, v in samples.items()}
    base = medians["unguarded"]
    figures = {
        "median_ms": medians,
        "ratio_guarded_hiding_one_field": round(
            medians["guarded_hiding_exclusivityUntil"] / base, 3
        ),
        "ratio_guarded_hiding_nothing": round(medians["guarded_hiding_nothing"] / base, 3),
        "ratio_per_object_permission_class": round(
            medians["per_object_permission_class_hiding_nothing"] / base, 3
        ),
        "target_ratio": 1.10,
    }
    record(
        "field-guards",
        "in-memory",
        figures,
        {
            "deals": DEALS,
            "selected_fields": 6,
            "rounds": rounds,
            "guarded_fields": "every nullable Deal field (amount, closeDate, exclusivityUntil)",
        },
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.guards", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--rounds", type=int, default=40)
    print(asyncio.run(run(parser.parse_args().rounds)))


if __name__ == "__main__":
    main()
