"""The partner profile as its own contacts edit it: through their PARTNER_PROFILE layout.

The layout (record type "default") a contact's audiences choose says which fields it may
send: a field outside it is UNKNOWN_FIELD, a read-only one READ_ONLY, a required one set
to null or blank REQUIRED; values are checked as PartnerInput's are (INVALID_VALUE).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, layouts, partners
from domain.audiences import Matched
from domain.catalogue import AttributeSubject, load_catalogue, merge_attributes
from domain.errors import DomainError, ErrorCode, Problems
from domain.layouts import PROFILE_FIELDS, PROFILE_RECORD_TYPE, LayoutEntity, LayoutField
from domain.locks import lock_partners
from domain.models import Partner
from domain.services import layouts as layout_service
from domain.services.partners import partner_target
from domain.uow import UnitOfWork


async def profile_fields(session: AsyncSession, matched: Matched) -> list[LayoutField]:
    """The fields of the viewer's PARTNER_PROFILE layout, in order (none: no layout)."""
    layout = await layout_service.chosen(
        session, matched, LayoutEntity.PARTNER_PROFILE, PROFILE_RECORD_TYPE
    )
    return layouts.fields_of(layout) if layout is not None else []


async def editable_fields(session: AsyncSession, matched: Matched) -> list[str]:
    """What `capabilities.editableProfileFields` lists: the layout's writable fields."""
    return [f.name for f in await profile_fields(session, matched) if not f.read_only]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_layout(
    fields: list[LayoutField], values: Mapping[str, Any], problems: Problems
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(PartnerInput patch, attributes patch) of the keys the layout lets the viewer write."""
    by_name = {f.name: f for f in fields}
    patch: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for key, value in values.items():
        found = by_name.get(key)
        if found is None:
            problems.add(
                ErrorCode.UNKNOWN_FIELD,
                f"{key!r} is not a field of your partner profile"
                + (f"; its fields are {sorted(by_name)}." if by_name else "; it has none."),
                str(key),
            )
        elif found.read_only:
            problems.add(ErrorCode.READ_ONLY, f"{found.label} is read-only.", key)
        elif found.required and _blank(value):
            problems.add(ErrorCode.REQUIRED, f"{found.label} is required.", key)
        elif key in PROFILE_FIELDS:
            patch[key] = value
        else:
            attributes[key] = value
    return patch, attributes


async def update_partner_profile(
    uow: UnitOfWork, matched: Matched, values: Any, expected_version: int | None
) -> Partner:
    """Change the viewer's own company through its profile layout, memberships moving with it."""
    session, principal = uow.session, uow.principal
    if principal.partner_id is None:  # contacts only (the mutation's permission says so)
        raise DomainError.one(ErrorCode.NOT_FOUND, "You have no partner company.", ["values"])
    uow.target = partner_target(principal.partner_id)
    if not isinstance(values, dict):
        raise DomainError.one(
            ErrorCode.INVALID_VALUE, "values: expected a JSON object.", ["values"]
        )
    await lock_partners(session, [principal.partner_id])
    partner = await session.get(Partner, principal.partner_id, populate_existing=True)
    if partner is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "You have no partner company.", ["values"])
    if expected_version is not None and expected_version != partner.version:
        raise DomainError.one(
            ErrorCode.VERSION_CONFLICT,
            f"Your company's profile changed since you loaded it (you had version "
            f"{expected_version}, it is now {partner.version}). Reload and apply your change "
            "again.",
            ["expectedVersion"],
        )
    problems = Problems(("values",))
    patch, attributes = _check_layout(await profile_fields(session, matched), values, problems)
    catalogue = await load_catalogue(session)
    partners.validate_patch(catalogue, patch, problems, current=partner)
    merge_attributes(
        catalogue, AttributeSubject.PARTNER, partner.attributes or {}, attributes, problems
    )
    problems.raise_if_any()
    if attributes:
        patch["attributes"] = attributes
    before = _snapshot(partner)
    change = await partners.update_partner(
        session, catalogue, partner, patch, path=("values",), id_path=("values",)
    )
    uow.detail = audit.diff(before, _snapshot(change.partner))
    return change.partner


def _snapshot(partner: Partner) -> dict[str, Any]:
    return {name: getattr(partner, column) for name, column in partners.INPUT_COLUMNS.items()}
