"""Action policies (who may do what) and field policies (who sees which field).

An action without a policy is open to every contact, except MANAGE_TEAM and
EDIT_PARTNER_PROFILE, which default to partner admins.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audiences
from domain.audiences import AudienceSpec
from domain.clock import utcnow
from domain.models import ActionPolicy, FieldPolicy
from domain.principal import ContactRole


class Action(StrEnum):
    CREATE_QUOTE = "CREATE_QUOTE"
    REGISTER_DEAL = "REGISTER_DEAL"
    EDIT_PARTNER_PROFILE = "EDIT_PARTNER_PROFILE"
    MANAGE_TEAM = "MANAGE_TEAM"


ADMINS_ONLY = AudienceSpec(roles=frozenset({ContactRole.ADMIN.value}))
DEFAULT_AUDIENCES: dict[Action, AudienceSpec | None] = {
    Action.CREATE_QUOTE: None,
    Action.REGISTER_DEAL: None,
    Action.EDIT_PARTNER_PROFILE: ADMINS_ONLY,
    Action.MANAGE_TEAM: ADMINS_ONLY,
}


@dataclass(frozen=True)
class Policies:
    """Every action's effective audience and every field policy, as one snapshot."""

    actions: dict[Action, AudienceSpec | None]
    fields: dict[tuple[str, str], AudienceSpec]
    customised: frozenset[Action]  # actions with a stored policy (not the default)


async def load(session: AsyncSession) -> Policies:
    action_rows = list(await session.scalars(select(ActionPolicy)))
    field_rows = list(await session.scalars(select(FieldPolicy)))
    specs = await audiences.specs(
        session, [r.audience_id for r in action_rows] + [r.audience_id for r in field_rows]
    )
    actions = dict(DEFAULT_AUDIENCES)
    for row in action_rows:
        actions[Action(row.action)] = specs.get(row.audience_id) if row.audience_id else None
    return Policies(
        actions=actions,
        fields={(r.type_name, r.field_name): specs[r.audience_id] for r in field_rows},
        customised=frozenset(Action(r.action) for r in action_rows),
    )


async def set_action_policy(
    session: AsyncSession, action: Action, spec: AudienceSpec | None
) -> None:
    """Who may take `action`; None opens it to every partner contact."""
    audience_id = await audiences.store(session, spec)
    row = await session.get(ActionPolicy, action.value)
    if row is None:
        session.add(ActionPolicy(action=action.value, audience_id=audience_id))
    else:
        row.audience_id = audience_id
        row.updated_at = utcnow()
    await session.flush()
    await audiences.bump_access_version(session)


async def set_field_policy(
    session: AsyncSession, type_name: str, field_name: str, spec: AudienceSpec | None
) -> None:
    """Hide `Type.field` from contacts outside `spec`; None removes the policy."""
    await session.execute(
        delete(FieldPolicy).where(
            FieldPolicy.type_name == type_name, FieldPolicy.field_name == field_name
        )
    )
    if spec is not None:
        session.add(
            FieldPolicy(
                type_name=type_name,
                field_name=field_name,
                audience_id=await audiences.store(session, spec),
            )
        )
    await session.flush()
    await audiences.bump_access_version(session)
