"""Signing in, redeeming invitations, staff accounts and integrator keys.

Passwords are checked and hashed off the event loop and before the write transaction
begins (the unit of work's session opens its transaction on first use), so a burst of
sign-ins neither stalls other requests nor holds write locks while hashing. Sign-in
attempts are throttled per account and per client address before anything is checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import ids, telemetry, validation
from domain.clock import utcnow
from domain.contacts import contact_changed
from domain.db import Database
from domain.errors import DomainError, ErrorCode, TooManyAttempts
from domain.identity import accounts, api_keys, invitations, passwords
from domain.identity.throttle import SignInThrottle
from domain.locks import lock_partners
from domain.models import ApiKey, Contact, StaffMember
from domain.principal import ContactStatus, Principal, PrincipalKind, StaffRole
from domain.uow import UnitOfWork

WRONG_CREDENTIALS = accounts.WRONG_CREDENTIALS


@dataclass(frozen=True)
class _Account:
    kind: PrincipalKind
    id: int
    password_hash: str | None
    active: bool


async def _find_account(db: Database, email: str) -> _Account | None:
    async with db.read() as session:
        staff = await session.execute(
            select(StaffMember.id, StaffMember.password_hash, StaffMember.active).where(
                StaffMember.email == email
            )
        )
        for pk, stored, active in staff:
            return _Account(PrincipalKind.STAFF, pk, stored, bool(active))
        contacts = await session.execute(
            select(Contact.id, Contact.password_hash, Contact.status).where(Contact.email == email)
        )
        for pk, hashed, status in contacts:
            return _Account(PrincipalKind.CONTACT, pk, hashed, status == ContactStatus.ACTIVE)
    return None


async def sign_in(
    uow: UnitOfWork,
    email: str,
    password: str,
    *,
    throttle: SignInThrottle,
    address: str | None = None,
) -> Principal:
    """The signed-in principal; a wrong email and a wrong password are indistinguishable."""
    email = email.strip().lower()[:320]
    uow.detail = {"email": email}
    wait = await throttle.retry_after(email, address)
    if wait is not None:
        telemetry.recorder().sign_in_throttled("login")
        raise TooManyAttempts(wait, ["email"])
    # An address no account can hold (a NUL...) is simply unknown; it is never looked up.
    account = await _find_account(uow.db, email) if validation.storable(email) else None
    ok = await passwords.verify_off_loop(account.password_hash if account else None, password)
    if account is None or not (ok and account.active):
        await throttle.failed(email, address)
        raise DomainError.one(ErrorCode.INVALID_CREDENTIALS, WRONG_CREDENTIALS, ["password"])
    await throttle.succeeded(email)
    rehashed = (
        await passwords.hash_password_off_loop(password)
        if passwords.needs_rehash(account.password_hash or "")
        else None
    )
    principal = await _record_sign_in(uow.session, account, rehashed)
    if principal is None:  # deactivated between the check and the write
        raise DomainError.one(ErrorCode.INVALID_CREDENTIALS, WRONG_CREDENTIALS, ["password"])
    uow.actor = principal
    return principal


async def _record_sign_in(
    session: AsyncSession, account: _Account, rehashed: str | None
) -> Principal | None:
    if account.kind is PrincipalKind.STAFF:
        staff = await session.get(StaffMember, account.id)
        if staff is None or not staff.active:
            return None
        if rehashed:
            staff.password_hash = rehashed
            await session.flush()
        return accounts.staff_principal(staff)
    partner_id = await session.scalar(select(Contact.partner_id).where(Contact.id == account.id))
    if partner_id is None:
        return None
    await lock_partners(session, [partner_id])
    contact = await session.scalar(
        select(Contact).where(Contact.id == account.id).with_for_update()
    )
    if contact is None or contact.status != ContactStatus.ACTIVE:
        return None
    if rehashed:
        contact.password_hash = rehashed
    contact.last_login_at = utcnow()
    await session.flush()
    await contact_changed(session, contact, frozenset({"contact.lastLoginAt"}))
    return accounts.contact_principal(contact)


async def accept_invitation(
    uow: UnitOfWork,
    token: str,
    password: str,
    *,
    throttle: SignInThrottle,
    address: str | None = None,
) -> Principal:
    """Redeem an invitation: set the password, activate the contact, sign it in.

    Wrong tokens count against the client address like wrong passwords.
    """
    wait = await throttle.retry_after(None, address)
    if wait is not None:
        telemetry.recorder().sign_in_throttled("invitation")
        raise TooManyAttempts(wait, ["token"])
    async with uow.db.read() as session:
        invitation = await invitations.open_invitation(session, token, lock=False)
        contact_id = invitation.contact_id if invitation else None
    if contact_id is None:
        await throttle.failed(None, address)
        raise DomainError.one(ErrorCode.INVALID_TOKEN, invitations.INVALID, ["token"])
    if (why := passwords.check_policy(password)) is not None:
        raise DomainError.one(ErrorCode.INVALID_VALUE, why, ["password"])
    hashed = await passwords.hash_password_off_loop(password)
    session = uow.session
    partner_id = await session.scalar(select(Contact.partner_id).where(Contact.id == contact_id))
    await lock_partners(session, [partner_id] if partner_id is not None else [])
    invitation = await invitations.open_invitation(session, token, lock=True)
    contact = await session.get(Contact, contact_id, with_for_update=True)
    if invitation is None or contact is None or contact.status != ContactStatus.INVITED:
        raise DomainError.one(ErrorCode.INVALID_TOKEN, invitations.INVALID, ["token"])
    invitation.used_at = utcnow()
    contact.password_hash = hashed
    contact.status = ContactStatus.ACTIVE.value
    contact.last_login_at = utcnow()
    await session.flush()
    await contact_changed(session, contact, frozenset({"contact.status", "contact.lastLoginAt"}))
    principal = accounts.contact_principal(contact)
    uow.actor = principal
    uow.target = f"Contact:{principal.global_id}"
    return principal


async def create_staff(
    uow: UnitOfWork, email: str, password: str, role: StaffRole, name: str | None = None
) -> StaffMember:
    """A staff account (the first comes from `partnerscope create-staff`, audited as "cli")."""
    uow.detail = {"email": email, "role": role, "name": name}
    staff = await accounts.create_staff(uow.session, email, password, role, name)
    uow.target = f"StaffMember:{ids.encode('StaffMember', staff.id)}"
    return staff


async def create_api_key(uow: UnitOfWork, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """(the key, its secret, shown once)."""
    principal = uow.principal
    uow.detail = {"name": name, "scopes": scopes}
    key, secret = await api_keys.create_api_key(
        uow.session, name, scopes, principal.id if principal.is_staff else None
    )
    uow.target = f"ApiKey:{ids.encode('ApiKey', key.id)}"
    return key, secret


async def revoke_api_key(uow: UnitOfWork, key_id: str) -> ApiKey:
    uow.target = f"ApiKey:{key_id}"
    return await api_keys.revoke_api_key(uow.session, ids.decode_as(key_id, "ApiKey"))


async def staff_members(session: AsyncSession) -> list[StaffMember]:
    return list(await session.scalars(select(StaffMember).order_by(StaffMember.email)))
