"""Policies, access explanations and the audit log: GraphQL arguments to service calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from domain import models, policies
from domain.pagination import Page
from domain.policies import Action
from domain.services import access as service
from domain.services.access import Decision
from resolvers.context import Info
from resolvers.mutations import Result, run

if TYPE_CHECKING:
    from schema.build import PartnerScopeSchema


async def current_policies(info: Info) -> policies.Policies:
    async with info.context.db.read() as session:
        return await service.current_policies(session)


async def set_action_policy(
    info: Info, action: Action, audience: Mapping[str, Any] | None
) -> Result[str]:
    return await run(info, service.set_action_policy, action, audience)


async def set_field_policy(
    info: Info, type_name: str, field_name: str, audience: Mapping[str, Any] | None
) -> Result[str]:
    # The schema is the one build_schema made; Info types it as any strawberry.Schema.
    hideable = cast("PartnerScopeSchema", info.schema).hideable_fields
    return await run(info, service.set_field_policy, type_name, field_name, audience, hideable)


async def explain_access(
    info: Info,
    contact_id: str,
    action: Action | None,
    type_name: str | None,
    field_name: str | None,
) -> Decision:
    principal = info.context.require_principal()
    async with info.context.db.read() as session:
        return await service.explain_access(
            session, principal, contact_id, action, type_name, field_name
        )


async def audit_log(info: Info, first: int | None, after: str | None) -> Page[models.AuditEntry]:
    return await service.audit_page(info.context.db, first, after)
