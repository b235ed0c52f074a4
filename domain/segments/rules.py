"""Segment rules: JSON parsed into a small typed tree and validated against the field catalogue.

Every rejection points at the offending key with a JSON-pointer-like `path`, in words a
vendor admin understands. See the contract README, "Segment rules".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

from domain.catalogue import Catalogue
from domain.errors import ErrorCode, Problems
from domain.segments import values
from domain.segments.readable import (
    ALL_OPERATORS,
    OPERATORS,
    Readable,
    Subject,
    known_paths,
    resolve,
)

MAX_DEPTH = 16
MAX_CONDITIONS = 200
CONDITION_KEYS = frozenset({"field", "op", "value"})
Pointer = tuple[str, ...]


@dataclass(frozen=True)
class Condition:
    pointer: Pointer
    field: Readable
    op: str
    raw: Any  # the value as written, for explanations
    test: values.Test


@dataclass(frozen=True)
class All:
    pointer: Pointer
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    pointer: Pointer
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    pointer: Pointer
    child: Node


@dataclass(frozen=True)
class SegmentRef:
    pointer: Pointer
    key: str
    segment_id: int
    subject: Subject


Node = Union[Condition, All, AnyOf, Not, SegmentRef]  # noqa: UP007 (used at runtime in isinstance)


@dataclass(frozen=True)
class KnownSegment:
    id: int
    subject: Subject


def json_pointer(pointer: Pointer) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in pointer)


class _Parser:
    def __init__(
        self,
        subject: Subject,
        catalogue: Catalogue,
        segments: Mapping[str, KnownSegment],
        path: Sequence[str],
    ) -> None:
        self.subject = subject
        self.catalogue = catalogue
        self.segments = segments
        self.problems = Problems(path)
        self.conditions = 0
        self.too_many_reported = False

    def fail(self, code: ErrorCode, message: str, pointer: Pointer, *key: str) -> None:
        self.problems.add(code, message, *pointer, *key)

    def node(self, raw: Any, pointer: Pointer, depth: int) -> Node | None:
        if depth > MAX_DEPTH:
            self.fail(
                ErrorCode.RULE_TOO_COMPLEX,
                f"Rules may nest at most {MAX_DEPTH} levels deep; simplify this branch "
                "or move part of it into its own segment and refer to it.",
                pointer,
            )
            return None
        if not isinstance(raw, dict):
            self.fail(
                ErrorCode.INVALID_RULE,
                'Each rule must be an object: a condition {"field", "op", "value"}, '
                '{"all": [...]}, {"any": [...]}, {"not": ...} or {"segment": "key"}.',
                pointer,
            )
            return None
        keys = set(raw)
        if keys == CONDITION_KEYS:
            return self.condition(raw, pointer)
        if keys in ({"all"}, {"any"}):
            (word,) = keys
            return self.group(word, raw[word], (*pointer, word), depth)
        if keys == {"not"}:
            child = self.node(raw["not"], (*pointer, "not"), depth + 1)
            return Not(pointer, child) if child is not None else None
        if keys == {"segment"}:
            return self.reference(raw["segment"], pointer)
        self.fail(
            ErrorCode.INVALID_RULE,
            f"Not a rule: found keys {sorted(keys)}. A condition has exactly "
            '"field", "op" and "value"; a group has exactly one of "all", "any", "not" '
            'or "segment".',
            pointer,
        )
        return None

    def group(self, word: str, raw: Any, pointer: Pointer, depth: int) -> Node | None:
        if not isinstance(raw, list) or not raw:
            # A group without rules is a malformed node: point at the node itself.
            self.fail(
                ErrorCode.INVALID_RULE, f'"{word}" takes a non-empty list of rules.', pointer[:-1]
            )
            return None
        children = [self.node(child, (*pointer, str(i)), depth + 1) for i, child in enumerate(raw)]
        if any(child is None for child in children):
            return None
        kind = All if word == "all" else AnyOf
        return kind(pointer[:-1], tuple(c for c in children if c is not None))

    def count_leaf(self, pointer: Pointer) -> bool:
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            if not self.too_many_reported:
                self.too_many_reported = True
                self.fail(
                    ErrorCode.RULE_TOO_COMPLEX,
                    f"A rule may hold at most {MAX_CONDITIONS} conditions; split it into "
                    "segments that refer to each other.",
                    pointer,
                )
            return False
        return True

    def reference(self, key: Any, pointer: Pointer) -> Node | None:
        if not self.count_leaf(pointer):
            return None
        known = self.segments.get(key) if isinstance(key, str) else None
        if known is None:
            self.fail(
                ErrorCode.UNKNOWN_SEGMENT,
                f"There is no segment with key {values.show(key)}.",
                pointer,
                "segment",
            )
            return None
        if self.subject is Subject.PARTNER and known.subject is Subject.CONTACT:
            self.fail(
                ErrorCode.INVALID_RULE,
                f"Segment {key!r} groups contacts; a partner segment can only refer to "
                "partner segments.",
                pointer,
                "segment",
            )
            return None
        return SegmentRef(pointer, key, known.id, known.subject)

    def condition(self, raw: Mapping[str, Any], pointer: Pointer) -> Node | None:
        if not self.count_leaf(pointer):
            return None
        path, op, value = raw["field"], raw["op"], raw["value"]
        field = resolve(path, self.subject, self.catalogue) if isinstance(path, str) else None
        if field is None:
            hint = known_paths(self.subject, self.catalogue)
            self.fail(
                ErrorCode.INVALID_RULE,
                f"Unknown field {values.show(path)} for a {self.subject.value.lower()} "
                f"segment. Known fields: {', '.join(hint)}.",
                pointer,
                "field",
            )
            return None
        if op not in OPERATORS[field.kind]:
            allowed = ", ".join(sorted(OPERATORS[field.kind]))
            what = "an operator" if op in ALL_OPERATORS else "not an operator"
            self.fail(
                ErrorCode.INVALID_RULE,
                f"{values.show(op)} is {what} that fits {path} (a {field.kind.value}); "
                f"use one of: {allowed}.",
                pointer,
                "op",
            )
            return None
        try:
            test = values.normalise(field, op, value, self.catalogue)
        except values.BadValue as exc:
            self.fail(ErrorCode.INVALID_RULE, f"{path} {op} {exc}.", pointer, "value")
            return None
        return Condition(pointer, field, op, value, test)


def parse(
    rule: Any,
    subject: Subject,
    catalogue: Catalogue,
    segments: Mapping[str, KnownSegment],
    path: Sequence[str] = ("rule",),
) -> Node:
    """The validated rule tree, or DomainError listing every problem with its path."""
    parser = _Parser(subject, catalogue, segments, path)
    node = parser.node(rule, (), 1)
    parser.problems.raise_if_any()
    assert node is not None
    return node


def walk(node: Node) -> list[Node]:
    """Every node, parents before children."""
    found: list[Node] = [node]
    if isinstance(node, All | AnyOf):
        for child in node.children:
            found += walk(child)
    elif isinstance(node, Not):
        found += walk(node.child)
    return found


def reads(node: Node) -> frozenset[str]:
    """The field paths the rule reads (what a data change must touch to matter)."""
    return frozenset(n.field.path for n in walk(node) if isinstance(n, Condition))


def references(node: Node) -> frozenset[int]:
    return frozenset(n.segment_id for n in walk(node) if isinstance(n, SegmentRef))


def is_time_dependent(node: Node) -> bool:
    return any(isinstance(n, Condition) and n.test.op in ("within", "older") for n in walk(node))
