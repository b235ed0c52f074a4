"""Policies, access explanations, capabilities, the audit log and team management."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from domain import audiences, ids, models, policies, team, versions, visibility
from domain.audiences import AudienceSpec
from domain.errors import DomainError, ErrorCode
from domain.identity.accounts import contact_principal
from domain.policies import Action
from domain.principal import ContactRole
from permissions import viewer as viewers
from permissions.actions import BY_ACTION
from permissions.errors import BadUserInput, CodedError
from resolvers.mutations import AuditNote, Result, run_mutation
from resolvers.pagination import Keyset, Page, paginate

AUDIT_ORDER = Keyset((models.AuditEntry.id,), descending=True)


class NotFound(CodedError):
    code = "NOT_FOUND"


async def current_policies(info: Info) -> policies.Policies:
    async with info.context.db.read() as session:
        return await policies.load(session)


async def set_action_policy(
    info: Info, action: Action, audience: Mapping[str, Any] | None
) -> Result[str]:
    async def work(session: AsyncSession, note: AuditNote) -> str:
        note.target = f"ActionPolicy:{action.value}"
        before = (await policies.load(session)).actions[action]
        spec = await audiences.validate(session, audience, ["audience"])
        await policies.set_action_policy(session, action, spec)
        note.detail = {
            "before": before.as_dict() if before else None,
            "after": spec.as_dict() if spec else None,
        }
        return action.value

    return await run_mutation(info, work)


async def set_field_policy(
    info: Info, type_name: str, field_name: str, audience: Mapping[str, Any] | None
) -> Result[str]:
    hideable: dict[str, list[str]] = info.schema.hideable_fields

    async def work(session: AsyncSession, note: AuditNote) -> str:
        note.target = f"FieldPolicy:{type_name}.{field_name}"
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
                f"requires a value). Hideable fields of {type_name}: {hideable[type_name]}.",
                ["fieldName"],
            )
        spec = await audiences.validate(session, audience, ["audience"])
        before = (await policies.load(session)).fields.get((type_name, field_name))
        await policies.set_field_policy(session, type_name, field_name, spec)
        note.detail = {
            "before": before.as_dict() if before else None,
            "after": spec.as_dict() if spec else None,
        }
        return f"{type_name}.{field_name}"

    return await run_mutation(info, work)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    segments: list[viewers.SegmentRefValue]
    audience: AudienceSpec | None


async def explain_access(
    info: Info,
    contact_id: str,
    action: Action | None,
    type_name: str | None,
    field_name: str | None,
) -> Decision:
    asking_action = action is not None
    asking_field = type_name is not None or field_name is not None
    if asking_action == asking_field or (asking_field and not (type_name and field_name)):
        raise BadUserInput("Ask about either an `action`, or a `typeName` with a `fieldName`.")
    principal = info.context.require_principal()
    pk = ids.decode_as(contact_id, "Contact")
    async with info.context.db.read() as session:
        contact = pk and await session.scalar(
            select(models.Contact).where(
                models.Contact.id == pk, visibility.contacts_readable(principal)
            )
        )
        if not contact:
            raise NotFound(f"No contact with id {contact_id!r}.")
        subject = contact_principal(contact)
        segments = await viewers.contact_segments(session, subject)
        loaded = await policies.load(session)
    keys = frozenset(s.key for s in segments)
    role = contact.role
    if action is not None:
        spec = loaded.actions[action]
        access = viewers.decide(viewers.Snapshot(versions.Stamp(0, 0), loaded, {}), keys, role)
        allowed = BY_ACTION[action].allows(subject, access)
        what = f"{action.value}: "
    else:
        spec = loaded.fields.get((type_name or "", field_name or ""))
        allowed = audiences.matches(spec, keys, role)
        what = f"{type_name}.{field_name}: "
        if spec is None:
            return Decision(True, what + "no field policy, every contact sees it", segments, None)
    return Decision(allowed, what + audiences.why(spec, keys, role), segments, spec)


async def audit_log(info: Info, first: int | None, after: str | None) -> Page[models.AuditEntry]:
    return await paginate(info.context.db, select(models.AuditEntry), AUDIT_ORDER, first, after)


async def _manageable_contact(
    session: AsyncSession, info: Info, contact_id: str
) -> models.Contact | None:
    pk = ids.decode_as(contact_id, "Contact")
    if pk is None:
        return None
    principal = info.context.require_principal()
    return await session.scalar(
        select(models.Contact)
        .join(models.Partner, models.Partner.id == models.Contact.partner_id)
        .where(models.Contact.id == pk, visibility.team_manageable(principal))
        .with_for_update()
    )


async def set_contact_role(
    info: Info, contact_id: str, role: ContactRole
) -> Result[models.Contact]:
    async def work(session: AsyncSession, note: AuditNote) -> models.Contact:
        note.target = f"Contact:{contact_id}"
        contact = await _manageable_contact(session, info, contact_id)
        before = contact.role if contact else None
        changed = await team.set_role(session, contact, role)
        note.detail = {"role": {"before": before, "after": changed.role}}
        return changed

    return await run_mutation(info, work)


async def deactivate_contact(info: Info, contact_id: str) -> Result[models.Contact]:
    async def work(session: AsyncSession, note: AuditNote) -> models.Contact:
        note.target = f"Contact:{contact_id}"
        contact = await _manageable_contact(session, info, contact_id)
        before = contact.status if contact else None
        changed = await team.deactivate(session, contact)
        note.detail = {"status": {"before": before, "after": changed.status}}
        return changed

    return await run_mutation(info, work)
