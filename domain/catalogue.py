"""Picklists and custom attribute definitions: what values partner data may hold."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import validation
from domain.errors import DomainError, ErrorCode, Problems
from domain.models import AttributeDefinition, Partner, PicklistValue


class AttributeSubject(StrEnum):
    PARTNER = "PARTNER"
    CONTACT = "CONTACT"
    DEAL = "DEAL"


class AttributeType(StrEnum):
    STRING = "STRING"
    NUMBER = "NUMBER"
    BOOLEAN = "BOOLEAN"
    DATE = "DATE"
    STRING_LIST = "STRING_LIST"


# Picklist field -> the Partner column holding its value.
PICKLIST_COLUMNS = {
    "partner.type": "type",
    "partner.tier": "tier",
    "partner.region": "region",
    "partner.phase": "phase",
}
RANKED_PICKLISTS = frozenset({"partner.tier"})

DEFAULT_PICKLISTS: dict[str, list[tuple[str, str]]] = {
    "partner.type": [
        ("RESELLER", "Reseller"),
        ("MSP", "Managed service provider"),
        ("SYSTEM_INTEGRATOR", "System integrator"),
        ("ISV", "Independent software vendor"),
        ("REFERRAL", "Referral partner"),
        ("DISTRIBUTOR", "Distributor"),
    ],
    "partner.tier": [
        ("REGISTERED", "Registered"),
        ("SILVER", "Silver"),
        ("GOLD", "Gold"),
        ("PLATINUM", "Platinum"),
    ],
    "partner.region": [
        ("NORTH_AMERICA", "North America"),
        ("LATIN_AMERICA", "Latin America"),
        ("EMEA", "Europe, Middle East and Africa"),
        ("APAC", "Asia Pacific"),
    ],
    "partner.phase": [
        ("PROSPECTING", "Prospecting"),
        ("SIGNED_AGREEMENT", "Signed agreement"),
        ("ONBOARDING", "Onboarding"),
        ("ACTIVE", "Active"),
        ("DORMANT", "Dormant"),
    ],
}

# Whole values (fullmatch: "GOLD\n" is not GOLD).
PICKLIST_VALUE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
ATTRIBUTE_KEY_PATTERN = re.compile(r"[a-z][A-Za-z0-9_]{0,62}")
MAX_LABEL = 200
MAX_STRING_ATTRIBUTE = 2000
MAX_LIST_ITEMS = 200
MAX_LIST_ITEM = 200
# NUMBER values (attributes, and rules on them) compare as doubles: beyond 2^53 - 1 a double
# cannot tell neighbouring whole numbers apart, so comparisons would not be exact.
MAX_NUMBER = 2**53 - 1


@dataclass(frozen=True)
class PicklistEntry:
    value: str
    label: str
    rank: int


@dataclass(frozen=True)
class Catalogue:
    """A snapshot of picklists and attribute definitions, loaded once per unit of work."""

    picklists: dict[str, tuple[PicklistEntry, ...]]
    attributes: dict[tuple[AttributeSubject, str], AttributeType]

    def values(self, field: str) -> list[str]:
        return [entry.value for entry in self.picklists.get(field, ())]

    def rank(self, field: str, value: str) -> int | None:
        for entry in self.picklists.get(field, ()):
            if entry.value == value:
                return entry.rank
        return None

    def attribute_type(self, subject: AttributeSubject, key: str) -> AttributeType | None:
        return self.attributes.get((subject, key))

    def attributes_of(self, subject: AttributeSubject) -> dict[str, AttributeType]:
        return {key: kind for (subj, key), kind in self.attributes.items() if subj is subject}


async def load_catalogue(session: AsyncSession) -> Catalogue:
    rows = await session.scalars(
        select(PicklistValue).order_by(PicklistValue.field, PicklistValue.position)
    )
    picklists: dict[str, list[PicklistEntry]] = {}
    for row in rows:
        picklists.setdefault(row.field, []).append(PicklistEntry(row.value, row.label, row.rank))
    definitions = await session.scalars(select(AttributeDefinition))
    return Catalogue(
        picklists={field: tuple(entries) for field, entries in picklists.items()},
        attributes={
            (AttributeSubject(d.subject), d.key): AttributeType(d.type) for d in definitions
        },
    )


def default_picklist_rows() -> list[dict[str, Any]]:
    """The contract's default picklists as rows (used by the initial migration's data step)."""
    return [
        {"field": field, "value": value, "label": label, "rank": i + 1, "position": i}
        for field, entries in DEFAULT_PICKLISTS.items()
        for i, (value, label) in enumerate(entries)
    ]


@dataclass(frozen=True)
class PicklistValueSpec:
    value: str
    label: str | None = None
    rank: int | None = None


async def set_picklist(
    session: AsyncSession,
    field: str,
    specs: list[PicklistValueSpec],
    named_by_rules: Mapping[str, list[str]] | None = None,
) -> list[PicklistEntry]:
    """Replace a picklist. Values still held by partners or named by rules cannot be removed.

    `named_by_rules` maps a value to the keys of segments whose rules name it.
    """
    problems = Problems()
    column_name = PICKLIST_COLUMNS.get(field)
    if column_name is None:
        raise DomainError.one(
            ErrorCode.INVALID_VALUE,
            f"Unknown picklist {field!r}; expected one of {sorted(PICKLIST_COLUMNS)}.",
            ["field"],
        )
    if not specs:
        problems.add(ErrorCode.REQUIRED, "A picklist needs at least one value.", "values")
    seen: set[str] = set()
    entries: list[PicklistEntry] = []
    for i, spec in enumerate(specs):
        if not PICKLIST_VALUE_PATTERN.fullmatch(spec.value):
            problems.add(
                ErrorCode.INVALID_VALUE,
                f"{spec.value!r} is not a valid value: use 1-64 letters, digits, '_' or '-'.",
                "values",
                i,
                "value",
            )
        elif spec.value in seen:
            problems.add(
                ErrorCode.DUPLICATE, f"{spec.value!r} is listed twice.", "values", i, "value"
            )
        else:
            seen.add(spec.value)  # only well-formed values reach the query below
        label = _label(spec.label, problems, "values", i, "label")
        label = label or spec.value.replace("_", " ").capitalize()
        entries.append(PicklistEntry(spec.value, label, i + 1 if spec.rank is None else spec.rank))
    column = getattr(Partner, column_name)
    in_use = await session.execute(
        select(column, func.count()).where(column.not_in(seen)).group_by(column)
    )
    for value, count in in_use:
        problems.add(
            ErrorCode.INVALID_VALUE,
            f"{value!r} cannot be removed: {count} partner(s) still have it. Move them first.",
            "values",
        )
    for value, segment_keys in sorted((named_by_rules or {}).items()):
        if value not in seen:
            problems.add(
                ErrorCode.INVALID_VALUE,
                f"{value!r} cannot be removed: segment rules name it ({', '.join(segment_keys)}).",
                "values",
            )
    problems.raise_if_any()
    await session.execute(delete(PicklistValue).where(PicklistValue.field == field))
    session.add_all(
        PicklistValue(field=field, value=e.value, label=e.label, rank=e.rank, position=i)
        for i, e in enumerate(entries)
    )
    await session.flush()
    return entries


async def define_attribute(
    session: AsyncSession,
    subject: AttributeSubject,
    key: str,
    kind: AttributeType,
    label: str | None,
) -> AttributeDefinition:
    """Declare (or relabel) a custom attribute. Its type is fixed once declared."""
    if not ATTRIBUTE_KEY_PATTERN.fullmatch(key):
        raise DomainError.one(
            ErrorCode.INVALID_VALUE,
            f"{key!r} is not a valid key: start with a lowercase letter, then up to 62 "
            "letters, digits or '_'.",
            ["key"],
        )
    existing = await session.scalar(
        select(AttributeDefinition).where(
            AttributeDefinition.subject == subject.value, AttributeDefinition.key == key
        )
    )
    problems = Problems()
    label = _label(label, problems, "label") or key
    problems.raise_if_any()
    if existing is None:
        existing = AttributeDefinition(subject=subject.value, key=key, type=kind.value, label=label)
        session.add(existing)
    elif existing.type != kind.value:
        raise DomainError.one(
            ErrorCode.INVALID_VALUE,
            f"{subject.value.lower()} attribute {key!r} is already a {existing.type}; "
            "a declared type cannot change.",
            ["type"],
        )
    else:
        existing.label = label
    await session.flush()
    return existing


def _label(label: str | None, problems: Problems, *path: str | int) -> str:
    """A display label (empty if none was given); a bad one is added to `problems`."""
    try:
        return validation.text(label or "", max_length=MAX_LABEL, allow_empty=True)
    except ValueError as exc:
        problems.add(ErrorCode.INVALID_VALUE, f"label: {exc}.", *path)
        return ""


def coerce_attribute(kind: AttributeType, value: Any) -> Any:
    """The stored (JSON) form of an attribute value, or ValueError saying what was expected."""
    if kind is AttributeType.STRING:
        if not isinstance(value, str):
            raise ValueError("expected text")
        if len(value) > MAX_STRING_ATTRIBUTE:
            raise ValueError(f"expected at most {MAX_STRING_ATTRIBUTE} characters")
        return validation.check_characters(value, multiline=True)
    if kind is AttributeType.NUMBER:
        return coerce_number(value)
    if kind is AttributeType.BOOLEAN:
        if not isinstance(value, bool):
            raise ValueError("expected true or false")
        return value
    if kind is AttributeType.DATE:
        return coerce_date(value).isoformat()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of text values")
    if len(value) > MAX_LIST_ITEMS:
        raise ValueError(f"expected at most {MAX_LIST_ITEMS} items")
    for i, item in enumerate(value):
        if len(item) > MAX_LIST_ITEM:
            raise ValueError(f"item {i}: expected at most {MAX_LIST_ITEM} characters")
        try:
            validation.check_characters(item)
        except ValueError as exc:
            raise ValueError(f"item {i}: {exc}") from None
    return list(dict.fromkeys(value))


def coerce_number(value: Any) -> int | float:
    """A JSON number, or a numeric string such as "1250.50"."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("expected a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"expected a number, got {value!r}") from None
    if not number.is_finite():
        raise ValueError("expected a finite number")
    if abs(number) > MAX_NUMBER:
        raise ValueError(f"expected a number between -{MAX_NUMBER} and {MAX_NUMBER}")
    return (
        int(number)
        if number == number.to_integral_value() and abs(number) < 2**53
        else float(number)
    )


def coerce_date(value: Any) -> date:
    """A "YYYY-MM-DD" date, or the UTC date of an ISO date-time (as rules read it too)."""
    if isinstance(value, str) and len(value) != 10:
        with contextlib.suppress(ValueError):
            value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return validation.in_utc(value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f'expected a date as "YYYY-MM-DD", got {value!r}')


def merge_attributes(
    catalogue: Catalogue,
    subject: AttributeSubject,
    current: dict[str, Any],
    patch: Any,
    problems: Problems,
    *path: str | int,
) -> dict[str, Any]:
    """Apply an attributes patch key by key (null removes a key), validating every value."""
    if not isinstance(patch, dict):
        problems.add(ErrorCode.INVALID_VALUE, "Expected an object of attribute values.", *path)
        return current
    merged = dict(current)
    declared = catalogue.attributes_of(subject)
    for key, value in patch.items():
        kind = declared.get(key)
        if kind is None:
            problems.add(
                ErrorCode.INVALID_VALUE,
                f"{key!r} is not a declared {subject.value.lower()} attribute"
                + (f"; declared: {sorted(declared)}." if declared else "; none are declared."),
                *path,
                key,
            )
        elif value is None:
            merged.pop(key, None)
        else:
            try:
                merged[key] = coerce_attribute(kind, value)
            except ValueError as exc:
                problems.add(
                    ErrorCode.INVALID_VALUE,
                    f"{key!r} is a {kind.value} attribute: {exc}.",
                    *path,
                    key,
                )
    return merged
