"""Layouts: which fields a record type shows and accepts, chosen per contact by audience.

DEAL layouts name `customerName`, `amount`, `closeDate` and declared DEAL attributes; every
one includes `customerName`, first and required (system-required). PARTNER_PROFILE layouts
(record type `default`) name PartnerInput fields and declared PARTNER attributes; QUOTE
layouts name QuoteInput fields. A contact gets, per (entity, record type), the
highest-priority layout whose audience it matches; staff and API keys see every layout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import Select, select

from domain import validation
from domain.catalogue import AttributeSubject, Catalogue
from domain.errors import ErrorCode, Problems
from domain.models import Layout


class LayoutEntity(StrEnum):
    DEAL = "DEAL"
    QUOTE = "QUOTE"
    PARTNER_PROFILE = "PARTNER_PROFILE"


DEAL_FIELDS = ("customerName", "amount", "closeDate")
SYSTEM_REQUIRED = "customerName"
QUOTE_FIELDS = ("dealId", "lines")
PROFILE_FIELDS = (
    "externalId",
    "name",
    "type",
    "tier",
    "region",
    "country",
    "phase",
    "verticals",
    "joinedAt",
)
PROFILE_RECORD_TYPE = "default"
RECORD_TYPE = re.compile(r"[a-z][a-z0-9_-]{0,63}")
MAX_FIELDS = 50
MAX_LABEL = 200


@dataclass(frozen=True)
class LayoutField:
    name: str
    label: str
    required: bool = False
    read_only: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "required": self.required,
            "readOnly": self.read_only,
        }

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> LayoutField:
        return cls(raw["name"], raw["label"], bool(raw["required"]), bool(raw["readOnly"]))


def allowed_names(entity: LayoutEntity, catalogue: Catalogue) -> list[str]:
    """The field names a layout of `entity` may list."""
    if entity is LayoutEntity.DEAL:
        return [*DEAL_FIELDS, *sorted(catalogue.attributes_of(AttributeSubject.DEAL))]
    if entity is LayoutEntity.PARTNER_PROFILE:
        return [*PROFILE_FIELDS, *sorted(catalogue.attributes_of(AttributeSubject.PARTNER))]
    return list(QUOTE_FIELDS)


def _label(name: str) -> str:
    """`closeDate` -> "Close date"."""
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()
    return words[:1].upper() + words[1:]


def validate(
    entity: LayoutEntity,
    record_type: Any,
    label: Any,
    fields: Sequence[Mapping[str, Any]],
    catalogue: Catalogue,
    problems: Problems,
) -> tuple[str, str, list[LayoutField]]:
    """(record type, label, fields) of a layout input; problems say what is wrong, where."""
    if entity is LayoutEntity.PARTNER_PROFILE:
        if record_type != PROFILE_RECORD_TYPE:
            problems.add(
                ErrorCode.INVALID_VALUE,
                f'A PARTNER_PROFILE layout\'s record type is "{PROFILE_RECORD_TYPE}".',
                "recordType",
            )
    elif not isinstance(record_type, str) or not RECORD_TYPE.fullmatch(record_type):
        problems.add(
            ErrorCode.INVALID_VALUE,
            "recordType: a lowercase letter, then up to 63 lowercase letters, digits, '_' or "
            "'-', e.g. referral.",
            "recordType",
        )
    try:
        label = validation.text(label, max_length=MAX_LABEL)
    except ValueError as exc:
        problems.add(ErrorCode.INVALID_VALUE, f"label: {exc}.", "label")
    if len(fields) > MAX_FIELDS:
        problems.add(
            ErrorCode.TOO_MANY, f"At most {MAX_FIELDS} fields; got {len(fields)}.", "fields"
        )
        return record_type, label, []
    allowed = allowed_names(entity, catalogue)
    chosen: list[LayoutField] = []
    seen: set[str] = set()
    for i, raw in enumerate(fields):
        name = raw.get("name")
        if name not in allowed:
            problems.add(
                ErrorCode.INVALID_VALUE,
                f"{name!r} is not a field of {entity.value} layouts; expected one of {allowed}.",
                "fields",
                i,
                "name",
            )
            continue
        if name in seen:
            problems.add(ErrorCode.DUPLICATE, f"{name!r} is listed twice.", "fields", i, "name")
            continue
        seen.add(name)
        shown = raw.get("label")
        try:
            shown = validation.text(shown, max_length=MAX_LABEL) if shown else _label(name)
        except ValueError as exc:
            problems.add(ErrorCode.INVALID_VALUE, f"label: {exc}.", "fields", i, "label")
            continue
        chosen.append(
            LayoutField(name, shown, bool(raw.get("required")), bool(raw.get("readOnly")))
        )
    if entity is LayoutEntity.DEAL:
        chosen = _customer_name_first(chosen)
    return record_type, label, chosen


def _customer_name_first(fields: list[LayoutField]) -> list[LayoutField]:
    """Every DEAL layout has customerName, first, required and writable."""
    given = next((f for f in fields if f.name == SYSTEM_REQUIRED), None)
    label = given.label if given else _label(SYSTEM_REQUIRED)
    rest = [f for f in fields if f.name != SYSTEM_REQUIRED]
    return [LayoutField(SYSTEM_REQUIRED, label, required=True, read_only=False), *rest]


def fields_of(layout: Layout) -> list[LayoutField]:
    return [LayoutField.of(raw) for raw in layout.fields]


def choose(layouts: Iterable[Layout], visible: Any) -> list[Layout]:
    """Per record type, the highest-priority layout `visible(audience_id)` admits (ties: the
    older one), ordered by record type; `visible` None: every layout (staff, API keys)."""
    ordered = sorted(layouts, key=lambda layout: (layout.record_type, -layout.priority, layout.id))
    if visible is None:
        return ordered
    chosen: dict[str, Layout] = {}
    for layout in ordered:
        if layout.record_type not in chosen and visible(layout.audience_id):
            chosen[layout.record_type] = layout
    return list(chosen.values())


@cache
def of_entity(entity: LayoutEntity) -> Select[Any]:
    """Every layout of `entity` (built once: see domain.statements)."""
    return select(Layout).where(Layout.entity == entity.value)
