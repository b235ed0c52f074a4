"""A company's team: invitations, roles and deactivation (partner admins, staff, integrators)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain import ids, team, visibility
from domain.errors import not_found
from domain.identity import invitations
from domain.locks import lock_partners
from domain.models import Contact, Partner
from domain.principal import ContactRole
from domain.services.partners import writable_contact
from domain.uow import UnitOfWork


async def invite_contact(
    uow: UnitOfWork,
    partner_id: str,
    email: str,
    name: str,
    role: ContactRole,
    *,
    ttl: timedelta = invitations.DEFAULT_TTL,
) -> tuple[Contact, str]:
    """(the invited contact, its single-use invitation token)."""
    principal = uow.principal
    session = uow.session
    uow.detail = {"email": email, "role": role, "partnerId": partner_id}
    pk = ids.decode_as(partner_id, "Partner")
    partner = None
    if pk is not None:
        partner = await session.scalar(
            select(Partner).where(Partner.id == pk, visibility.team_manageable(principal))
        )
    if partner is None:
        raise not_found("partner", ["partnerId"])
    await lock_partners(session, [partner.id])
    contact, token, created = await invitations.invite_contact(
        session,
        partner,
        email,
        name,
        role,
        principal.label,
        ttl=ttl,
        inviter_partner_id=principal.partner_id if principal.is_contact else None,
    )
    uow.target = f"Contact:{ids.encode('Contact', contact.id)}"
    uow.detail["renewed"] = not created
    return contact, token


async def set_contact_role(uow: UnitOfWork, contact_id: str, role: ContactRole) -> Contact:
    uow.target = f"Contact:{contact_id}"
    contact = await writable_contact(uow.session, uow.principal, contact_id, manageable=True)
    before = contact.role if contact else None
    changed = await team.set_role(uow.session, contact, role)
    uow.detail = {"role": {"before": before, "after": changed.role}}
    return changed


async def deactivate_contact(uow: UnitOfWork, contact_id: str) -> Contact:
    uow.target = f"Contact:{contact_id}"
    contact = await writable_contact(uow.session, uow.principal, contact_id, manageable=True)
    before = contact.status if contact else None
    changed = await team.deactivate(uow.session, contact)
    uow.detail = {"status": {"before": before, "after": changed.status}}
    return changed
