"""Inviting contacts: a single-use, expiring token that sets the password on acceptance."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import ids, validation
from domain.clock import utcnow
from domain.contacts import contact_changed, create_contact
from domain.errors import DomainError, ErrorCode, Problems
from domain.identity.accounts import email_in_use
from domain.models import Contact, Invitation, Partner
from domain.principal import ContactRole, ContactStatus

DEFAULT_TTL = timedelta(days=7)
INVALID = "This invitation is invalid, has expired or was already used. Ask for a new one."
# A partner admin is not told whether an address outside its company has an account.
NOT_INVITABLE = (
    "This address cannot be invited from the partner portal; ask your channel manager to add "
    "this person."
)
MAX_NAME = 200


async def _inviter_company(
    session: AsyncSession, invited_by: str, inviter_partner_id: int | None
) -> int | None:
    """The company of a partner contact who invites (None: staff or an integrator).

    Taken from `invited_by` ("contact:<id>") when the caller does not say, so a caller that
    forgets to pass it still reveals nothing.
    """
    if inviter_partner_id is not None:
        return inviter_partner_id
    kind, _, global_id = invited_by.partition(":")
    contact_pk = ids.decode_as(global_id, "Contact") if kind == "contact" else None
    if contact_pk is None:
        return None
    return await session.scalar(select(Contact.partner_id).where(Contact.id == contact_pk))


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
    *,
    inviter_partner_id: int | None = None,
) -> tuple[Contact, str, bool]:
    """(contact, token, created). Inviting a still-INVITED contact again renews its invitation.

    Every field is checked before the address is looked up. A partner admin (the company in
    `inviter_partner_id`, or that of the contact `invited_by` names) hears DUPLICATE only for
    addresses of its own company: any other address in use is refused without saying so.
    """
    problems = Problems()
    try:
        email = validation.email(email)
    except ValueError as exc:
        problems.add(ErrorCode.INVALID_VALUE, f"email: {exc}.", "email")
    try:
        name = validation.text(name, max_length=MAX_NAME)
    except ValueError as exc:
        problems.add(ErrorCode.INVALID_VALUE, f"name: {exc}.", "name")
    problems.raise_if_any()

    contact = await session.scalar(select(Contact).where(Contact.email == email))
    renewable = (
        contact is not None
        and contact.partner_id == partner.id
        and contact.status == ContactStatus.INVITED
    )
    if not renewable:
        if contact is not None or await email_in_use(session, email):
            company = await _inviter_company(session, invited_by, inviter_partner_id)
            if company is not None and (contact is None or contact.partner_id != company):
                raise DomainError.one(ErrorCode.INVALID_VALUE, NOT_INVITABLE, ["email"])
            raise DomainError.one(
                ErrorCode.DUPLICATE, f"{email} already has an account.", ["email"]
            )
        contact = None

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


async def open_invitation(session: AsyncSession, token: str, *, lock: bool) -> Invitation | None:
    """The unused, unexpired invitation behind `token` (locked for redeeming if `lock`)."""
    query = select(Invitation).where(Invitation.token_hash == _digest(token))
    invitation = await session.scalar(query.with_for_update() if lock else query)
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
        return None
    return invitation
