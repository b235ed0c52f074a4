"""Every mapped table, importable from one place (Alembic reads Base.metadata from here)."""

from domain.models.access import ActionPolicy, Audience, AudienceSegment, FieldPolicy
from domain.models.audit import AuditEntry
from domain.models.base import Base
from domain.models.catalogue import AttributeDefinition, PicklistValue
from domain.models.deals import Deal, PriceRule, Product, Quote, QuoteLine
from domain.models.enablement import (
    Announcement,
    Asset,
    AssetFolder,
    AssetFolderPath,
    Certification,
    Course,
    Enrollment,
    Goal,
)
from domain.models.experience import CoachTip, Form, FormSubmission, Layout, NavTab, PortalPage
from domain.models.identity import ApiKey, Invitation, StaffMember
from domain.models.partners import Contact, Partner, PartnerMetrics
from domain.models.segments import (
    CatalogState,
    ContactCertification,
    MembershipEvent,
    Segment,
    SegmentDependency,
    SegmentManager,
    SegmentMember,
    SegmentOverride,
)

__all__ = [
    "ActionPolicy",
    "Announcement",
    "ApiKey",
    "Asset",
    "AssetFolder",
    "AssetFolderPath",
    "AttributeDefinition",
    "Audience",
    "AudienceSegment",
    "AuditEntry",
    "Base",
    "CatalogState",
    "Certification",
    "CoachTip",
    "Contact",
    "ContactCertification",
    "Course",
    "Deal",
    "Enrollment",
    "FieldPolicy",
    "Form",
    "FormSubmission",
    "Goal",
    "Invitation",
    "Layout",
    "MembershipEvent",
    "NavTab",
    "Partner",
    "PartnerMetrics",
    "PicklistValue",
    "PortalPage",
    "PriceRule",
    "Product",
    "Quote",
    "QuoteLine",
    "Segment",
    "SegmentDependency",
    "SegmentManager",
    "SegmentMember",
    "SegmentOverride",
    "StaffMember",
]
