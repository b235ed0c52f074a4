"""The rule tree compiled to one SQL boolean expression: bulk recompute, previews, list filters.

Every condition compiles to a two-valued expression (never NULL), so `not` is plain
negation and a missing value behaves exactly as the contract and the Python compiler say.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Select,
    SQLColumnExpression,
    and_,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

from domain.models import Contact, Partner, PartnerMetrics, SegmentMember
from domain.segments.readable import Keyed, Kind, Subject
from domain.segments.rules import All, Condition, Node, Not, SegmentRef, reads
from domain.segments.values import Range, Test


class SqlCompiler:
    def __init__(self, subject: Subject, dialect: str, now: datetime) -> None:
        self.subject = subject
        self.dialect = dialect
        self.now = now

    # ------------------------------------------------------------ what rows are
    @property
    def subject_id(self) -> Any:
        return Partner.id if self.subject is Subject.PARTNER else Contact.id

    @property
    def partner_id(self) -> Any:
        return Partner.id if self.subject is Subject.PARTNER else Contact.partner_id

    def base(self, node: Node | None) -> Select[Any]:
        """`SELECT subject.id FROM ...` with the joins the rule needs.

        Contact rules need none: what they ask of the partner runs as a subquery.
        """
        if self.subject is Subject.CONTACT:
            return select(Contact.id).select_from(Contact)
        query = select(Partner.id).select_from(Partner)
        paths = reads(node) if node is not None else frozenset()
        if any(p.startswith("partner.metrics.") for p in paths):
            query = query.outerjoin(PartnerMetrics, PartnerMetrics.partner_id == Partner.id)
        return query

    # ------------------------------------------------------------ the rule
    def compile(self, node: Node) -> ColumnElement[bool]:
        if self.subject is Subject.CONTACT and _partner_level(node):
            return self.per_partner(node)
        if isinstance(node, Condition):
            return self.condition(node)
        if isinstance(node, SegmentRef):
            owner = self.partner_id if node.subject is Subject.PARTNER else Contact.id
            return owner.in_(
                select(SegmentMember.subject_id).where(SegmentMember.segment_id == node.segment_id)
            )
        if isinstance(node, Not):
            return not_(self.compile(node.child))
        combine = and_ if isinstance(node, All) else or_
        if self.subject is Subject.CONTACT:
            # Everything this group asks of the partner becomes one subquery.
            company = tuple(c for c in node.children if _partner_level(c))
            own = [self.compile(c) for c in node.children if not _partner_level(c)]
            if company:
                own.append(self.per_partner(type(node)(node.pointer, company)))
            return combine(*own)
        return combine(*(self.compile(child) for child in node.children))

    def per_partner(self, node: Node) -> ColumnElement[bool]:
        """A contact rule's partner-only part, evaluated once per partner (not per contact)."""
        company = SqlCompiler(Subject.PARTNER, self.dialect, self.now)
        return Contact.partner_id.in_(company.base(node).where(company.compile(node)))

    def condition(self, node: Condition) -> ColumnElement[bool]:
        field, kind, test = node.field, node.field.kind, node.test
        if field.keyed is not None:
            return self.keyed_list(field.keyed, test)
        if field.json_list is not None:
            return self.json_list(*field.json_list, test)
        column: SQLColumnExpression[Any] = field.column
        if test.op == "exists":
            return column.is_not(None) if test.value else column.is_(None)
        present, missing = column.is_not(None), column.is_(None)
        value = self.bind(test.value, kind)
        op = test.op
        if op == "eq":
            return and_(present, column == value)
        if op == "ne":
            return or_(missing, column != value)
        if op == "in":
            return and_(present, column.in_(value))
        if op == "notIn":
            return or_(missing, column.not_in(value))
        if op == "ranges":
            return and_(present, or_(*(self.range(column, r) for r in value)))
        if op == "notRanges":
            return or_(missing, not_(or_(*(self.range(column, r) for r in value))))
        if op in ("textContains", "textContainsAny"):
            needles = value if op == "textContainsAny" else (value,)
            lowered = func.lower(column)
            return and_(
                present, or_(*(lowered.contains(n.lower(), autoescape=True) for n in needles))
            )
        if op == "textStartsWith":
            return and_(present, func.lower(column).startswith(value.lower(), autoescape=True))
        return and_(present, self.relative(column, op, test.value, kind))

    def bind(self, value: Any, kind: Kind) -> Any:
        """Dates of DATE attributes compare as ISO text (how JSON stores them)."""
        if kind is not Kind.DATE:
            return value
        if isinstance(value, tuple):
            return tuple(self.bind(v, kind) for v in value)
        if isinstance(value, Range):
            return Range(
                self.bind(value.low, kind),
                value.low_inclusive,
                self.bind(value.high, kind),
                value.high_inclusive,
            )
        return value.isoformat() if isinstance(value, date) else value

    @staticmethod
    def range(column: SQLColumnExpression[Any], bounds: Range) -> ColumnElement[bool]:
        parts = []
        if bounds.low is not None:
            parts.append(column >= bounds.low if bounds.low_inclusive else column > bounds.low)
        if bounds.high is not None:
            parts.append(column <= bounds.high if bounds.high_inclusive else column < bounds.high)
        return and_(*parts) if parts else true()

    def relative(
        self, column: SQLColumnExpression[Any], op: str, days: int, kind: Kind
    ) -> ColumnElement[bool]:
        if kind is Kind.DATE:
            today = self.now.date()
            cutoff = (today - timedelta(days=days)).isoformat()
            if op == "within":
                return and_(column >= cutoff, column <= today.isoformat())
            return column < cutoff
        cutoff_at = self.now - timedelta(days=days)
        if op == "within":
            return and_(column >= cutoff_at, column <= self.now)
        return column < cutoff_at

    def keyed_list(self, keyed: Keyed, test: Test) -> ColumnElement[bool]:
        if test.op == "exists":
            held = keyed.exists(Contact.id, None)
            return held if test.value else not_(held)
        wanted = (test.value,) if test.op == "listHas" else test.value
        return keyed.exists(Contact.id, wanted)

    def json_list(self, document: Any, key: str | None, test: Test) -> ColumnElement[bool]:
        """Membership tests on a JSON array: a column (verticals) or an attribute's value."""
        if self.dialect == "postgresql":
            element = document[key] if key is not None else document
            if test.op == "exists":
                size = func.coalesce(func.jsonb_array_length(element), 0)
                return size > 0 if test.value else size == 0
            wanted = (test.value,) if test.op == "listHas" else test.value
            # The JSONB bind serialises the one-item list itself: binding json.dumps([w])
            # as JSONB would encode it twice, into a JSON string no array contains.
            return or_(
                *(
                    func.coalesce(
                        element.op("@>", return_type=Boolean)(literal([w], JSONB)), false()
                    )
                    for w in wanted
                )
            )
        # SQLite: json_each over the array at a JSON path yields no rows when it is absent.
        source = func.json_each(document, f"$.{key}") if key else func.json_each(document)
        items = source.table_valued("value")
        if test.op == "exists":
            found = exists(select(literal(1)).select_from(items))
            return found if test.value else not_(found)
        wanted = (test.value,) if test.op == "listHas" else test.value
        return exists(select(literal(1)).select_from(items).where(items.c.value.in_(wanted)))


def _partner_level(node: Node) -> bool:
    """Whether a (sub)rule reads only the partner: its fields, metrics and partner segments."""
    if isinstance(node, Condition):
        return node.field.level is Subject.PARTNER
    if isinstance(node, SegmentRef):
        return node.subject is Subject.PARTNER
    if isinstance(node, Not):
        return _partner_level(node.child)
    return all(_partner_level(child) for child in node.children)
