"""Sign-in, invitations, API keys and staff listings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from domain import ids, models, visibility
from domain.errors import TooManyAttempts, not_found
from domain.identity import accounts, api_keys, invitations
from domain.identity.accounts import contact_principal
from domain.principal import ContactRole, Principal
from resolvers.mutations import AuditNote, Result, run, run_mutation


async def login(info: Info, email: str, password: str) -> Result[tuple[str, datetime, Principal]]:
    result = await run(
        info,
        accounts.sign_in,
        email,
        password,
        throttle=info.context.runtime.throttle,
        address=info.context.client_address,
    )
    return await _signed_in(info, result)


async def accept_invitation(
    info: Info, token: str, password: str
) -> Result[tuple[str, datetime, Principal]]:
    result = await run(
        info,
        invitations.accept_invitation,
        token,
        password,
        throttle=info.context.runtime.throttle,
        address=info.context.client_address,
    )
    if result.value is None:
        return await _signed_in(info, Result(None, result.problems, result.error))
    return await _signed_in(info, Result(contact_principal(result.value), []))


async def _signed_in(
    info: Info, result: Result[Principal]
) -> Result[tuple[str, datetime, Principal]]:
    """A token for the principal; the rest of the request is answered as that principal."""
    if result.value is None:
        if isinstance(result.error, TooManyAttempts):
            info.context.response.headers["Retry-After"] = str(result.error.retry_after)
        return Result(None, result.problems, result.error)
    principal = result.value
    token, expires = info.context.runtime.tokens.issue(principal.kind, principal.id)
    await info.context.sign_in(principal)
    return Result((token, expires, principal), [])


async def invite_contact(
    info: Info, partner_id: str, email: str, name: str, role: ContactRole
) -> Result[tuple[models.Contact, str]]:
    async def work(session: AsyncSession, note: AuditNote) -> tuple[models.Contact, str]:
        principal = info.context.require_principal()
        note.detail = {"email": email, "role": role, "partnerId": partner_id}
        pk = ids.decode_as(partner_id, "Partner")
        partner = None
        if pk is not None:
            partner = await session.scalar(
                select(models.Partner).where(
                    models.Partner.id == pk, visibility.team_manageable(principal)
                )
            )
        if partner is None:
            raise not_found("partner", ["partnerId"])
        contact, token, created = await invitations.invite_contact(
            session,
            partner,
            email,
            name,
            role,
            principal.label,
            ttl=info.context.runtime.invitation_ttl,
        )
        note.target = f"Contact:{ids.encode('Contact', contact.id)}"
        note.detail["renewed"] = not created
        return contact, token

    return await run_mutation(info, work)


async def create_api_key(info: Info, name: str, scopes: list[str]) -> Result[tuple[int, str]]:
    async def work(session: AsyncSession, note: AuditNote) -> tuple[int, str]:
        principal = info.context.require_principal()
        note.detail = {"name": name, "scopes": scopes}
        key, secret = await api_keys.create_api_key(
            session, name, scopes, principal.id if principal.is_staff else None
        )
        note.target = f"ApiKey:{ids.encode('ApiKey', key.id)}"
        return key.id, secret

    return await run_mutation(info, work)


async def revoke_api_key(info: Info, id: str) -> Result[models.ApiKey]:
    async def work(session: AsyncSession, note: AuditNote) -> models.ApiKey:
        note.target = f"ApiKey:{id}"
        return await api_keys.revoke_api_key(session, ids.decode_as(id, "ApiKey"))

    return await run_mutation(info, work)


async def staff_members(info: Info) -> list[models.StaffMember]:
    async with info.context.db.read() as session:
        return list(
            await session.scalars(select(models.StaffMember).order_by(models.StaffMember.email))
        )
