"""Everything pluggable, registered in one place.

Metric sources (each computes some partner metrics, set-based, from the data they derive
from) and membership-move subscribers (each follows audiences when segments or roles move).
A module nobody imports can therefore never silently count nothing or miss a move: what
is not listed here does not run, and what is listed here always does. Every table with an
audience column is listed too, so a segment an audience still names cannot be deleted.
"""

from __future__ import annotations

from sqlalchemy import func

from domain import certifications, courses, deals, metrics
from domain.audiences import AudienceUser
from domain.metrics import Source
from domain.models import (
    ActionPolicy,
    Announcement,
    Asset,
    AssetFolder,
    Certification,
    CoachTip,
    Course,
    FieldPolicy,
    Form,
    Goal,
    Layout,
    NavTab,
    PortalPage,
    PriceRule,
    Product,
)
from domain.segments.hooks import Subscriber

METRIC_SOURCES: tuple[Source, ...] = (
    Source(frozenset({"certifiedContacts"}), metrics.certified_contacts),
    Source(frozenset({"trainingCompletionRate"}), metrics.training_completion),
    Source(frozenset({"engagementScore"}), metrics.engagement, time_based=True),
    Source(frozenset({"wonRevenue12m", "dealsWon12m"}), deals.won_deals, time_based=True),
    Source(frozenset({"openPipeline"}), deals.open_pipeline),
    Source(frozenset({"dealsRegistered90d"}), deals.registered_recently, time_based=True),
)

MOVE_SUBSCRIBERS: tuple[Subscriber, ...] = (
    certifications.follow_audiences,
    courses.follow_audiences,
)

AUDIENCE_USERS: tuple[AudienceUser, ...] = (
    AudienceUser("action policy", ActionPolicy.audience_id, ActionPolicy.action),
    AudienceUser(
        "field policy",
        FieldPolicy.audience_id,
        FieldPolicy.type_name + "." + FieldPolicy.field_name,
    ),
    AudienceUser("certification", Certification.award_audience_id, Certification.key),
    AudienceUser("layout", Layout.audience_id, Layout.entity + "/" + Layout.record_type),
    AudienceUser("asset folder", AssetFolder.audience_id, AssetFolder.name),
    AudienceUser("asset", Asset.audience_id, Asset.title),
    AudienceUser("announcement", Announcement.audience_id, Announcement.title),
    AudienceUser("course", Course.audience_id, Course.key),
    AudienceUser("auto-enrolment of course", Course.auto_enroll_audience_id, Course.key),
    AudienceUser("goal", Goal.audience_id, Goal.name),
    AudienceUser("tab", NavTab.audience_id, NavTab.key),
    AudienceUser("page", PortalPage.audience_id, PortalPage.key),
    AudienceUser("form", Form.audience_id, Form.key),
    AudienceUser("coach tip", CoachTip.audience_id, CoachTip.key),
    AudienceUser("product", Product.audience_id, Product.sku),
    AudienceUser(
        "price rule for", PriceRule.audience_id, func.coalesce(PriceRule.sku, "every product")
    ),
)
