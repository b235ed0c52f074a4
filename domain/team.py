"""A company's team: roles and deactivation. A company always keeps an active admin."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.contacts import contact_changed
from domain.errors import DomainError, ErrorCode, not_found
from domain.models import Contact
from domain.principal import ContactRole, ContactStatus


async def _other_active_admins(session: AsyncSession, contact: Contact) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(
                Contact.partner_id == contact.partner_id,
                Contact.id != contact.id,
                Contact.role == ContactRole.ADMIN.value,
                Contact.status == ContactStatus.ACTIVE.value,
            )
        )
        or 0
    )


async def _refuse_losing_last_admin(session: AsyncSession, contact: Contact) -> None:
    # Callers hold the company's lock (domain.locks): two admins demoting each other
    # concurrently run one after the other, so they cannot both see "one other admin".
    is_active_admin = (
        contact.role == ContactRole.ADMIN.value and contact.status == ContactStatus.ACTIVE.value
    )
    if is_active_admin and not await _other_active_admins(session, contact):
        raise DomainError.one(
            ErrorCode.LAST_ADMIN,
            f"{contact.email} is the company's last active admin; make someone else admin first.",
            ["contactId"],
        )


async def set_role(session: AsyncSession, contact: Contact | None, role: ContactRole) -> Contact:
    """Change a contact's role (None: absent or not manageable by the caller).

    The caller holds the company's lock (domain.services.partners.writable_contact)."""
    if contact is None:
        raise not_found("contact", ["contactId"])
    if contact.role == role.value:
        return contact
    if role is not ContactRole.ADMIN:
        await _refuse_losing_last_admin(session, contact)
    contact.role = role.value
    await session.flush()
    await contact_changed(session, contact, frozenset({"contact.role"}))
    return contact


async def deactivate(session: AsyncSession, contact: Contact | None) -> Contact:
    """Deactivate a contact: its tokens stop working at once (checked on every request)."""
    if contact is None:
        raise not_found("contact", ["contactId"])
    if contact.status == ContactStatus.DEACTIVATED.value:
        return contact
    await _refuse_losing_last_admin(session, contact)
    contact.status = ContactStatus.DEACTIVATED.value
    await session.flush()
    await contact_changed(session, contact, frozenset({"contact.status"}))
    return contact
