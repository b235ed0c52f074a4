"""Staff accounts, sign-in, and turning a verified token into a Principal."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import validation
from domain.clock import utcnow
from domain.contacts import contact_changed
from domain.db import Database
from domain.errors import DomainError, ErrorCode, Problems, TooManyAttempts
from domain.identity import passwords
from domain.identity.throttle import SignInThrottle
from domain.locks import lock_partners
from domain.models import Contact, StaffMember
from domain.principal import ContactRole, ContactStatus, Principal, PrincipalKind, StaffRole
from domain.uow import UnitOfWork

WRONG_CREDENTIALS = "The email or password is not correct."


async def email_in_use(session: AsyncSession, email: str) -> bool:
    """Emails sign people in, so one address belongs to one contact or staff member."""
    for model in (Contact, StaffMember):
        if await session.scalar(select(model.id).where(model.email == email).limit(1)):
            return True
    return False


async def create_staff(
    session: AsyncSession, email: str, password: str, role: StaffRole, name: str | None = None
) -> StaffMember:
    problems = Problems()
    try:
        email = validation.email(email)
    except ValueError as exc:
        problems.add(ErrorCode.INVALID_VALUE, f"email: {exc}.", "email")
    else:
        if await email_in_use(session, email):
            problems.add(ErrorCode.DUPLICATE, f"{email} already has an account.", "email")
    if (why := passwords.check_policy(password)) is not None:
        problems.add(ErrorCode.INVALID_VALUE, f"password: {why}", "password")
    problems.raise_if_any()
    staff = StaffMember(
        email=email,
        name=(name or "").strip()[:200] or email.split("@")[0],
        role=role.value,
        password_hash=passwords.hash_password(password),
    )
    session.add(staff)
    await session.flush()
    return staff


def contact_principal(contact: Contact) -> Principal:
    return Principal(
        kind=PrincipalKind.CONTACT,
        id=contact.id,
        email=contact.email,
        name=contact.name,
        contact_role=ContactRole(contact.role),
        partner_id=contact.partner_id,
    )


def staff_principal(staff: StaffMember) -> Principal:
    return Principal(
        kind=PrincipalKind.STAFF,
        id=staff.id,
        email=staff.email,
        name=staff.name,
        staff_role=StaffRole(staff.role),
    )


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
        for pk, stored, status in contacts:
            return _Account(PrincipalKind.CONTACT, pk, stored, status == ContactStatus.ACTIVE)
    return None


async def sign_in(
    uow: UnitOfWork,
    email: str,
    password: str,
    *,
    throttle: SignInThrottle,
    address: str | None = None,
) -> Principal:
    """The signed-in principal; a wrong email and a wrong password are indistinguishable.

    Throttled per account and per address before any password is checked. The password is
    verified off the event loop and before the write transaction begins, so a burst of
    sign-ins neither stalls other requests nor holds write locks while hashing.
    """
    email = email.strip().lower()[:320]
    uow.detail = {"email": email}
    wait = await throttle.retry_after(email, address)
    if wait is not None:
        raise TooManyAttempts(wait, ["email"])
    account = await _find_account(uow.db, email)
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
        return staff_principal(staff)
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
    return contact_principal(contact)


async def load_principal(session: AsyncSession, kind: PrincipalKind, pk: int) -> Principal | None:
    """The principal behind a verified token, if its account may still sign in."""
    if kind is PrincipalKind.CONTACT:
        contact = await session.get(Contact, pk)
        if contact is None or contact.status != ContactStatus.ACTIVE:
            return None
        return contact_principal(contact)
    staff = await session.get(StaffMember, pk)
    if staff is None or not staff.active:
        return None
    return staff_principal(staff)
