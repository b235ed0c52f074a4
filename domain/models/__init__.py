"""Every mapped table, importable from one place (Alembic reads Base.metadata from here)."""

from domain.models.audit import AuditEntry
from domain.models.base import Base
from domain.models.catalogue import AttributeDefinition, PicklistValue
from domain.models.identity import ApiKey, Invitation, StaffMember
from domain.models.partners import Contact, Partner, PartnerMetrics

__all__ = [
    "ApiKey",
    "AttributeDefinition",
    "AuditEntry",
    "Base",
    "Contact",
    "Invitation",
    "Partner",
    "PartnerMetrics",
    "PicklistValue",
    "StaffMember",
]
