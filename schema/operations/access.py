"""Root fields for policies, access explanations and the audit log."""

from __future__ import annotations

import strawberry

from domain.policies import Action as DomainAction
from resolvers import access as resolve
from resolvers.context import Info
from schema.access import (
    AccessDecision,
    Action,
    ActionPolicy,
    AudienceInput,
    AuditEntry,
    FieldPolicy,
)
from schema.common import Connection
from schema.inputs import provided
from schema.payloads import ConfigPayload, config_payload
from schema.roots import ADMIN, ALL_STAFF, Allow, mutation, query

CONFIGURE = Allow(staff=ADMIN)
READ_POLICIES = Allow(staff=ALL_STAFF)


def _audience(value: AudienceInput | None) -> dict | None:
    return provided(value) if value is not None else None


@strawberry.type
class Query:
    @query("Every action with its effective audience (defaults included).", READ_POLICIES)
    async def action_policies(self, info: Info) -> list[ActionPolicy]:
        loaded = await resolve.current_policies(info)
        return [ActionPolicy(action=a, audience=loaded.actions[a]) for a in DomainAction]

    @query("Field policies: fields hidden from contacts outside the audience.", READ_POLICIES)
    async def field_policies(self, info: Info) -> list[FieldPolicy]:
        loaded = await resolve.current_policies(info)
        return [
            FieldPolicy(type_name=t, field_name=f, audience=spec)
            for (t, f), spec in sorted(loaded.fields.items())
        ]

    @query(
        "Whether a contact may take an action, or see `typeName.fieldName`, and why: which "
        "segments or roles are needed and which the contact has.",
        READ_POLICIES,
    )
    async def explain_access(
        self,
        info: Info,
        contact_id: strawberry.ID,
        action: Action | None = None,
        type_name: str | None = None,
        field_name: str | None = None,
    ) -> AccessDecision:
        decision = await resolve.explain_access(info, contact_id, action, type_name, field_name)
        return AccessDecision(
            allowed=decision.allowed,
            reason=decision.reason,
            viewer_segments=decision.segments,
            audience=decision.audience,
        )

    @query("Every mutation and every refusal, newest first.", CONFIGURE)
    async def audit_log(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[AuditEntry]:
        return Connection(page=await resolve.audit_log(info, first, after))


@strawberry.type
class Mutation:
    @mutation(
        "Who may take an action (null: every partner contact). Without a policy, "
        "MANAGE_TEAM and EDIT_PARTNER_PROFILE are for partner admins, the rest for everyone.",
        CONFIGURE,
    )
    async def set_action_policy(
        self, info: Info, action: Action, audience: AudienceInput | None = None
    ) -> ConfigPayload:
        result = await resolve.set_action_policy(info, action, _audience(audience))
        return config_payload(result)

    @mutation(
        "Hide one field of Partner, PartnerMetrics, Contact, Deal or Quote from contacts "
        "outside the audience (null removes the policy). Hidden fields answer null, [] or {} "
        "and are listed in the response's extensions.hiddenFields.",
        CONFIGURE,
    )
    async def set_field_policy(
        self,
        info: Info,
        type_name: str,
        field_name: str,
        audience: AudienceInput | None = None,
    ) -> ConfigPayload:
        result = await resolve.set_field_policy(info, type_name, field_name, _audience(audience))
        return config_payload(result)
