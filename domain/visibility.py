"""Row visibility as SQL: what each principal may read and write, one helper per entity.

Resolvers put these conditions in the WHERE clause; lists are never filtered in Python.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, true
from sqlalchemy.sql.elements import ColumnElement

from domain.models import Contact, Partner
from domain.principal import Principal, StaffRole

READ_ALL_STAFF = (StaffRole.VENDOR_ADMIN, StaffRole.ANALYST)


def _partner_ids_condition(principal: Principal, partner_id: Any) -> ColumnElement[bool]:
    """Condition on a partner-id column: the companies this principal may read."""
    if principal.is_contact:
        return partner_id == principal.partner_id
    if principal.is_staff_role(*READ_ALL_STAFF):
        return true()
    if principal.has_scope("partners:read") or principal.has_scope("partners:write"):
        return true()
    return false()


def partners_readable(principal: Principal) -> ColumnElement[bool]:
    return _partner_ids_condition(principal, Partner.id)


def partners_writable(principal: Principal) -> ColumnElement[bool]:
    """Partner records this principal may change through the staff/integrator mutations."""
    if principal.read_only or principal.is_contact:
        return false()
    if principal.is_staff_role(StaffRole.VENDOR_ADMIN) or principal.has_scope("partners:write"):
        return true()
    return false()


def contacts_readable(principal: Principal) -> ColumnElement[bool]:
    return _partner_ids_condition(principal, Contact.partner_id)


def contacts_writable(principal: Principal) -> ColumnElement[bool]:
    """Contacts whose records (title, attributes) this principal may change."""
    if principal.read_only or principal.is_contact:
        return false()
    if principal.is_staff_role(StaffRole.VENDOR_ADMIN) or principal.has_scope("partners:write"):
        return true()
    return false()


def team_manageable(principal: Principal) -> ColumnElement[bool]:
    """Partners whose contacts this principal may invite, re-role or deactivate.

    Whether a contact may manage its team at all (the MANAGE_TEAM action) is decided
    before this; here only the company boundary is drawn.
    """
    if principal.read_only:
        return false()
    if principal.is_contact:
        return Partner.id == principal.partner_id
    if principal.is_staff_role(StaffRole.VENDOR_ADMIN) or principal.has_scope("partners:write"):
        return true()
    return false()
