"""Every field rules, audiences and metrics read, declared once.

A declaration says what a path is (its kind, whose data), how SQL reads it (a column, a
JSON array, or keys held in another table), how Python reads it from `Facts` (derived from
the column for plain columns), how the incremental path loads it when it is not on the
subject's row, and what changes it. Both rule compilers, the fact loaders, explanations
and error messages read these declarations and nothing else: adding a rule-readable field
is one entry here (plus its migration). See docs/design.md, "Adding a rule-readable field".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import Select, exists, literal, select
from sqlalchemy.sql.elements import ColumnElement

from domain.catalogue import RANKED_PICKLISTS, AttributeSubject, AttributeType, Catalogue
from domain.models import (
    Contact,
    ContactCertification,
    Course,
    Enrollment,
    Partner,
    PartnerMetrics,
)
from domain.principal import ContactRole, ContactStatus


class Kind(Enum):
    TEXT = "text"
    PICKLIST = "picklist"
    RANKED = "ranked picklist"
    ENUM = "choice"
    NUMBER = "number"
    INTEGER = "whole number"
    MONEY = "money amount"
    BOOLEAN = "true/false"
    DATE = "date"
    DATETIME = "date-time"
    LIST = "list"


class Subject(Enum):
    PARTNER = "PARTNER"
    CONTACT = "CONTACT"


# The public type and the table behind each subject, in one place.
SUBJECT_TYPES: dict[Subject, tuple[str, Any]] = {
    Subject.PARTNER: ("Partner", Partner),
    Subject.CONTACT: ("Contact", Contact),
}

EQUALITY = frozenset({"eq", "ne", "in", "notIn", "exists"})
ORDERING = frozenset({"lt", "lte", "gt", "gte", "between"})
RELATIVE = frozenset({"withinLastDays", "olderThanDays"})
OPERATORS: dict[Kind, frozenset[str]] = {
    Kind.TEXT: EQUALITY | {"contains", "containsAny", "startsWith"},
    Kind.PICKLIST: EQUALITY,
    Kind.ENUM: EQUALITY,
    Kind.RANKED: EQUALITY | ORDERING,
    Kind.NUMBER: EQUALITY | ORDERING,
    Kind.INTEGER: EQUALITY | ORDERING,
    Kind.MONEY: EQUALITY | ORDERING,
    Kind.BOOLEAN: frozenset({"eq", "ne", "exists"}),
    Kind.DATE: EQUALITY | ORDERING | RELATIVE,
    Kind.DATETIME: EQUALITY | ORDERING | RELATIVE,
    Kind.LIST: frozenset({"contains", "containsAny", "exists"}),
}
ALL_OPERATORS = frozenset().union(*OPERATORS.values())

ATTRIBUTE_KINDS = {
    AttributeType.STRING: Kind.TEXT,
    AttributeType.NUMBER: Kind.NUMBER,
    AttributeType.BOOLEAN: Kind.BOOLEAN,
    AttributeType.DATE: Kind.DATE,
    AttributeType.STRING_LIST: Kind.LIST,
}

# `const(value)` binds a value into generated code and returns the name it is bound to.
Bind = Callable[[Any], str]


@dataclass(frozen=True)
class Keyed:
    """Keys a contact holds in another table (certifications, completed courses).

    `SELECT key FROM source WHERE owner = <contact id> AND <where>`: SQL tests it with
    EXISTS, the incremental path loads it for many contacts at once.
    """

    owner: Any  # the column holding the contact id
    key: Any  # the column holding the key
    source: Any = None  # the FROM clause when it is a join (default: the owner's table)
    where: tuple[Any, ...] = ()

    def held(self, owner_ids: Iterable[int]) -> Select[Any]:
        """(owner id, key) for many owners."""
        query = select(self.owner, self.key).where(self.owner.in_(list(owner_ids)), *self.where)
        return query.select_from(self.source) if self.source is not None else query

    def exists(self, owner: Any, keys: Iterable[str] | None) -> ColumnElement[bool]:
        """Whether `owner` holds any of `keys` (None: any key at all)."""
        query = select(literal(1)).where(self.owner == owner, *self.where)
        if self.source is not None:
            query = query.select_from(self.source)
        if keys is not None:
            query = query.where(self.key.in_(list(keys)))
        return exists(query)


@dataclass(frozen=True)
class Readable:
    """One path rules may read. `level` says whose data it is: the partner's or the contact's."""

    path: str
    kind: Kind
    level: Subject
    # How SQL reads it: exactly one of these.
    column: Any = None  # a column or expression on the subject's (or partner's) row
    json_list: tuple[Any, str | None] | None = None  # (JSON document, key) holding an array
    keyed: Keyed | None = None
    # How Python reads it from `f` (Facts): derived from `column` unless given.
    python: Callable[[Bind], str] | None = None
    choices: tuple[str, ...] = ()  # picklist / enum values
    picklist: str | None = None  # for ranked comparisons
    changed_by: str = ""  # what writes it (the incremental path must be told)

    @property
    def attribute_key(self) -> str | None:
        prefix = f"{self.level.value.lower()}.attributes."
        return self.path[len(prefix) :] if self.path.startswith(prefix) else None

    def expression(self, const: Bind) -> str:
        """Python reading this field from `f`, for the generated predicates and getters."""
        if self.python is not None:
            return self.python(const)
        if self.keyed is not None:
            return f"f.held.get({const(self.path)}, _NOTHING)"
        table = self.column.table.name
        if table == PartnerMetrics.__tablename__:
            return f"(None if f.metrics is None else f.metrics.{self.column.key})"
        owner = "partner" if table == Partner.__tablename__ else "contact"
        return f"f.{owner}.{self.column.key}"


def _attribute(owner: str, key: str) -> Callable[[Bind], str]:
    return lambda const: f"(f.{owner}.attributes or _EMPTY).get({const(key)})"


@dataclass(frozen=True)
class Metric:
    """A partner metric: its kind, its column, and the contact fields it derives from."""

    name: str
    kind: Kind
    column: Any
    driven_by: frozenset[str] = field(default_factory=frozenset)


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("wonRevenue12m", Kind.MONEY, PartnerMetrics.won_revenue_12m),
        Metric("openPipeline", Kind.MONEY, PartnerMetrics.open_pipeline),
        Metric("dealsWon12m", Kind.INTEGER, PartnerMetrics.deals_won_12m),
        Metric("dealsRegistered90d", Kind.INTEGER, PartnerMetrics.deals_registered_90d),
        Metric(
            "certifiedContacts",
            Kind.INTEGER,
            PartnerMetrics.certified_contacts,
            frozenset({"contact.status", "contact.certifications"}),
        ),
        Metric(
            "trainingCompletionRate",
            Kind.NUMBER,
            PartnerMetrics.training_completion_rate,
            frozenset({"contact.status", "contact.completedCourses"}),
        ),
        Metric(
            "engagementScore",
            Kind.NUMBER,
            PartnerMetrics.engagement_score,
            frozenset({"contact.status", "contact.lastLoginAt"}),
        ),
    )
}

_P, _C = Subject.PARTNER, Subject.CONTACT
BUILT_IN: dict[str, Readable] = {
    r.path: r
    for r in (
        Readable("partner.name", Kind.TEXT, _P, column=Partner.name),
        Readable("partner.country", Kind.TEXT, _P, column=Partner.country),
        Readable(
            "partner.verticals",
            Kind.LIST,
            _P,
            json_list=(Partner.verticals, None),
            python=lambda const: "f.partner.verticals",
        ),
        Readable("partner.joinedAt", Kind.DATETIME, _P, column=Partner.joined_at),
        *(
            Readable(f"partner.metrics.{m.name}", m.kind, _P, column=m.column)
            for m in METRICS.values()
        ),
        Readable("contact.email", Kind.TEXT, _C, column=Contact.email),
        Readable("contact.title", Kind.TEXT, _C, column=Contact.title),
        Readable(
            "contact.lastLoginAt",
            Kind.DATETIME,
            _C,
            column=Contact.last_login_at,
            changed_by="sign-in, accepting an invitation",
        ),
        Readable("contact.createdAt", Kind.DATETIME, _C, column=Contact.created_at),
        Readable(
            "contact.role",
            Kind.ENUM,
            _C,
            column=Contact.role,
            choices=tuple(r.value for r in ContactRole),
            changed_by="setContactRole, inviteContact",
        ),
        Readable(
            "contact.status",
            Kind.ENUM,
            _C,
            column=Contact.status,
            choices=tuple(s.value for s in ContactStatus),
            changed_by="acceptInvitation, deactivateContact",
        ),
        Readable(
            "contact.certifications",
            Kind.LIST,
            _C,
            keyed=Keyed(ContactCertification.contact_id, ContactCertification.certification_key),
            changed_by="awardCertification, AUDIENCE certifications, course completions",
        ),
        Readable(
            "contact.completedCourses",
            Kind.LIST,
            _C,
            keyed=Keyed(
                owner=Enrollment.contact_id,
                key=Course.key,
                source=Enrollment.__table__.join(
                    Course.__table__, Course.id == Enrollment.course_id
                ),
                where=(Enrollment.status == "COMPLETED",),
            ),
            changed_by="course completion (recordCourseProgress reaching 1.0)",
        ),
    )
}
PARTNER_PICKLISTS = ("type", "tier", "region", "phase")


def resolve(path: str, subject: Subject, catalogue: Catalogue) -> Readable | None:
    """The field at `path` for rules of `subject`, or None if there is no such field."""
    found = BUILT_IN.get(path)
    if found is not None:
        return found if found.level is Subject.PARTNER or subject is Subject.CONTACT else None
    owner, _, rest = path.partition(".")
    if owner == "partner" and rest in PARTNER_PICKLISTS:
        kind = Kind.RANKED if path in RANKED_PICKLISTS else Kind.PICKLIST
        column = getattr(Partner, rest)
        return Readable(
            path, kind, _P, column=column, choices=tuple(catalogue.values(path)), picklist=path
        )
    if owner == "contact" and subject is not Subject.CONTACT:
        return None
    if owner in ("partner", "contact") and rest.startswith("attributes."):
        key = rest[len("attributes.") :]
        level = _P if owner == "partner" else _C
        declared = catalogue.attribute_type(AttributeSubject(level.value), key)
        if declared is None:
            return None
        kind = ATTRIBUTE_KINDS[declared]
        model = Partner if level is _P else Contact
        if kind is Kind.LIST:
            return Readable(
                path, kind, level, json_list=(model.attributes, key), python=_attribute(owner, key)
            )
        element = model.attributes[key]
        typed = {Kind.NUMBER: element.as_float, Kind.BOOLEAN: element.as_boolean}.get(
            kind, element.as_string
        )()
        return Readable(path, kind, level, column=typed, python=_attribute(owner, key))
    return None


def known_paths(subject: Subject, catalogue: Catalogue) -> list[str]:
    """Every path a rule of `subject` may name (for error messages and editors)."""
    paths = [p for p, r in BUILT_IN.items() if r.level is _P or subject is _C]
    paths += [f"partner.{p}" for p in PARTNER_PICKLISTS]
    paths += [f"partner.attributes.{k}" for k in catalogue.attributes_of(AttributeSubject.PARTNER)]
    if subject is Subject.CONTACT:
        paths += [
            f"contact.attributes.{k}" for k in catalogue.attributes_of(AttributeSubject.CONTACT)
        ]
    return sorted(paths)


def keyed(paths: Iterable[str]) -> list[Readable]:
    """The keyed-list fields among `paths` (what the incremental path must load)."""
    return [BUILT_IN[p] for p in paths if p in BUILT_IN and BUILT_IN[p].keyed is not None]
