"""Contact records: the parts staff and integrators maintain (title, custom attributes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain import metrics, validation
from domain.catalogue import AttributeSubject, Catalogue, merge_attributes
from domain.errors import ErrorCode, Problems, not_found
from domain.models import Contact
from domain.principal import ContactRole, ContactStatus
from domain.segments import hooks
from domain.segments.membership import ChangeSet, apply_changes


@dataclass(frozen=True)
class ContactChange:
    """What one write did to one contact, in rule paths (e.g. "contact.role")."""

    contact: Contact
    fields: frozenset[str]


async def create_contact(
    session: AsyncSession,
    partner_id: int,
    email: str,
    name: str,
    role: ContactRole,
    *,
    status: ContactStatus = ContactStatus.INVITED,
    password_hash: str | None = None,
    title: str | None = None,
) -> Contact:
    """Insert a contact whose email and name were already validated."""
    contact = Contact(
        partner_id=partner_id,
        email=email,
        name=name,
        role=role.value,
        status=status.value,
        title=title,
        attributes={},
        password_hash=password_hash,
    )
    session.add(contact)
    await session.flush()
    await contact_changed(session, contact, None)
    return contact


async def contact_changed(
    session: AsyncSession, contact: Contact, fields: frozenset[str] | None
) -> None:
    """A change to `fields` of a contact (None: a new contact) moves its segments, and its
    company's metrics (and so partner segments) where those derive from contacts."""
    await contacts_changed(session, {contact.id: contact.partner_id}, fields)


async def contacts_changed(
    session: AsyncSession, partner_of: Mapping[int, int], fields: frozenset[str] | None
) -> None:
    """The same change to many contacts ({contact id: partner id}), in a few statements."""
    if not partner_of or (fields is not None and not fields):
        return
    change_set = ChangeSet()
    for contact_id in partner_of:
        change_set.contact(contact_id, fields)
    moved = await metrics.refresh(
        session, set(partner_of.values()), metrics.driven_by(fields), move_memberships=False
    )
    for partner_id, paths in moved.changed.items():
        change_set.partner(partner_id, paths)
    await apply_changes(session, change_set)
    if fields is None or "contact.role" in fields:
        # Audiences read roles directly: what follows them re-checks these contacts.
        await hooks.notify(session, hooks.contacts_changed(partner_of))


async def update_contact(
    session: AsyncSession,
    catalogue: Catalogue,
    contact: Contact | None,
    patch: Mapping[str, Any],
) -> ContactChange:
    """Apply title/attributes to a contact the caller may write (None: absent or not visible)."""
    if contact is None:
        raise not_found("contact", ["id"])
    problems = Problems()
    changed: set[str] = set()
    if "title" in patch:
        title = patch["title"]
        if title is not None:
            try:
                title = validation.text(title, max_length=200, allow_empty=True) or None
            except ValueError as exc:
                problems.add(ErrorCode.INVALID_VALUE, f"title: {exc}.", "title")
        if title != contact.title:
            changed.add("contact.title")
    attributes = contact.attributes
    if "attributes" in patch:
        attributes = merge_attributes(
            catalogue,
            AttributeSubject.CONTACT,
            contact.attributes or {},
            patch["attributes"],
            problems,
            "attributes",
        )
        old = contact.attributes or {}
        changed.update(
            f"contact.attributes.{key}"
            for key in old.keys() | attributes.keys()
            if old.get(key) != attributes.get(key)
        )
    problems.raise_if_any()
    if "contact.title" in changed:
        contact.title = title
    contact.attributes = attributes
    await session.flush()
    await contact_changed(session, contact, frozenset(changed))
    return ContactChange(contact, frozenset(changed))
