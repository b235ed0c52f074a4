"""Strawberry permission classes. A field declares who may call it; the schema says so too."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import OperationType
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from domain import audit
from domain.policies import DEFAULT_AUDIENCES, Action
from domain.principal import ContactRole, Principal, StaffRole
from permissions.errors import Forbidden
from permissions.viewer import Access

ALL_STAFF = tuple(StaffRole)
PREVIEW_IS_READ_ONLY = "You are viewing a contact's portal (X-View-As): it is read-only."


def _listing(words: Iterable[str]) -> str:
    items = list(words)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


async def record_forbidden(info: Info, principal: Principal, reason: str) -> None:
    """A refused mutation leaves a trace, in its own transaction (the mutation never ran)."""
    async with info.context.db.write() as session:
        audit.record(
            session,
            actor=principal.label,
            action=f"FORBIDDEN:{info.field_name}",
            outcome=audit.Outcome.FORBIDDEN,
            detail={"reason": reason},
        )


class Allow(BasePermission):
    """Who may call a field: staff roles, API-key scopes, partner contacts (by role).

    Row-level rules (which partner, which contact) are the domain's visibility helpers;
    this class decides only whether the principal may use the field at all.
    """

    error_extensions = {"code": "FORBIDDEN"}
    error_class = Forbidden
    message: str  # always set: who may do this

    def __init__(
        self,
        *,
        staff: Iterable[StaffRole] = (),
        scopes: Iterable[str] = (),
        contacts: bool | Iterable[ContactRole] = False,
        action: Action | None = None,
        anyone: bool = False,
        and_scopes: Iterable[str] = (),
    ) -> None:
        self.anyone = anyone
        self.staff = frozenset(staff)
        self.scopes = frozenset(scopes)
        # API keys need one of `scopes` and, when given, also one of these.
        self.and_scopes = frozenset(and_scopes)
        self.action = action
        self.contact_roles = (
            frozenset(ContactRole) if contacts is True else frozenset(contacts or ())
        )
        self.message = f"Only {self.describe()} may do this."

    def describe(self) -> str:
        if self.anyone:
            return "anyone, signed in or not (not while viewing as a contact)"
        who = []
        if self.staff:
            who.append("staff with role " + _listing(sorted(r.value for r in self.staff)))
        if self.action is not None:
            default = DEFAULT_AUDIENCES[self.action]
            who.append(
                f"partner contacts the {self.action.value} action policy allows "
                f"(default: {default.describe() if default else 'every partner contact'})"
            )
        elif self.contact_roles == frozenset(ContactRole):
            who.append("partner contacts")
        elif self.contact_roles:
            roles = _listing(sorted(r.value for r in self.contact_roles))
            who.append(f"partner contacts with role {roles}")
        if self.scopes:
            keys = "API keys with scope " + _listing(sorted(self.scopes))
            if self.and_scopes:
                keys += " and also " + _listing(sorted(self.and_scopes))
            who.append(keys)
        return "; ".join(who) or "nobody"

    def allows(self, principal: Principal, access: Access) -> bool:
        """The same answer the field gives and `viewer.capabilities` reports."""
        if self.anyone:
            return True
        if principal.is_staff:
            return principal.staff_role in self.staff
        if principal.is_contact:
            if self.action is not None:
                return access.actions[self.action]
            return principal.contact_role in self.contact_roles
        return bool(self.scopes & principal.scopes) and (
            not self.and_scopes or bool(self.and_scopes & principal.scopes)
        )

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if (
            self.anyone
            and info.context.auth.principal is None
            and info.context.auth.code != "FORBIDDEN"
        ):
            return True
        principal = info.context.require_principal()
        mutation = info.operation.operation is OperationType.MUTATION
        if mutation and principal.previewed_by is not None:
            await record_forbidden(info, principal, PREVIEW_IS_READ_ONLY)
            raise Forbidden(PREVIEW_IS_READ_ONLY)
        allowed = self.allows(principal, info.context.viewer.access)
        if not allowed and mutation:
            await record_forbidden(info, principal, self.message)
        return allowed


def guard(permission: BasePermission) -> list[FieldExtension]:
    """The field extensions that enforce `permission` (no schema directive noise in the SDL)."""
    return [PermissionExtension(permissions=[permission], use_directives=False)]


def described(description: str, permission: Allow) -> str:
    """Append who may call a field to its schema description, so clients can read it."""
    return f"{description}\n\nAllowed for: {permission.describe()}."
