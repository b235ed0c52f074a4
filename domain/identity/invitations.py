"""Inviting contacts: a single-use, expiring token that sets the password on acceptance."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import validation
from domain.clock import utcnow
from domain.contacts import contact_changed, create_contact
from domain.errors import DomainError, ErrorCode, Problems
from domain.identity import passwords
from domain.identity.accounts import email_in_use
from domain.models import Contact, Invitation, Partner
from domain.principal import ContactRole, ContactStatus

DEFAULT_TTL = timedelta(days=7)
INVALID = "This invitation is invalid, has expired or was already used. Ask for a new one."


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def invite_contact(
    session: AsyncSession,
    partner: Partner,
    email: str,
    name: str,
    role: ContactRole,
    invited_by: str,
    ttl: timedelta = DEFAULT_TTL,
) -> tuple[Contact, str, bool]:
    """(contact, token, created). Inviting a still-INVITED contact again renews its invitation."""
    problems = Problems()
    contact: Contact | None = None
    try:
        email = validation.email(email)
    except ValueError as exc:
        problems.add(ErrorCode.INVALID_VALUE, f"email: {exc}.", "email")
    else:
        contact = await session.scalar(select(Contact).where(Contact.email == email))
        renewable = (
            contact is not None
            and contact.partner_id == partner.id
            and contact.status == ContactStatus.INVITED
        )
        if not renewable:
            contact = None
            if await email_in_use(session, email):
                problems.add(ErrorCode.DUPLICATE, f"{email} already has an account.", "email")
    try:
        name = validation.text(name, max_length=200)
    except ValueError as exc:
        problems.add(ErrorCode.INVALID_VALUE, f"name: {exc}.", "name")
    problems.raise_if_any()

    created = contact is None
    if contact is None:
        contact = await create_contact(session, partner.id, email, name, role)
    else:
        if contact.role != role.value:
            contact.role = role.value
            await contact_changed(session, contact, frozenset({"contact.role"}))
        contact.name = name
        await session.execute(
            update(Invitation)
            .where(Invitation.contact_id == contact.id, Invitation.used_at.is_(None))
            .values(expires_at=utcnow())
        )
    token = secrets.token_urlsafe(32)
    session.add(
        Invitation(
            contact_id=contact.id,
            token_hash=_digest(token),
            invited_by=invited_by,
            expires_at=utcnow() + ttl,
        )
    )
    await session.flush()
    return contact, token, created


async def accept_invitation(session: AsyncSession, token: str, password: str) -> Contact:
    invitation = await session.scalar(
        select(Invitation).where(Invitation.token_hash == _digest(token)).with_for_update()
    )
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
        raise DomainError.one(ErrorCode.INVALID_TOKEN, INVALID, ["token"])
    contact = await session.get(Contact, invitation.contact_id)
    if contact is None or contact.status != ContactStatus.INVITED:
        raise DomainError.one(ErrorCode.INVALID_TOKEN, INVALID, ["token"])
    if (why := passwords.check_policy(password)) is not None:
        raise DomainError.one(ErrorCode.INVALID_VALUE, why, ["password"])
    invitation.used_at = utcnow()
    contact.password_hash = passwords.hash_password(password)
    contact.status = ContactStatus.ACTIVE.value
    contact.last_login_at = utcnow()
    await session.flush()
    await contact_changed(session, contact, frozenset({"contact.status", "contact.lastLoginAt"}))
    return contact
