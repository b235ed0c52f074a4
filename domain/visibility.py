"""Row visibility as SQL: what each principal may read and write, one helper per entity.

Resolvers put these conditions in the WHERE clause; lists are never filtered in Python.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, SQLColumnExpression, false, or_, select, true, union
from sqlalchemy.sql.elements import ColumnElement

from domain.models import Contact, Deal, Partner, Quote, Segment, SegmentManager, SegmentMember
from domain.principal import ContactRole, Principal, StaffRole

READ_ALL_STAFF = (StaffRole.VENDOR_ADMIN, StaffRole.ANALYST)


def managed_partner_ids(staff_id: int) -> Select[Any]:
    """Partners a channel manager looks after: members of the partner segments it manages,
    and the companies of members of the contact segments it manages."""
    managed = select(SegmentManager.segment_id).where(SegmentManager.staff_id == staff_id)
    members = select(SegmentMember.subject_id).join(Segment, Segment.id == SegmentMember.segment_id)
    partners = members.where(Segment.subject == "PARTNER", SegmentMember.segment_id.in_(managed))
    contacts = (
        select(Contact.partner_id)
        .join(SegmentMember, SegmentMember.subject_id == Contact.id)
        .join(Segment, Segment.id == SegmentMember.segment_id)
        .where(Segment.subject == "CONTACT", SegmentMember.segment_id.in_(managed))
    )
    return select(union(partners, contacts).subquery().c[0])


def _partner_ids_condition(
    principal: Principal, partner_id: SQLColumnExpression[int]
) -> ColumnElement[bool]:
    """Condition on a partner-id column: the companies this principal may read."""
    if principal.is_contact:
        return partner_id == principal.partner_id
    if principal.is_staff_role(*READ_ALL_STAFF):
        return true()
    if principal.is_staff_role(StaffRole.CHANNEL_MANAGER):
        return partner_id.in_(managed_partner_ids(principal.id))
    if principal.has_scope("partners:read") or principal.has_scope("partners:write"):
        return true()
    return false()


def partners_readable(principal: Principal) -> ColumnElement[bool]:
    return _partner_ids_condition(principal, Partner.id)


def _writable(principal: Principal, partner_id: SQLColumnExpression[int]) -> ColumnElement[bool]:
    """Condition on a partner-id column: companies whose records staff or keys may change."""
    if principal.read_only or principal.is_contact:
        return false()
    if principal.is_staff_role(StaffRole.VENDOR_ADMIN) or principal.has_scope("partners:write"):
        return true()
    if principal.is_staff_role(StaffRole.CHANNEL_MANAGER):
        return partner_id.in_(managed_partner_ids(principal.id))
    return false()


def partners_writable(principal: Principal) -> ColumnElement[bool]:
    """Partner records this principal may change through the staff/integrator mutations."""
    return _writable(principal, Partner.id)


def contacts_readable(principal: Principal) -> ColumnElement[bool]:
    return _partner_ids_condition(principal, Contact.partner_id)


def contacts_writable(principal: Principal) -> ColumnElement[bool]:
    """Contacts whose records (title, attributes) this principal may change."""
    return _writable(principal, Contact.partner_id)


def team_manageable(principal: Principal) -> ColumnElement[bool]:
    """Partners whose contacts this principal may invite, re-role or deactivate.

    Whether a contact may manage its team at all (the MANAGE_TEAM action) is decided
    before this; here only the company boundary is drawn.
    """
    if principal.is_contact and not principal.read_only:
        return Partner.id == principal.partner_id
    return _writable(principal, Partner.id)


def members_readable(
    principal: Principal, subject: str, subject_id: SQLColumnExpression[int]
) -> ColumnElement[bool]:
    """Condition on a segment member's subject id: only members the principal may see."""
    if principal.is_staff_role(*READ_ALL_STAFF) or principal.is_api_key:
        return true()
    if subject == "PARTNER":
        return subject_id.in_(select(Partner.id).where(partners_readable(principal)))
    return subject_id.in_(select(Contact.id).where(contacts_readable(principal)))


def segment_rows_readable(
    principal: Principal, subject_id: SQLColumnExpression[int]
) -> ColumnElement[bool]:
    """Condition on rows that name a segment member (members, include/exclude lists): only
    subjects the principal may see. Needs `Segment` in the query, joined on the row's
    segment (a CHANNEL_MANAGER's scope depends on whether it groups partners or contacts)."""
    if principal.is_staff_role(*READ_ALL_STAFF) or principal.is_api_key:
        return true()
    return or_(
        (Segment.subject == "PARTNER") & members_readable(principal, "PARTNER", subject_id),
        (Segment.subject == "CONTACT") & members_readable(principal, "CONTACT", subject_id),
    )


def _deal_desk_rows(
    principal: Principal,
    partner_id: SQLColumnExpression[int],
    owner_id: SQLColumnExpression[int | None],
) -> ColumnElement[bool]:
    """Condition on a deal or quote row (its company and owner columns): a partner ADMIN
    reads its company's, other contacts the ones they own; staff as for partners; API keys
    with a deals scope read all of them."""
    if principal.is_contact:
        own_company = partner_id == principal.partner_id
        if principal.contact_role is ContactRole.ADMIN:
            return own_company
        return own_company & (owner_id == principal.id)
    if principal.is_staff_role(*READ_ALL_STAFF):
        return true()
    if principal.is_staff_role(StaffRole.CHANNEL_MANAGER):
        return partner_id.in_(managed_partner_ids(principal.id))
    if principal.has_scope("deals:read") or principal.has_scope("deals:write"):
        return true()
    return false()


def deals_readable(principal: Principal) -> ColumnElement[bool]:
    return _deal_desk_rows(principal, Deal.partner_id, Deal.owner_id)


def quotes_readable(principal: Principal) -> ColumnElement[bool]:
    return _deal_desk_rows(principal, Quote.partner_id, Quote.owner_id)


def deals_writable(principal: Principal) -> ColumnElement[bool]:
    """Deals whose stage, amount and exclusivity this principal may change (updateDeal)."""
    if principal.read_only or principal.is_contact:
        return false()
    if principal.is_staff_role(StaffRole.VENDOR_ADMIN) or principal.has_scope("deals:write"):
        return true()
    if principal.is_staff_role(StaffRole.CHANNEL_MANAGER):
        return Deal.partner_id.in_(managed_partner_ids(principal.id))
    return false()


def quotes_reviewable(principal: Principal) -> ColumnElement[bool]:
    """Quotes this principal may approve or reject (reviewQuote): staff, not integrators."""
    if principal.read_only:
        return false()
    if principal.is_staff_role(StaffRole.VENDOR_ADMIN):
        return true()
    if principal.is_staff_role(StaffRole.CHANNEL_MANAGER):
        return Quote.partner_id.in_(managed_partner_ids(principal.id))
    return false()
