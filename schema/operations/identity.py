"""Root fields for sign-in, invitations, API keys and the viewer."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import ids, models
from domain.errors import TooManyAttempts
from domain.principal import Principal
from permissions.actions import MANAGE_TEAM
from resolvers import identity as resolve
from resolvers.context import Info
from resolvers.mutations import Result
from schema.common import UserError
from schema.identity import ContactRole, StaffMember, Viewer
from schema.payloads import (
    ApiKeyPayload,
    ContactPayload,
    DeletePayload,
    InviteContactPayload,
    LoginPayload,
    delete_payload,
    payload,
    same,
)
from schema.roots import ADMIN, Allow, mutation, query

ADMIN_ONLY = Allow(staff=ADMIN)
# Signing in needs no credentials, but a staff member viewing as a contact is read-only.
ANYONE = Allow(anyone=True)


def _login_payload(result: Result[tuple[str, datetime, Principal]]) -> LoginPayload:
    if result.value is None:
        wait = result.error.retry_after if isinstance(result.error, TooManyAttempts) else None
        return LoginPayload(errors=UserError.from_problems(result.problems), retry_after=wait)
    token, expires, principal = result.value
    return LoginPayload(token=token, expires_at=expires, viewer=principal)


@strawberry.type
class Query:
    @query("Who is asking. UNAUTHENTICATED without valid credentials.", graphql_type=Viewer)
    def viewer(self, info: Info) -> Principal:
        return info.context.require_principal()

    @query("Vendor staff accounts.", ADMIN_ONLY, graphql_type=list[StaffMember])
    async def staff_members(self, info: Info) -> list[models.StaffMember]:
        return await resolve.staff_members(info)


@strawberry.type
class Mutation:
    @mutation(
        "Sign in with email and password; returns a short-lived bearer token. A wrong email "
        "and a wrong password give the same INVALID_CREDENTIALS error.",
        ANYONE,
    )
    async def login(self, info: Info, email: str, password: str) -> LoginPayload:
        return _login_payload(await resolve.login(info, email, password))

    @mutation(
        "Redeem an invitation token (single use, expiring), set the password, sign in.", ANYONE
    )
    async def accept_invitation(self, info: Info, token: str, password: str) -> LoginPayload:
        return _login_payload(await resolve.accept_invitation(info, token, password))

    @mutation(
        "Invite a contact to a partner company (partner admins: their own company only). "
        "Inviting a still-invited address again renews its invitation.",
        MANAGE_TEAM,
    )
    async def invite_contact(
        self, info: Info, partner_id: strawberry.ID, email: str, name: str, role: ContactRole
    ) -> InviteContactPayload:
        result = await resolve.invite_contact(info, partner_id, email, name, role)
        return payload(
            InviteContactPayload,
            result,
            contact=lambda done: done[0],
            invitation_token=lambda done: done[1],
        )

    @mutation(
        "Change a contact's role (partner admins: their own company only). A company's last "
        "active ADMIN cannot be demoted (LAST_ADMIN).",
        MANAGE_TEAM,
    )
    async def set_contact_role(
        self, info: Info, contact_id: strawberry.ID, role: ContactRole
    ) -> ContactPayload:
        result = await resolve.set_contact_role(info, contact_id, role)
        return payload(ContactPayload, result, contact=same)

    @mutation(
        "Deactivate a contact: its sessions stop working at once. A company's last active "
        "ADMIN cannot be deactivated (LAST_ADMIN).",
        MANAGE_TEAM,
    )
    async def deactivate_contact(self, info: Info, contact_id: strawberry.ID) -> ContactPayload:
        result = await resolve.deactivate_contact(info, contact_id)
        return payload(ContactPayload, result, contact=same)

    @mutation(
        "Create an integrator API key. Scopes: partners:read, partners:write, segments:read, "
        "segments:write, content:write, deals:read, deals:write, analytics:read. "
        "Send it as `Authorization: ApiKey <secret>`.",
        ADMIN_ONLY,
    )
    async def create_api_key(self, info: Info, name: str, scopes: list[str]) -> ApiKeyPayload:
        result = await resolve.create_api_key(info, name, scopes)
        return payload(
            ApiKeyPayload,
            result,
            id=lambda done: strawberry.ID(ids.encode("ApiKey", done[0].id)),
            secret=lambda done: done[1],
        )

    @mutation("Revoke an API key; it stops working at once.", ADMIN_ONLY)
    async def revoke_api_key(self, info: Info, id: strawberry.ID) -> DeletePayload:
        result = await resolve.revoke_api_key(info, id)
        return delete_payload(result)
