"""The rule tree compiled to Python for one subject: incremental membership and explanations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.segments.codegen import reader
from domain.segments.facts import Facts
from domain.segments.readable import Kind, Subject
from domain.segments.rules import All, Condition, Node, Not, SegmentRef, json_pointer
from domain.segments.values import Test, show

Getter = Callable[[Facts], Any]


def _present(value: Any) -> bool:
    if isinstance(value, list | tuple | set | frozenset):
        return bool(value)
    return value is not None


def _comparable(value: Any, kind: Kind) -> Any:
    if kind is Kind.DATE and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def run_test(test: Test, kind: Kind, value: Any, now: datetime) -> bool:
    """Apply a normalised test to one actual value (None when missing)."""
    op = test.op
    if op == "exists":
        return _present(value) is test.value
    if value is None:
        return op in ("ne", "notIn", "notRanges")
    value = _comparable(value, kind)
    if op == "eq":
        return bool(value == test.value)
    if op == "ne":
        return bool(value != test.value)
    if op == "in":
        return value in test.value
    if op == "notIn":
        return value not in test.value
    if op == "ranges":
        return any(r.contains(value) for r in test.value)
    if op == "notRanges":
        return not any(r.contains(value) for r in test.value)
    if op == "textContains":
        return test.value.lower() in value.lower()
    if op == "textContainsAny":
        return any(v.lower() in value.lower() for v in test.value)
    if op == "textStartsWith":
        return bool(value.lower().startswith(test.value.lower()))
    if op == "listHas":
        return test.value in value
    if op == "listHasAny":
        return any(v in value for v in test.value)
    if kind is Kind.DATE:
        today = now.date()
        if op == "within":
            return bool(today - timedelta(days=test.value) <= value <= today)
        return bool(value < today - timedelta(days=test.value))
    if op == "within":
        return bool(now - timedelta(days=test.value) <= value <= now)
    return bool(value < now - timedelta(days=test.value))


# ---------------------------------------------------------------- explanations


@dataclass(frozen=True)
class Trace:
    pointer: str
    result: bool
    actual: Any
    detail: str


def plain(value: Any) -> Any:
    """A JSON-safe form of an actual value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, frozenset | set):
        return sorted(plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _needs(node: Condition) -> str:
    op, raw, test = node.op, node.raw, node.test
    if node.field.kind is Kind.RANKED and op in ("lt", "lte", "gt", "gte", "between"):
        return f"one of {show(list(test.value))}"
    phrases: dict[str, Callable[[], str]] = {
        "eq": lambda: f"= {show(raw)}",
        "ne": lambda: f"anything but {show(raw)}",
        "in": lambda: f"one of {show(raw)}",
        "notIn": lambda: f"none of {show(raw)}",
        "lt": lambda: f"< {show(raw)}",
        "lte": lambda: f"<= {show(raw)}",
        "gt": lambda: f"> {show(raw)}",
        "gte": lambda: f">= {show(raw)}",
        "between": lambda: f"between {show(raw[0])} and {show(raw[1])}",
        "contains": lambda: (
            f"to include {show(raw)}"
            if node.field.kind is Kind.LIST
            else f"to contain {show(raw)} (any case)"
        ),
        "containsAny": lambda: f"to contain any of {show(raw)}",
        "startsWith": lambda: f"to start with {show(raw)} (any case)",
        "exists": lambda: "a value" if raw else "no value",
        "withinLastDays": lambda: f"a date within the last {raw} days",
        "olderThanDays": lambda: f"a date more than {raw} days ago",
    }
    return phrases[op]()


def explain(node: Node, facts: Facts, now: datetime) -> tuple[bool, list[Trace]]:
    """Evaluate every node (no short-circuit) and say why each holds or not."""
    traces: list[Trace] = []

    def visit(n: Node) -> bool:
        pointer = json_pointer(n.pointer)
        if isinstance(n, Condition):
            actual = reader(n.field)(facts)
            result = run_test(n.test, n.field.kind, actual, now)
            shown = "no value" if actual is None else show(plain(actual))
            traces.append(
                Trace(
                    pointer, result, plain(actual), f"{n.field.path} = {shown}, needs {_needs(n)}"
                )
            )
            return result
        if isinstance(n, SegmentRef):
            segments = (
                facts.partner_segments if n.subject is Subject.PARTNER else facts.contact_segments
            )
            result = n.segment_id in segments
            whose = "the company is" if n.subject is Subject.PARTNER else "is"
            verdict = "" if result else " not"
            traces.append(Trace(pointer, result, result, f'{whose}{verdict} in segment "{n.key}"'))
            return result
        index = len(traces)
        if isinstance(n, Not):
            inner = visit(n.child)
            traces.insert(index, Trace(pointer, not inner, None, f"not: the inner rule is {inner}"))
            return not inner
        results = [visit(child) for child in n.children]
        held = sum(results)
        if isinstance(n, All):
            result = all(results)
            detail = f"all of {len(results)} must hold; {held} do"
        else:
            result = any(results)
            detail = f"any of {len(results)} must hold; {held} do"
        traces.insert(index, Trace(pointer, result, None, detail))
        return result

    return visit(node), traces
