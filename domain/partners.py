"""Partner records: create, update and CRM upsert, each validated whole before writing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import validation
from domain.catalogue import PICKLIST_COLUMNS, AttributeSubject, Catalogue, merge_attributes
from domain.errors import DomainError, ErrorCode, Problems, not_found
from domain.locks import lock_partners
from domain.models import Partner, PartnerMetrics
from domain.segments.membership import ChangeSet, apply_changes

# PartnerInput names (the public vocabulary, also used by profile layouts) -> columns.
INPUT_COLUMNS = {
    "externalId": "external_id",
    "name": "name",
    "type": "type",
    "tier": "tier",
    "region": "region",
    "country": "country",
    "phase": "phase",
    "verticals": "verticals",
    "joinedAt": "joined_at",
    "attributes": "attributes",
}
REQUIRED = ("name", "type", "tier", "region", "phase")
PICKLIST_OF = {column: field for field, column in PICKLIST_COLUMNS.items()}
MAX_UPSERT_BATCH = 1000
MAX_NAME = 200
MAX_EXTERNAL_ID = 128
MAX_VERTICAL = 100


@dataclass(frozen=True)
class PartnerChange:
    """What one write did to one partner, in rule paths (e.g. "partner.tier").

    A created partner reports no fields: everything about it is new.
    """

    partner: Partner
    created: bool
    fields: frozenset[str]


def rule_path(input_name: str, attribute_key: str | None = None) -> str:
    if attribute_key is not None:
        return f"partner.attributes.{attribute_key}"
    return f"partner.{input_name}"


def _validate_value(catalogue: Catalogue, name: str, value: Any, problems: Problems) -> Any:
    column = INPUT_COLUMNS[name]
    try:
        if column in PICKLIST_OF:
            allowed = catalogue.values(PICKLIST_OF[column])
            if value not in allowed:
                raise ValueError(f"expected one of {allowed}, got {value!r}")
            return value
        if name == "name":
            return validation.text(value, max_length=MAX_NAME)
        if name == "externalId":
            return validation.identifier(value, max_length=MAX_EXTERNAL_ID)
        if name == "country":
            return validation.country(value)
        if name == "verticals":
            return validation.string_list(value, max_items=50, max_length=MAX_VERTICAL)
        if name == "joinedAt":
            return validation.timestamp(value)
    except ValueError as exc:
        problems.add(ErrorCode.INVALID_VALUE, f"{name}: {exc}.", name)
    return None


def validate_patch(
    catalogue: Catalogue,
    patch: Mapping[str, Any],
    problems: Problems,
    current: Partner | None,
) -> dict[str, Any]:
    """Column values for the fields present in `patch`; omitted fields are left alone."""
    values: dict[str, Any] = {}
    for name, value in patch.items():
        if name not in INPUT_COLUMNS:
            problems.add(ErrorCode.UNKNOWN_FIELD, f"{name!r} is not a partner field.", name)
            continue
        column = INPUT_COLUMNS[name]
        if value is None:
            if name in REQUIRED or name == "joinedAt":
                problems.add(ErrorCode.REQUIRED, f"{name} is required and cannot be cleared.", name)
            else:
                values[column] = [] if name == "verticals" else None
            continue
        if name == "attributes":
            values[column] = merge_attributes(
                catalogue,
                AttributeSubject.PARTNER,
                current.attributes if current is not None else {},
                value,
                problems,
                name,
            )
            continue
        checked = _validate_value(catalogue, name, value, problems)
        if checked is not None:
            values[column] = checked
    if current is None:
        for name in REQUIRED:
            if name not in patch:
                problems.add(ErrorCode.REQUIRED, f"{name} is required for a new partner.", name)
    return values


def _changed_fields(partner: Partner, values: Mapping[str, Any]) -> frozenset[str]:
    columns = {column: name for name, column in INPUT_COLUMNS.items()}
    changed: set[str] = set()
    for column, new in values.items():
        old = getattr(partner, column)
        if column == "attributes":
            old = old or {}
            changed.update(
                rule_path("attributes", key)
                for key in old.keys() | new.keys()
                if old.get(key) != new.get(key)
            )
        elif old != new:
            changed.add(rule_path(columns[column]))
    return frozenset(changed)


async def _external_id_taken(
    session: AsyncSession, external_id: str, other_than: int | None
) -> bool:
    query = select(Partner.id).where(Partner.external_id == external_id)
    if other_than is not None:
        query = query.where(Partner.id != other_than)
    return await session.scalar(query.limit(1)) is not None


async def create_partner(
    session: AsyncSession,
    catalogue: Catalogue,
    patch: Mapping[str, Any],
    path: Sequence[str | int] = ("input",),
) -> PartnerChange:
    problems = Problems(path)
    values = validate_patch(catalogue, patch, problems, current=None)
    external_id = values.get("external_id")
    if external_id and await _external_id_taken(session, external_id, None):
        problems.add(
            ErrorCode.DUPLICATE,
            f"Another partner already has externalId {external_id!r}.",
            "externalId",
        )
    problems.raise_if_any()
    partner = Partner(**values)
    session.add(partner)
    await session.flush()
    session.add(PartnerMetrics(partner_id=partner.id))
    await session.flush()
    change = PartnerChange(partner, True, frozenset())
    await refresh_memberships(session, [change])
    return change


def _apply(partner: Partner, values: Mapping[str, Any]) -> frozenset[str]:
    changed = _changed_fields(partner, values)
    if changed:
        for column, value in values.items():
            setattr(partner, column, value)
        partner.version += 1
    return changed


async def update_partner(
    session: AsyncSession,
    catalogue: Catalogue,
    partner: Partner | None,
    patch: Mapping[str, Any],
    expected_version: int | None = None,
    path: Sequence[str | int] = ("input",),
    id_path: Sequence[str | int] = ("id",),
) -> PartnerChange:
    """Apply `patch` to a partner the caller may write (None: absent or not visible)."""
    if partner is None:
        raise not_found("partner", id_path)
    if expected_version is not None and expected_version != partner.version:
        raise DomainError.one(
            ErrorCode.VERSION_CONFLICT,
            f"The partner changed since you loaded it (you had version {expected_version}, "
            f"it is now {partner.version}). Reload and apply your change again.",
            ["expectedVersion"],
        )
    problems = Problems(path)
    values = validate_patch(catalogue, patch, problems, current=partner)
    external_id = values.get("external_id")
    if external_id and await _external_id_taken(session, external_id, partner.id):
        problems.add(
            ErrorCode.DUPLICATE,
            f"Another partner already has externalId {external_id!r}.",
            "externalId",
        )
    problems.raise_if_any()
    change = PartnerChange(partner, False, _apply(partner, values))
    await session.flush()
    await refresh_memberships(session, [change])
    return change


async def upsert_partners(
    session: AsyncSession, catalogue: Catalogue, inputs: Sequence[Mapping[str, Any]]
) -> list[PartnerChange]:
    """Create or update by externalId, all or nothing: every bad input is reported."""
    if len(inputs) > MAX_UPSERT_BATCH:
        raise DomainError.one(
            ErrorCode.TOO_MANY,
            f"At most {MAX_UPSERT_BATCH} partners per call; got {len(inputs)}. Send batches.",
            ["inputs"],
        )
    problems = Problems()
    keys: list[str | None] = []
    first_index: dict[str, int] = {}
    for i, patch in enumerate(inputs):
        key = patch.get("externalId")
        if not isinstance(key, str) or not key.strip():
            problems.add(
                ErrorCode.REQUIRED,
                "externalId is required: upserts are keyed by it.",
                "inputs",
                i,
                "externalId",
            )
            keys.append(None)
            continue
        try:
            key = validation.identifier(key, max_length=MAX_EXTERNAL_ID)
        except ValueError:
            keys.append(None)  # validate_patch says what is wrong with it
            continue
        if key in first_index:
            problems.add(
                ErrorCode.DUPLICATE,
                f"externalId {key!r} also appears at index {first_index[key]}.",
                "inputs",
                i,
                "externalId",
            )
        first_index.setdefault(key, i)
        keys.append(key)
    known = select(Partner.id).where(Partner.external_id.in_(first_index))
    await lock_partners(session, await session.scalars(known))  # one order: ascending ids
    existing = {
        p.external_id: p
        for p in await session.scalars(select(Partner).where(Partner.external_id.in_(first_index)))
    }
    planned: list[tuple[Partner | None, dict[str, Any]]] = []
    for i, (patch, key) in enumerate(zip(inputs, keys, strict=True)):
        current = existing.get(key) if key else None
        item_problems = Problems(("inputs", i))
        planned.append((current, validate_patch(catalogue, patch, item_problems, current)))
        problems.extend(item_problems)
    problems.raise_if_any()

    changes: list[PartnerChange] = []
    for current, values in planned:
        if current is None:
            partner = Partner(**values)
            session.add(partner)
            changes.append(PartnerChange(partner, True, frozenset()))
        else:
            changes.append(PartnerChange(current, False, _apply(current, values)))
    await session.flush()
    session.add_all(PartnerMetrics(partner_id=c.partner.id) for c in changes if c.created)
    await session.flush()
    await refresh_memberships(session, changes)
    return changes


async def refresh_memberships(session: AsyncSession, changes: Sequence[PartnerChange]) -> None:
    """Move the segment memberships these writes affect, in the same transaction."""
    change_set = ChangeSet()
    for change in changes:
        if change.created or change.fields:
            change_set.partner(change.partner.id, None if change.created else change.fields)
    await apply_changes(session, change_set)
