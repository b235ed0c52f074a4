"""Submitting a form: the values are checked and kept, and its onSubmit updates move the
contact's partner (or the contact) on, with the memberships they move, in one transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from domain import audiences, audit, contacts, forms, ids, partners
from domain.audiences import Matched
from domain.catalogue import load_catalogue
from domain.errors import DomainError, ErrorCode, Problems
from domain.locks import lock_partners
from domain.models import Contact, Form, FormSubmission, Partner
from domain.segments.service import is_key
from domain.uow import UnitOfWork


def _not_found(key: Any) -> DomainError:
    shown = f"key {key!r}" if is_key(key) else "this key"
    return DomainError.one(ErrorCode.NOT_FOUND, f"No form with {shown}.", ["key"])


async def submit_form(uow: UnitOfWork, matched: Matched, key: str, values: Any) -> FormSubmission:
    """Submit form `key` as the signed-in contact. A form whose audience the contact does not
    match is NOT_FOUND, exactly as one that does not exist."""
    session, principal = uow.session, uow.principal
    uow.target = f"Form:{key}"
    if principal.partner_id is None:  # contacts only (the mutation's permission says so)
        raise _not_found(key)
    form: Form | None = None
    if is_key(key):
        form = await session.scalar(select(Form).where(Form.key == key))
    if form is None or not audiences.admits(matched, form.audience_id):
        raise _not_found(key)
    problems = Problems()
    kept = forms.check_values(form.fields, values, problems)
    uow.detail = {"values": kept}
    problems.raise_if_any()

    await lock_partners(session, [principal.partner_id])
    partner = await session.get(Partner, principal.partner_id, populate_existing=True)
    contact = await session.get(Contact, principal.id, populate_existing=True)
    if partner is None or contact is None:
        raise _not_found(key)
    submission = FormSubmission(
        form_id=form.id,
        form_key=form.key,
        contact_id=contact.id,
        partner_id=partner.id,
        values=kept,
    )
    session.add(submission)
    catalogue = await load_catalogue(session)
    patches = forms.patches(form.on_submit)
    before = {"partner": _snapshot(partner), "contact": _contact_snapshot(contact)}
    try:
        if patches.partner:
            await partners.update_partner(session, catalogue, partner, patches.partner)
        if patches.contact:
            await contacts.update_contact(session, catalogue, contact, patches.contact)
    except DomainError as exc:
        # The catalogue moved since the form was saved (e.g. a picklist value went away).
        raise DomainError.one(
            ErrorCode.INVALID_VALUE,
            "This form's updates no longer fit the partner data ("
            + "; ".join(p.message for p in exc.problems)
            + "). Ask your channel manager to correct the form.",
            ["key"],
        ) from None
    uow.detail = {
        "values": kept,
        "partner": ids.encode("Partner", partner.id),
        "changed": {
            "partner": audit.diff(before["partner"], _snapshot(partner)),
            "contact": audit.diff(before["contact"], _contact_snapshot(contact)),
        },
    }
    await session.flush()
    return submission


def _snapshot(partner: Partner) -> dict[str, Any]:
    return {name: getattr(partner, column) for name, column in partners.INPUT_COLUMNS.items()}


def _contact_snapshot(contact: Contact) -> dict[str, Any]:
    return {"title": contact.title, "attributes": dict(contact.attributes or {})}
