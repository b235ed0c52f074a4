"""Per-request dataloaders (`<Model>By<Key>Loader`), built lazily so a batch never spans two
viewers. The batch loads themselves are the domain's (domain.loading)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
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

# Wraps each batch (trace spans, server/tracing.py); None: batches run as they are.
BatchObserver = Callable[[str, int], AbstractAsyncContextManager[object]]
observe_batches: BatchObserver | None = None


class Loaders:
    """Built lazily, per request, so a batch never spans two viewers."""

    def __init__(self, db: Database, principal: Principal | None = None) -> None:
        self.db = db
        self.principal = principal

    @staticmethod
    def _loader(name: str, load: Callable[[list[Any]], Awaitable[Any]]) -> DataLoader[Any, Any]:
        observe = observe_batches
        if observe is None:
            return DataLoader(load)

        async def observed(keys: list[Any]) -> Any:
            async with observe(name, len(keys)):
                return await load(keys)

        return DataLoader(observed)

    @cached_property
    def partner_by_id(self) -> DataLoader[int, Partner | None]:
        return self._loader("partner_by_id", loading.by_key(self.db, Partner, Partner.id))

    @cached_property
    def metrics_by_partner_id(self) -> DataLoader[int, PartnerMetrics | None]:
        return self._loader(
            "metrics_by_partner_id",
            loading.by_key(self.db, PartnerMetrics, PartnerMetrics.partner_id),
        )

    @cached_property
    def contact_by_id(self) -> DataLoader[int, Contact | None]:
        return self._loader("contact_by_id", loading.by_key(self.db, Contact, Contact.id))

    @cached_property
    def staff_by_id(self) -> DataLoader[int, StaffMember | None]:
        return self._loader("staff_by_id", loading.by_key(self.db, StaffMember, StaffMember.id))

    @cached_property
    def contact_page_by_partner_id(self) -> DataLoader[PageKey, list[Contact]]:
        return self._loader(
            "contact_page_by_partner_id",
            loading.child_pages(self.db, Contact, Contact.partner_id, Contact.id),
        )

    @cached_property
    def contact_count_by_partner_id(self) -> DataLoader[int, int]:
        return self._loader(
            "contact_count_by_partner_id", loading.child_counts(self.db, Contact.partner_id)
        )

    @cached_property
    def segment_by_id(self) -> DataLoader[int, Segment | None]:
        return self._loader("segment_by_id", loading.by_key(self.db, Segment, Segment.id))

    @cached_property
    def segments_by_partner_id(self) -> DataLoader[int, list[Segment]]:
        return self._loader("segments_by_partner_id", loading.segments_of(self.db, "PARTNER"))

    @cached_property
    def segments_by_contact_id(self) -> DataLoader[int, list[Segment]]:
        return self._loader("segments_by_contact_id", loading.segments_of(self.db, "CONTACT"))

    @cached_property
    def member_count_by_segment_id(self) -> DataLoader[int, int]:
        """Members the viewer may see (a channel manager counts only its partners)."""
        return self._loader(
            "member_count_by_segment_id",
            loading.child_counts(
                self.db,
                SegmentMember.segment_id,
                loading.segment_rows_visible(self.principal, SegmentMember),
            ),
        )

    @cached_property
    def overrides_by_segment_id(self) -> DataLoader[int, list[SegmentOverride]]:
        """Include/exclude entries naming subjects the viewer may see."""
        return self._loader(
            "overrides_by_segment_id",
            loading.grouped(
                self.db,
                SegmentOverride,
                SegmentOverride.segment_id,
                SegmentOverride.subject_id,
                loading.segment_rows_visible(self.principal, SegmentOverride),
            ),
        )

    @cached_property
    def managers_by_segment_id(self) -> DataLoader[int, list[StaffMember]]:
        return self._loader("managers_by_segment_id", loading.managers_of(self.db))

    @cached_property
    def member_page_by_segment(self) -> DataLoader[loading.SegmentPageKey, list[Any]]:
        return self._loader("member_page_by_segment", loading.member_pages(self.db, self.principal))

    @cached_property
    def event_page_by_segment(self) -> DataLoader[loading.SegmentPageKey, list[Any]]:
        return self._loader("event_page_by_segment", loading.event_pages(self.db, self.principal))

    @cached_property
    def event_count_by_segment(self) -> DataLoader[tuple[int, str], int]:
        return self._loader("event_count_by_segment", loading.event_counts(self.db, self.principal))

    @cached_property
    def audience_by_id(self) -> DataLoader[int, AudienceSpec | None]:
        return self._loader("audience_by_id", loading.audiences_by_id(self.db))

    # ---- enablement: content, courses, certifications

    @cached_property
    def folder_by_id(self) -> DataLoader[int, models.AssetFolder | None]:
        return self._loader(
            "folder_by_id", loading.by_key(self.db, models.AssetFolder, models.AssetFolder.id)
        )

    @cached_property
    def course_by_id(self) -> DataLoader[int, models.Course | None]:
        return self._loader(
            "course_by_id", loading.by_key(self.db, models.Course, models.Course.id)
        )

    @cached_property
    def certification_by_id(self) -> DataLoader[int, models.Certification | None]:
        return self._loader(
            "certification_by_id",
            loading.by_key(self.db, models.Certification, models.Certification.id),
        )

    @cached_property
    def certification_by_key(self) -> DataLoader[str, models.Certification | None]:
        return self._loader(
            "certification_by_key",
            loading.by_key(self.db, models.Certification, models.Certification.key),
        )

    @cached_property
    def deal_page_by_partner_id(self) -> DataLoader[PageKey, list[Deal]]:
        """A partner's deals the viewer may see, newest first."""
        return self._loader("deal_page_by_partner_id", loading.deal_pages(self.db, self.principal))

    @cached_property
    def deal_count_by_partner_id(self) -> DataLoader[int, int]:
        return self._loader(
            "deal_count_by_partner_id", loading.deal_counts(self.db, self.principal)
        )

    @cached_property
    def visible_deal_by_id(self) -> DataLoader[int, Deal | None]:
        return self._loader("visible_deal_by_id", loading.deals_by_id(self.db, self.principal))

    @cached_property
    def lines_by_quote_id(self) -> DataLoader[int, list[QuoteLine]]:
        return self._loader(
            "lines_by_quote_id",
            loading.grouped(self.db, QuoteLine, QuoteLine.quote_id, QuoteLine.position),
        )

    @cached_property
    def deal_layout_fields(self) -> DataLoader[LayoutKey, frozenset[str]]:
        """Field names of the DEAL layout a viewer uses, by (record type, audiences matched)."""
        return self._loader("deal_layout_fields", loading.deal_layout_fields(self.db))

    @cached_property
    def segment_progress_by_goal_id(self) -> DataLoader[int, list[SegmentProgress]]:
        return self._loader("segment_progress_by_goal_id", loading.goal_segment_progress(self.db))
