"""The field catalogue rules may read: paths, their kinds, and the operators each kind takes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from domain.catalogue import RANKED_PICKLISTS, AttributeSubject, AttributeType, Catalogue
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


@dataclass(frozen=True)
class Field:
    """One readable path. `level` says whose data it is: the partner's or the contact's."""

    path: str
    kind: Kind
    level: Subject
    choices: tuple[str, ...] = ()  # picklist / enum values
    picklist: str | None = None  # for ranked comparisons

    @property
    def attribute_key(self) -> str | None:
        prefix = f"{self.level.value.lower()}.attributes."
        return self.path[len(prefix) :] if self.path.startswith(prefix) else None


PARTNER_COLUMNS = {
    "partner.name": Kind.TEXT,
    "partner.country": Kind.TEXT,
    "partner.verticals": Kind.LIST,
    "partner.joinedAt": Kind.DATETIME,
}
PARTNER_PICKLISTS = ("type", "tier", "region", "phase")
METRICS = {
    "wonRevenue12m": Kind.MONEY,
    "openPipeline": Kind.MONEY,
    "dealsWon12m": Kind.INTEGER,
    "dealsRegistered90d": Kind.INTEGER,
    "certifiedContacts": Kind.INTEGER,
    "trainingCompletionRate": Kind.NUMBER,
    "engagementScore": Kind.NUMBER,
}
CONTACT_COLUMNS = {
    "contact.email": Kind.TEXT,
    "contact.title": Kind.TEXT,
    "contact.lastLoginAt": Kind.DATETIME,
    "contact.createdAt": Kind.DATETIME,
    "contact.certifications": Kind.LIST,
    "contact.completedCourses": Kind.LIST,
}
CONTACT_ENUMS = {
    "contact.role": tuple(r.value for r in ContactRole),
    "contact.status": tuple(s.value for s in ContactStatus),
}


def resolve(path: str, subject: Subject, catalogue: Catalogue) -> Field | None:
    """The field at `path` for rules of `subject`, or None if there is no such field."""
    if path in PARTNER_COLUMNS:
        return Field(path, PARTNER_COLUMNS[path], Subject.PARTNER)
    if path.startswith("partner.") and path[len("partner.") :] in PARTNER_PICKLISTS:
        picklist = path
        kind = Kind.RANKED if picklist in RANKED_PICKLISTS else Kind.PICKLIST
        return Field(path, kind, Subject.PARTNER, tuple(catalogue.values(picklist)), picklist)
    if path.startswith("partner.metrics.") and path[len("partner.metrics.") :] in METRICS:
        return Field(path, METRICS[path[len("partner.metrics.") :]], Subject.PARTNER)
    if path.startswith("partner.attributes."):
        kind = catalogue.attribute_type(
            AttributeSubject.PARTNER, path[len("partner.attributes.") :]
        )
        return Field(path, ATTRIBUTE_KINDS[kind], Subject.PARTNER) if kind else None
    if subject is not Subject.CONTACT:
        return None
    if path in CONTACT_COLUMNS:
        return Field(path, CONTACT_COLUMNS[path], Subject.CONTACT)
    if path in CONTACT_ENUMS:
        return Field(path, Kind.ENUM, Subject.CONTACT, CONTACT_ENUMS[path])
    if path.startswith("contact.attributes."):
        kind = catalogue.attribute_type(
            AttributeSubject.CONTACT, path[len("contact.attributes.") :]
        )
        return Field(path, ATTRIBUTE_KINDS[kind], Subject.CONTACT) if kind else None
    return None


def known_paths(subject: Subject, catalogue: Catalogue) -> list[str]:
    """Every path a rule of `subject` may name (for error messages and editors)."""
    paths = [*PARTNER_COLUMNS, *(f"partner.{p}" for p in PARTNER_PICKLISTS)]
    paths += [f"partner.metrics.{m}" for m in METRICS]
    paths += [f"partner.attributes.{k}" for k in catalogue.attributes_of(AttributeSubject.PARTNER)]
    if subject is Subject.CONTACT:
        paths += [*CONTACT_COLUMNS, *CONTACT_ENUMS]
        paths += [
            f"contact.attributes.{k}" for k in catalogue.attributes_of(AttributeSubject.CONTACT)
        ]
    return sorted(paths)
