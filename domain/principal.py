"""Who is acting: a partner contact, a vendor staff member or an integrator's API key."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from domain import ids


class PrincipalKind(StrEnum):
    CONTACT = "CONTACT"
    STAFF = "STAFF"
    API_KEY = "API_KEY"


class StaffRole(StrEnum):
    VENDOR_ADMIN = "VENDOR_ADMIN"
    CHANNEL_MANAGER = "CHANNEL_MANAGER"
    ANALYST = "ANALYST"


class ContactRole(StrEnum):
    ADMIN = "ADMIN"
    SALES_REP = "SALES_REP"
    MARKETING = "MARKETING"
    TECHNICAL = "TECHNICAL"
    FINANCE = "FINANCE"


class ContactStatus(StrEnum):
    INVITED = "INVITED"
    ACTIVE = "ACTIVE"
    DEACTIVATED = "DEACTIVATED"


SCOPES = (
    "partners:read",
    "partners:write",
    "segments:read",
    "segments:write",
    "content:write",
    "deals:read",
    "deals:write",
    "analytics:read",
)

_TYPE_NAMES = {
    PrincipalKind.CONTACT: ("Contact", "contact"),
    PrincipalKind.STAFF: ("StaffMember", "staff"),
    PrincipalKind.API_KEY: ("ApiKey", "apikey"),
}


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    id: int
    email: str | None = None
    name: str | None = None
    contact_role: ContactRole | None = None
    staff_role: StaffRole | None = None
    partner_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    # Set when a staff member looks at this contact's portal through X-View-As.
    previewed_by: Principal | None = None

    @property
    def global_id(self) -> str:
        return ids.encode(_TYPE_NAMES[self.kind][0], self.id)

    @property
    def label(self) -> str:
        """How the audit log names this actor, e.g. "staff:<id>"."""
        own = f"{_TYPE_NAMES[self.kind][1]}:{self.global_id}"
        if self.previewed_by is not None:
            return f"{self.previewed_by.label} viewing as {own}"
        return own

    @property
    def is_contact(self) -> bool:
        return self.kind is PrincipalKind.CONTACT

    @property
    def is_staff(self) -> bool:
        return self.kind is PrincipalKind.STAFF

    @property
    def is_api_key(self) -> bool:
        return self.kind is PrincipalKind.API_KEY

    @property
    def read_only(self) -> bool:
        """Analysts and staff previewing a contact's portal never write."""
        return self.previewed_by is not None or self.staff_role is StaffRole.ANALYST

    def has_scope(self, scope: str) -> bool:
        return self.kind is PrincipalKind.API_KEY and scope in self.scopes

    def is_staff_role(self, *roles: StaffRole) -> bool:
        return self.kind is PrincipalKind.STAFF and self.staff_role in roles
