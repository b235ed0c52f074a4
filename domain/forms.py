"""Forms: their fields, the updates a submission applies, and the values a contact submits.

A form's `fields` are [{"name", "label", "type", "required"}] (type STRING, NUMBER, BOOLEAN
or DATE); its `onSubmit` is [{"path", "value"}] with a rule path (domain.segments.readable)
a form may write: the partner's built-in fields and declared attributes, the contact's
title and declared attributes. Values are checked by the validators partners and contacts
use, so an update that saves is one the partner or contact accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeGuard

from domain import partners, validation
from domain.catalogue import (
    ATTRIBUTE_KEY_PATTERN,
    AttributeSubject,
    Catalogue,
    coerce_attribute,
    coerce_date,
    coerce_number,
)
from domain.errors import ErrorCode, Problems
from domain.models import Partner
from domain.segments.readable import Subject, resolve

FIELD_TYPES = ("STRING", "NUMBER", "BOOLEAN", "DATE")
FIELD_KEYS = frozenset({"name", "label", "type", "required"})
UPDATE_KEYS = frozenset({"path", "value"})
MAX_FIELDS = 50
MAX_UPDATES = 50
MAX_LABEL = 200
MAX_STRING_VALUE = 2_000
# Built-in rule paths a form may write (PartnerInput names for the partner's).
PARTNER_FIELDS = ("name", "type", "tier", "region", "country", "phase", "verticals", "joinedAt")
WRITABLE = frozenset({*(f"partner.{name}" for name in PARTNER_FIELDS), "contact.title"})


def _label(name: str) -> str:
    """`signatoryName` -> "Signatory name"."""
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in name)
    return words[:1].upper() + words[1:]


def _list(raw: Any, what: str, limit: int, problems: Problems, name: str) -> list[Any]:
    if not isinstance(raw, list):
        problems.add(ErrorCode.INVALID_VALUE, f"{name}: expected a JSON list of {what}.", name)
        return []
    if len(raw) > limit:
        problems.add(ErrorCode.TOO_MANY, f"At most {limit} {what}; got {len(raw)}.", name)
        return []
    return raw


def _unknown_keys(
    item: Mapping[str, Any], known: frozenset[str], problems: Problems, *at: Any
) -> None:
    for key in item:
        if key not in known:
            problems.add(
                ErrorCode.UNKNOWN_FIELD,
                f"{key!r} is not a key here; expected {sorted(known)}.",
                *at,
                str(key),
            )


def check_fields(raw: Any, problems: Problems) -> list[dict[str, Any]]:
    """A form's fields as stored, every problem at ["fields", i, key]."""
    checked: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(_list(raw, "fields", MAX_FIELDS, problems, "fields")):
        if not isinstance(item, dict):
            problems.add(
                ErrorCode.INVALID_VALUE,
                'Expected {"name", "label", "type", "required"}.',
                "fields",
                i,
            )
            continue
        _unknown_keys(item, FIELD_KEYS, problems, "fields", i)
        name, kind = item.get("name"), item.get("type")
        ok = True
        if not isinstance(name, str) or not ATTRIBUTE_KEY_PATTERN.fullmatch(name):
            problems.add(
                ErrorCode.REQUIRED if name is None else ErrorCode.INVALID_VALUE,
                "name: a lowercase letter, then up to 62 letters, digits or '_', e.g. "
                f"companySize; got {name!r}.",
                "fields",
                i,
                "name",
            )
            ok = False
        elif name in seen:
            problems.add(ErrorCode.DUPLICATE, f"{name!r} is listed twice.", "fields", i, "name")
            ok = False
        else:
            seen.add(name)
        if kind not in FIELD_TYPES:
            problems.add(
                ErrorCode.REQUIRED if kind is None else ErrorCode.INVALID_VALUE,
                f"type: one of {list(FIELD_TYPES)}; got {kind!r}.",
                "fields",
                i,
                "type",
            )
            ok = False
        required = item.get("required", False)
        if required is None:
            required = False
        if not isinstance(required, bool):
            problems.add(
                ErrorCode.INVALID_VALUE, "required: true or false.", "fields", i, "required"
            )
            ok = False
        label = item.get("label")
        try:
            label = validation.text(label, max_length=MAX_LABEL) if label else None
        except ValueError as exc:
            problems.add(ErrorCode.INVALID_VALUE, f"label: {exc}.", "fields", i, "label")
            ok = False
        if ok:
            checked.append(
                {
                    "name": name,
                    "label": label or _label(str(name)),
                    "type": kind,
                    "required": required,
                }
            )
    return checked


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def check_value(path: str, value: Any, catalogue: Catalogue) -> Any:
    """The stored form of `value` for a writable `path`, or ValueError saying what is wrong."""
    owner, _, rest = path.partition(".")
    if rest.startswith("attributes."):
        subject = AttributeSubject.PARTNER if owner == "partner" else AttributeSubject.CONTACT
        kind = catalogue.attribute_type(subject, rest.removeprefix("attributes."))
        if kind is None:
            raise ValueError(f"{path} is not declared")
        return None if value is None else coerce_attribute(kind, value)
    if path == "contact.title":
        if value is None:
            return None
        return validation.text(value, max_length=200, allow_empty=True) or None
    problems = Problems()
    # `current` is only read for attributes; any partner makes the check that of an update.
    checked = partners.validate_patch(catalogue, {rest: value}, problems, current=Partner())
    if problems:
        raise ValueError(" ".join(p.message.rstrip(".") for p in problems.items))
    return _json(next(iter(checked.values()), None))


def check_updates(raw: Any, catalogue: Catalogue, problems: Problems) -> list[dict[str, Any]]:
    """A form's onSubmit updates as stored, every problem at ["onSubmit", i, key]."""
    checked: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(_list(raw, "updates", MAX_UPDATES, problems, "onSubmit")):
        if not isinstance(item, dict):
            problems.add(ErrorCode.INVALID_VALUE, 'Expected {"path", "value"}.', "onSubmit", i)
            continue
        _unknown_keys(item, UPDATE_KEYS, problems, "onSubmit", i)
        path = item.get("path")
        if not writable(path, catalogue):
            problems.add(
                ErrorCode.INVALID_VALUE,
                f"path: a partner or contact field a form may set ({', '.join(sorted(WRITABLE))}"
                ", partner.attributes.<key>, contact.attributes.<key> of a declared attribute); "
                f"got {path!r}.",
                "onSubmit",
                i,
                "path",
            )
            continue
        if path in seen:
            problems.add(ErrorCode.DUPLICATE, f"{path} is set twice.", "onSubmit", i, "path")
            continue
        seen.add(path)
        try:
            value = check_value(path, item.get("value"), catalogue)
        except ValueError as exc:
            problems.add(
                ErrorCode.INVALID_VALUE, f"value for {path}: {exc}.", "onSubmit", i, "value"
            )
            continue
        checked.append({"path": path, "value": value})
    return checked


def writable(path: Any, catalogue: Catalogue) -> TypeGuard[str]:
    """Whether a form's onSubmit may set `path` (a rule path of the contact or its partner)."""
    if not isinstance(path, str):
        return False
    found = resolve(path, Subject.CONTACT, catalogue)
    return found is not None and (path in WRITABLE or found.attribute_key is not None)


def check_values(fields: list[dict[str, Any]], raw: Any, problems: Problems) -> dict[str, Any]:
    """What a contact submitted, checked against the form's fields (problems at
    ["values", name]); blank optional values are kept as null."""
    if not isinstance(raw, dict):
        problems.add(ErrorCode.INVALID_VALUE, "values: expected a JSON object.", "values")
        return {}
    by_name = {f["name"]: f for f in fields}
    for key in raw:
        if key not in by_name:
            problems.add(
                ErrorCode.UNKNOWN_FIELD,
                f"{key!r} is not a field of this form; its fields are {sorted(by_name)}.",
                "values",
                str(key),
            )
    kept: dict[str, Any] = {}
    for name, spec in by_name.items():
        if name not in raw and not spec["required"]:
            continue
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec["required"]:
                problems.add(ErrorCode.REQUIRED, f"{spec['label']} is required.", "values", name)
            else:
                kept[name] = None
            continue
        try:
            kept[name] = _coerce(spec["type"], value)
        except ValueError as exc:
            problems.add(ErrorCode.INVALID_VALUE, f"{spec['label']}: {exc}.", "values", name)
    return kept


def _coerce(kind: str, value: Any) -> Any:
    if kind == "STRING":
        return validation.text(value, max_length=MAX_STRING_VALUE, multiline=True)
    if kind == "NUMBER":
        return coerce_number(value)
    if kind == "BOOLEAN":
        if not isinstance(value, bool):
            raise ValueError("expected true or false")
        return value
    return coerce_date(value).isoformat()


@dataclass
class Patches:
    """A form's updates split by owner: PartnerInput and updateContact patches."""

    partner: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, Any] = field(default_factory=dict)


def patches(updates: list[dict[str, Any]]) -> Patches:
    split = Patches()
    for update in updates:
        owner, _, rest = update["path"].partition(".")
        patch = split.partner if owner == "partner" else split.contact
        if rest.startswith("attributes."):
            patch.setdefault("attributes", {})[rest.removeprefix("attributes.")] = update["value"]
        else:
            patch[rest] = update["value"]
    return split
