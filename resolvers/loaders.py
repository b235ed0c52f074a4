"""Per-request dataloaders (`<Model>By<Key>Loader`), built lazily so a batch never spans two
viewers. The batch loads themselves are the domain's (domain.loading)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from strawberry.dataloader import DataLoader

from domain import loading, models
from domain.audiences import AudienceSpec
from domain.db import Database
from domain.goals import SegmentProgress
from domain.loading import LayoutKey, PageKey
from domain.models import (
    Contact,
    Deal,
    Partner,
    PartnerMetrics,
    QuoteLine,
    Segment,
    SegmentMember,
    SegmentOverride,
    StaffMember,
)
from domain.principal import Principal


class Loaders:
    """Built lazily, per request, so a batch never spans two viewers."""

    def __init__(self, db: Database, principal: Principal | None = None) -> None:
        self.db = db
        self.principal = principal

    @cached_property
    def partner_by_id(self) -> DataLoader[int, Partner | None]:
        return DataLoader(loading.by_key(self.db, Partner, Partner.id))

    @cached_property
    def metrics_by_partner_id(self) -> DataLoader[int, PartnerMetrics | None]:
        return DataLoader(loading.by_key(self.db, PartnerMetrics, PartnerMetrics.partner_id))

    @cached_property
    def contact_by_id(self) -> DataLoader[int, Contact | None]:
        return DataLoader(loading.by_key(self.db, Contact, Contact.id))

    @cached_property
    def staff_by_id(self) -> DataLoader[int, StaffMember | None]:
        return DataLoader(loading.by_key(self.db, StaffMember, StaffMember.id))

    @cached_property
    def contact_page_by_partner_id(self) -> DataLoader[PageKey, list[Contact]]:
        return DataLoader(loading.child_pages(self.db, Contact, Contact.partner_id, Contact.id))

    @cached_property
    def contact_count_by_partner_id(self) -> DataLoader[int, int]:
        return DataLoader(loading.child_counts(self.db, Contact.partner_id))

    @cached_property
    def segment_by_id(self) -> DataLoader[int, Segment | None]:
        return DataLoader(loading.by_key(self.db, Segment, Segment.id))

    @cached_property
    def segments_by_partner_id(self) -> DataLoader[int, list[Segment]]:
        return DataLoader(loading.segments_of(self.db, "PARTNER"))

    @cached_property
    def segments_by_contact_id(self) -> DataLoader[int, list[Segment]]:
        return DataLoader(loading.segments_of(self.db, "CONTACT"))

    @cached_property
    def member_count_by_segment_id(self) -> DataLoader[int, int]:
        """Members the viewer may see (a channel manager counts only its partners)."""
        return DataLoader(
            loading.child_counts(
                self.db,
                SegmentMember.segment_id,
                loading.segment_rows_visible(self.principal, SegmentMember),
            )
        )

    @cached_property
    def overrides_by_segment_id(self) -> DataLoader[int, list[SegmentOverride]]:
        """Include/exclude entries naming subjects the viewer may see."""
        return DataLoader(
            loading.grouped(
                self.db,
                SegmentOverride,
                SegmentOverride.segment_id,
                SegmentOverride.subject_id,
                loading.segment_rows_visible(self.principal, SegmentOverride),
            )
        )

    @cached_property
    def managers_by_segment_id(self) -> DataLoader[int, list[StaffMember]]:
        return DataLoader(loading.managers_of(self.db))

    @cached_property
    def member_page_by_segment(self) -> DataLoader[loading.SegmentPageKey, list[Any]]:
        return DataLoader(loading.member_pages(self.db, self.principal))

    @cached_property
    def event_page_by_segment(self) -> DataLoader[loading.SegmentPageKey, list[Any]]:
        return DataLoader(loading.event_pages(self.db, self.principal))

    @cached_property
    def event_count_by_segment(self) -> DataLoader[tuple[int, str], int]:
        return DataLoader(loading.event_counts(self.db, self.principal))

    @cached_property
    def audience_by_id(self) -> DataLoader[int, AudienceSpec | None]:
        return DataLoader(loading.audiences_by_id(self.db))

    # ---- enablement: content, courses, certifications

    @cached_property
    def folder_by_id(self) -> DataLoader[int, models.AssetFolder | None]:
        return DataLoader(loading.by_key(self.db, models.AssetFolder, models.AssetFolder.id))

    @cached_property
    def course_by_id(self) -> DataLoader[int, models.Course | None]:
        return DataLoader(loading.by_key(self.db, models.Course, models.Course.id))

    @cached_property
    def certification_by_id(self) -> DataLoader[int, models.Certification | None]:
        return DataLoader(loading.by_key(self.db, models.Certification, models.Certification.id))

    @cached_property
    def certification_by_key(self) -> DataLoader[str, models.Certification | None]:
        return DataLoader(loading.by_key(self.db, models.Certification, models.Certification.key))

    @cached_property
    def deal_page_by_partner_id(self) -> DataLoader[PageKey, list[Deal]]:
        """A partner's deals the viewer may see, newest first."""
        return DataLoader(loading.deal_pages(self.db, self.principal))

    @cached_property
    def deal_count_by_partner_id(self) -> DataLoader[int, int]:
        return DataLoader(loading.deal_counts(self.db, self.principal))

    @cached_property
    def visible_deal_by_id(self) -> DataLoader[int, Deal | None]:
        return DataLoader(loading.deals_by_id(self.db, self.principal))

    @cached_property
    def lines_by_quote_id(self) -> DataLoader[int, list[QuoteLine]]:
        return DataLoader(
            loading.grouped(self.db, QuoteLine, QuoteLine.quote_id, QuoteLine.position)
        )

    @cached_property
    def deal_layout_fields(self) -> DataLoader[LayoutKey, frozenset[str]]:
        """Field names of the DEAL layout a viewer uses, by (record type, audiences matched)."""
        return DataLoader(loading.deal_layout_fields(self.db))

    @cached_property
    def segment_progress_by_goal_id(self) -> DataLoader[int, list[SegmentProgress]]:
        return DataLoader(loading.goal_segment_progress(self.db))
