"""Sign-in, invitations, API keys and staff listings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from domain import ids, models, visibility
from domain.errors import not_found
from domain.identity import accounts, api_keys, invitations
from domain.principal import ContactRole, Principal
from resolvers.mutations import AuditNote, Result, run_mutation


async def login(info: Info, email: str, password: str) -> Result[tuple[str, datetime, Principal]]:
    async def work(session: AsyncSession, note: AuditNote) -> tuple[str, datetime, Principal]:
        note.detail = {"email": email.strip().lower()[:320]}
        principal = await accounts.login(session, email, password)
        note.actor = principal
        token, expires = info.context.runtime.tokens.issue(principal.kind, principal.id)
        return token, expires, principal

    return await run_mutation(info, work)


async def accept_invitation(
    info: Info, token: str, password: str
) -> Result[tuple[str, datetime, Principal]]:
    async def work(session: AsyncSession, note: AuditNote) -> tuple[str, datetime, Principal]:
        contact = await invitations.accept_invitation(session, token, password)
        principal = accounts.contact_principal(contact)
        note.actor = principal
        note.target = f"Contact:{principal.global_id}"
        issued, expires = info.context.runtime.tokens.issue(principal.kind, principal.id)
        return issued, expires, principal

    return await run_mutation(info, work)


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
