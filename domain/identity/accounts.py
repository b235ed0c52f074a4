"""Staff accounts, sign-in, and turning a verified token into a Principal."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import validation
from domain.direct import DirectSelect
from domain.errors import ErrorCode, Problems
from domain.identity import passwords
from domain.models import Contact, StaffMember
from domain.principal import ContactRole, ContactStatus, Principal, PrincipalKind, StaffRole

WRONG_CREDENTIALS = "The email or password is not correct."

_STAFF_TABLE = StaffMember.__table__
# Read on every staff request: straight on the driver (see domain.direct).
_STAFF = DirectSelect(
    lambda in_ids: select(
        _STAFF_TABLE.c.id,
        _STAFF_TABLE.c.email,
        _STAFF_TABLE.c.name,
        _STAFF_TABLE.c.role,
        _STAFF_TABLE.c.active,
    ).where(in_ids(_STAFF_TABLE.c.id))
)


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
    display_name = email.split("@")[0]
    if name is not None and name.strip():
        try:
            display_name = validation.text(name, max_length=200)
        except ValueError as exc:
            problems.add(ErrorCode.INVALID_VALUE, f"name: {exc}.", "name")
    problems.raise_if_any()
    staff = StaffMember(
        email=email,
        name=display_name,
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


async def load_principal(session: AsyncSession, kind: PrincipalKind, pk: int) -> Principal | None:
    """The principal behind a verified token, if its account may still sign in."""
    if kind is PrincipalKind.CONTACT:
        contact = await session.get(Contact, pk)
        if contact is None or contact.status != ContactStatus.ACTIVE:
            return None
        return contact_principal(contact)
    rows = await _STAFF.rows(session, [pk])
    if not rows or not rows[0].active:
        return None
    return staff_principal(rows[0])
