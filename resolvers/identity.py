"""Sign-in, invitations, API keys and staff listings: GraphQL arguments to service calls."""

from __future__ import annotations

from datetime import datetime

from domain import models
from domain.errors import TooManyAttempts
from domain.principal import ContactRole, Principal
from domain.services import identity as service
from domain.services import team
from resolvers.context import Info
from resolvers.mutations import Result, run


async def login(info: Info, email: str, password: str) -> Result[tuple[str, datetime, Principal]]:
    context = info.context
    result = await run(
        info,
        service.sign_in,
        email,
        password,
        throttle=context.runtime.throttle,
        address=context.client_address,
    )
    return await _signed_in(info, result)


async def accept_invitation(
    info: Info, token: str, password: str
) -> Result[tuple[str, datetime, Principal]]:
    context = info.context
    result = await run(
        info,
        service.accept_invitation,
        token,
        password,
        throttle=context.runtime.throttle,
        address=context.client_address,
    )
    return await _signed_in(info, result)


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
    ttl = info.context.runtime.invitation_ttl
    return await run(info, team.invite_contact, partner_id, email, name, role, ttl=ttl)


async def set_contact_role(
    info: Info, contact_id: str, role: ContactRole
) -> Result[models.Contact]:
    return await run(info, team.set_contact_role, contact_id, role)


async def deactivate_contact(info: Info, contact_id: str) -> Result[models.Contact]:
    return await run(info, team.deactivate_contact, contact_id)


async def create_api_key(
    info: Info, name: str, scopes: list[str]
) -> Result[tuple[models.ApiKey, str]]:
    return await run(info, service.create_api_key, name, scopes)


async def revoke_api_key(info: Info, id: str) -> Result[models.ApiKey]:
    return await run(info, service.revoke_api_key, id)


async def staff_members(info: Info) -> list[models.StaffMember]:
    async with info.context.db.read() as session:
        return await service.staff_members(session)
