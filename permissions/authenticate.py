"""Credentials -> Principal: `Authorization: Bearer <jwt>` or `Authorization: ApiKey <secret>`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from domain import audit, ids, visibility
from domain.db import Database
from domain.identity import accounts, api_keys, signed_in
from domain.identity.tokens import InvalidToken, TokenIssuer
from domain.models import Contact
from domain.principal import Principal, PrincipalKind, StaffRole

NO_CREDENTIALS = (
    "Sign in first: send `Authorization: Bearer <token>` or `Authorization: ApiKey <key>`."
)
REVOKED = "This account or key can no longer sign in."


@dataclass(frozen=True)
class Authentication:
    principal: Principal | None
    # Why the credentials sent were refused (None when none were sent or they were fine).
    error: str | None = None
    # FORBIDDEN when valid credentials asked for something they may not have (X-View-As).
    code: str = "UNAUTHENTICATED"
    # A signed-in contact's segments and access stamp, read with its account in one
    # statement (permissions.viewer uses them instead of reading them again).
    contact: signed_in.SignedInContact | None = None

    @property
    def message(self) -> str:
        return self.error or NO_CREDENTIALS


async def authenticate(
    db: Database, headers: Mapping[str, str], tokens: TokenIssuer
) -> Authentication:
    auth = await _credentials(db, headers, tokens)
    view_as = headers.get("x-view-as", "").strip()
    if view_as and auth.principal is not None:
        return await _view_as(db, auth.principal, view_as)
    return auth


async def _view_as(db: Database, staff: Principal, contact_id: str) -> Authentication:
    """A staff member sees exactly a contact's portal, read-only; every use is audited."""
    contact = None
    if staff.is_staff_role(StaffRole.VENDOR_ADMIN, StaffRole.CHANNEL_MANAGER):
        pk = ids.decode_as(contact_id, "Contact")
        async with db.read() as session:
            contact = pk and await session.scalar(
                select(Contact).where(Contact.id == pk, visibility.contacts_readable(staff))
            )
    async with db.write() as session:
        audit.record(
            session,
            actor=staff.label,
            action="VIEW_AS" if contact else "FORBIDDEN:VIEW_AS",
            outcome=audit.Outcome.OK if contact else audit.Outcome.FORBIDDEN,
            target=f"Contact:{contact_id}"[:200],
        )
    if not contact:
        return Authentication(
            None, "You may not view the portal of this contact (X-View-As).", code="FORBIDDEN"
        )
    principal = dataclasses.replace(accounts.contact_principal(contact), previewed_by=staff)
    return Authentication(principal)


async def _credentials(
    db: Database, headers: Mapping[str, str], tokens: TokenIssuer
) -> Authentication:
    header = headers.get("authorization", "").strip()
    if not header:
        return Authentication(None)
    scheme, _, credential = header.partition(" ")
    credential = credential.strip()
    scheme = scheme.lower()
    if scheme == "bearer" and credential:
        try:
            kind, pk = tokens.verify(credential)
        except InvalidToken as exc:
            return Authentication(None, str(exc))
        async with db.read() as session:
            if kind is PrincipalKind.CONTACT:
                contact = await signed_in.load(session, pk)
                if contact is None:
                    return Authentication(None, REVOKED)
                return Authentication(contact.principal, contact=contact)
            principal = await accounts.load_principal(session, kind, pk)
        return Authentication(principal, None if principal else REVOKED)
    if scheme == "apikey" and credential:
        async with db.read() as session:
            found = await api_keys.principal_for_secret(session, credential)
        if found is None:
            return Authentication(None, "The API key is not valid or has been revoked.")
        principal, stale = found
        if stale:
            async with db.write() as session:
                await api_keys.touch(session, principal.id)
        return Authentication(principal)
    return Authentication(
        None, "Unsupported Authorization header: use `Bearer <token>` or `ApiKey <key>`."
    )
