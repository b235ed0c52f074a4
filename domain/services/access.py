"""Action and field policies, access explanations and the audit log (staff)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audiences, ids, policies, visibility
from domain.audiences import AudienceSpec, SegmentRefValue
from domain.db import Database
from domain.errors import DomainError, ErrorCode, InvalidArgument, NotFoundError
from domain.models import AuditEntry, Contact
from domain.pagination import Keyset, Page, paginate
from domain.policies import Action
from domain.principal import Principal
from domain.uow import UnitOfWork

AUDIT_ORDER = Keyset((AuditEntry.id,), descending=True)


async def current_policies(session: AsyncSession) -> policies.Policies:
    return await policies.load(session)


def _before_after(before: AudienceSpec | None, after: AudienceSpec | None) -> dict[str, Any]:
    return {
        "before": before.as_dict() if before else None,
        "after": after.as_dict() if after else None,
    }


async def set_action_policy(
    uow: UnitOfWork, action: Action, audience: Mapping[str, Any] | None
) -> str:
    """Who may take `action` (None: every partner contact). Returns the action."""
    session = uow.session
    uow.target = f"ActionPolicy:{action.value}"
    before = (await policies.load(session)).actions[action]
    spec = await audiences.validate(session, audience, ["audience"])
    await policies.set_action_policy(session, action, spec)
    uow.detail = _before_after(before, spec)
    return action.value


async def set_field_policy(
    uow: UnitOfWork,
    type_name: str,
    field_name: str,
    audience: Mapping[str, Any] | None,
    hideable: Mapping[str, Sequence[str]],
) -> str:
    """Hide `Type.field` from contacts outside `audience` (None removes the policy).

    `hideable` is what the served schema can hide: {type: fields that can be empty}.
    """
    session = uow.session
    uow.target = f"FieldPolicy:{type_name}.{field_name}"
    if type_name not in hideable:
        raise DomainError.one(
            ErrorCode.INVALID_VALUE,
            f"Field policies apply to {sorted(hideable)}; not to {type_name!r}.",
            ["typeName"],
        )
    if field_name not in hideable[type_name]:
        raise DomainError.one(
            ErrorCode.INVALID_VALUE,
            f"{type_name}.{field_name} cannot be hidden (it does not exist, or the schema "
            f"requires a value). Hideable fields of {type_name}: {list(hideable[type_name])}.",
            ["fieldName"],
        )
    spec = await audiences.validate(session, audience, ["audience"])
    before = (await policies.load(session)).fields.get((type_name, field_name))
    await policies.set_field_policy(session, type_name, field_name, spec)
    uow.detail = _before_after(before, spec)
    return f"{type_name}.{field_name}"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    segments: list[SegmentRefValue]
    audience: AudienceSpec | None


async def explain_access(
    session: AsyncSession,
    principal: Principal,
    contact_id: str,
    action: Action | None,
    type_name: str | None,
    field_name: str | None,
) -> Decision:
    """Whether a contact the principal may see may take `action` or see `Type.field`, and why."""
    asking_action = action is not None
    asking_field = type_name is not None or field_name is not None
    if asking_action == asking_field or (asking_field and not (type_name and field_name)):
        raise InvalidArgument("Ask about either an `action`, or a `typeName` with a `fieldName`.")
    pk = ids.decode_as(contact_id, "Contact")
    contact = pk and await session.scalar(
        select(Contact).where(Contact.id == pk, visibility.contacts_readable(principal))
    )
    if not contact:
        raise NotFoundError(f"No contact with id {contact_id!r}.")
    segments = await audiences.segments_of_contact(session, contact.id, contact.partner_id)
    loaded = await policies.load(session)
    keys = frozenset(s.key for s in segments)
    role = contact.role
    if action is not None:
        spec = loaded.actions[action]
        what = f"{action.value}: "
    else:
        spec = loaded.fields.get((type_name or "", field_name or ""))
        what = f"{type_name}.{field_name}: "
        if spec is None:
            return Decision(True, what + "no field policy, every contact sees it", segments, None)
    allowed = audiences.matches(spec, keys, role)
    return Decision(allowed, what + audiences.why(spec, keys, role), segments, spec)


async def audit_page(db: Database, first: int | None, after: str | None) -> Page[AuditEntry]:
    return await paginate(db, select(AuditEntry), AUDIT_ORDER, first, after)
