"""The rule tree compiled to one straight-line Python function (for incremental updates).

Nested closures cost a call per node per subject; a generated function evaluates a whole
rule in one frame, 3-5x faster. Constants are bound by name, never pasted into the source,
so no value from a rule can change the code. Semantics are those of `python.run_test`
(the explain path); the property test holds this, `run_test` and SQL equal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from domain.segments.facts import Facts
from domain.segments.readable import Kind, Readable, Subject
from domain.segments.rules import All, Condition, Node, Not, SegmentRef
from domain.segments.values import Range

Predicate = Callable[[Facts, datetime], bool]
_EMPTY: dict[str, Any] = {}
_NOTHING: frozenset[str] = frozenset()


def _as_date(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


class _Writer:
    def __init__(self) -> None:
        self.constants: dict[str, Any] = {
            "_EMPTY": _EMPTY,
            "_NOTHING": _NOTHING,
            "_as_date": _as_date,
        }
        self.temps = 0
        self.needs_today = False

    def const(self, value: Any) -> str:
        name = f"c{len(self.constants)}"
        self.constants[name] = value
        return name

    def temp(self) -> str:
        self.temps += 1
        return f"v{self.temps}"

    def read(self, field: Readable) -> str:
        return field.expression(self.const)

    def inside(self, value: str, bounds: Range) -> str:
        parts = []
        if bounds.low is not None:
            parts.append(
                f"{self.const(bounds.low)} {'<=' if bounds.low_inclusive else '<'} {value}"
            )
        if bounds.high is not None:
            parts.append(
                f"{value} {'<=' if bounds.high_inclusive else '<'} {self.const(bounds.high)}"
            )
        return "(" + " and ".join(parts or ["True"]) + ")"

    def condition(self, node: Condition) -> str:
        kind, op, value = node.field.kind, node.test.op, node.test.value
        v = self.temp()
        got = f"({v} := {self.read(node.field)})"
        if op == "exists":
            present = f"bool({got})" if kind is Kind.LIST else f"({got} is not None)"
            return present if value else f"(not {present})"
        x = f"_as_date({v})" if kind is Kind.DATE else v
        if op in ("ne", "notIn", "notRanges"):
            if op == "ne":
                test = f"{x} != {self.const(value)}"
            elif op == "notIn":
                test = f"{x} not in {self.const(frozenset(value))}"
            else:
                test = "not (" + " or ".join(self.inside(x, r) for r in value) + ")"
            return f"({got} is None or {test})"
        if op == "eq":
            test = f"{x} == {self.const(value)}"
        elif op == "in":
            test = f"{x} in {self.const(frozenset(value))}"
        elif op == "ranges":
            test = "(" + " or ".join(self.inside(x, r) for r in value) + ")"
        elif op == "textContains":
            test = f"{self.const(value.lower())} in {x}.lower()"
        elif op == "textContainsAny":
            test = "(" + " or ".join(f"{self.const(n.lower())} in {x}.lower()" for n in value) + ")"
        elif op == "textStartsWith":
            test = f"{x}.lower().startswith({self.const(value.lower())})"
        elif op == "listHas":
            test = f"{self.const(value)} in {x}"
        elif op == "listHasAny":
            test = f"not {self.const(frozenset(value))}.isdisjoint({x})"
        else:  # within / older
            days = self.const(timedelta(days=value))
            if kind is Kind.DATE:
                self.needs_today = True
                lower, upper = f"(today - {days})", "today"
            else:
                lower, upper = f"(now - {days})", "now"
            test = f"{lower} <= {x} <= {upper}" if op == "within" else f"{x} < {lower}"
        return f"({got} is not None and {test})"

    def node(self, node: Node) -> str:
        if isinstance(node, Condition):
            return self.condition(node)
        if isinstance(node, SegmentRef):
            held = "f.partner_segments" if node.subject is Subject.PARTNER else "f.contact_segments"
            return f"({self.const(node.segment_id)} in {held})"
        if isinstance(node, Not):
            return f"(not {self.node(node.child)})"
        joiner = " and " if isinstance(node, All) else " or "
        return "(" + joiner.join(self.node(child) for child in node.children) + ")"


def compile_rule(node: Node) -> Predicate:
    """A short-circuiting predicate over Facts, as one generated function."""
    writer = _Writer()
    expression = writer.node(node)
    today = "    today = now.date()\n" if writer.needs_today else ""
    source = f"def predicate(f, now):\n{today}    return {expression}\n"
    namespace: dict[str, Any] = dict(writer.constants)
    exec(compile(source, "<segment rule>", "exec"), namespace)
    predicate: Predicate = namespace["predicate"]
    return predicate


def reader(field: Readable) -> Callable[[Facts], Any]:
    """A function reading `field` from Facts (explanations), generated like the predicates."""
    writer = _Writer()
    source = f"def read(f):\n    return {writer.read(field)}\n"
    namespace: dict[str, Any] = dict(writer.constants)
    exec(compile(source, "<segment field>", "exec"), namespace)
    read: Callable[[Facts], Any] = namespace["read"]
    return read
