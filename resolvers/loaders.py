"""Per-request dataloaders (`<Model>By<Key>Loader`): one query per batch, results in key order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Coroutine, Sequence
from functools import cached_property
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.orm import aliased
from strawberry.dataloader import DataLoader

from domain import visibility
from domain.db import Database
from domain.models import (
    Contact,
    Partner,
    PartnerMetrics,
    Segment,
    SegmentManager,
    SegmentMember,
    SegmentOverride,
    StaffMember,
)
from domain.principal import Principal


def _by_key(
    db: Database, model: Any, column: Any
) -> Callable[[Sequence[Any]], Coroutine[Any, Any, list[Any]]]:
    async def load(keys: Sequence[Any]) -> list[Any]:
        async with db.read() as session:
            rows = await session.scalars(select(model).where(column.in_(keys)))
            found = {getattr(row, column.key): row for row in rows}
        return [found.get(key) for key in keys]

    return load


def _grouped(
    db: Database, model: Any, column: Any, order: Any, visible: Callable[[Any], Any] | None = None
) -> Callable[[Sequence[Any]], Coroutine[Any, Any, list[list[Any]]]]:
    async def load(keys: Sequence[Any]) -> list[list[Any]]:
        groups: dict[Any, list[Any]] = defaultdict(list)
        query = select(model).where(column.in_(keys)).order_by(order)
        async with db.read() as session:
            for row in await session.scalars(visible(query) if visible else query):
                groups[getattr(row, column.key)].append(row)
        return [groups.get(key, []) for key in keys]

    return load


# (parent id, page size, last id of the previous page or None)
PageKey = tuple[int, int, int | None]


def _child_pages(
    db: Database, model: Any, parent: Any, order: Any
) -> Callable[[Sequence[PageKey]], Coroutine[Any, Any, list[list[Any]]]]:
    """Up to size+1 children per parent, for many parents in one query (a window function)."""

    async def load(keys: Sequence[PageKey]) -> list[list[Any]]:
        by_window: dict[tuple[int, int | None], list[int]] = defaultdict(list)
        for parent_id, size, after in keys:
            by_window[(size, after)].append(parent_id)
        found: dict[PageKey, list[Any]] = defaultdict(list)
        async with db.read() as session:
            for (size, after), parent_ids in by_window.items():
                position = func.row_number().over(partition_by=parent, order_by=order)
                inner = select(model, position.label("position")).where(parent.in_(parent_ids))
                if after is not None:
                    inner = inner.where(order > after)
                window = inner.subquery()
                row = aliased(model, window)
                query = (
                    select(row)
                    .where(window.c.position <= size + 1)
                    .order_by(window.c[parent.key], window.c[order.key])
                )
                for item in await session.scalars(query):
                    found[(getattr(item, parent.key), size, after)].append(item)
        return [found.get(key, []) for key in keys]

    return load


def _child_counts(
    db: Database, parent: Any, visible: Callable[[Any], Any] | None = None
) -> Callable[[Sequence[int]], Coroutine[Any, Any, list[int]]]:
    """Children per parent; `visible(query)` narrows them to what the viewer may see."""

    async def load(keys: Sequence[int]) -> list[int]:
        query = select(parent, func.count()).where(parent.in_(keys)).group_by(parent)
        async with db.read() as session:
            rows = await session.execute(visible(query) if visible else query)
            counts = dict(rows.all())
        return [counts.get(key, 0) for key in keys]

    return load


def _segments_of(
    db: Database, subject: str
) -> Callable[[Sequence[int]], Coroutine[Any, Any, list[list[Segment]]]]:
    """The segments (of `subject` kind) each subject id is a member of, by key."""

    async def load(keys: Sequence[int]) -> list[list[Segment]]:
        found: dict[int, list[Segment]] = defaultdict(list)
        async with db.read() as session:
            rows = await session.execute(
                select(SegmentMember.subject_id, Segment)
                .join(Segment, Segment.id == SegmentMember.segment_id)
                .where(SegmentMember.subject_id.in_(keys), Segment.subject == subject)
                .order_by(Segment.key)
            )
            for subject_id, segment in rows:
                found[subject_id].append(segment)
        return [found.get(key, []) for key in keys]

    return load


class Loaders:
    """Built lazily, per request, so a batch never spans two viewers."""

    def __init__(self, db: Database, principal: Principal | None = None) -> None:
        self.db = db
        self.principal = principal

    def _segment_rows_visible(self, model: Any) -> Callable[[Any], Any] | None:
        """Narrow rows naming segment members to the subjects the principal may see."""
        principal = self.principal
        if principal is None:
            return None
        condition = visibility.segment_rows_readable(principal, model.subject_id)
        if condition is true():
            return None
        return lambda query: query.join(Segment, Segment.id == model.segment_id).where(condition)

    @cached_property
    def partner_by_id(self) -> DataLoader[int, Partner | None]:
        return DataLoader(_by_key(self.db, Partner, Partner.id))

    @cached_property
    def metrics_by_partner_id(self) -> DataLoader[int, PartnerMetrics | None]:
        return DataLoader(_by_key(self.db, PartnerMetrics, PartnerMetrics.partner_id))

    @cached_property
    def contact_by_id(self) -> DataLoader[int, Contact | None]:
        return DataLoader(_by_key(self.db, Contact, Contact.id))

    @cached_property
    def staff_by_id(self) -> DataLoader[int, StaffMember | None]:
        return DataLoader(_by_key(self.db, StaffMember, StaffMember.id))

    @cached_property
    def contact_page_by_partner_id(self) -> DataLoader[PageKey, list[Contact]]:
        return DataLoader(_child_pages(self.db, Contact, Contact.partner_id, Contact.id))

    @cached_property
    def contact_count_by_partner_id(self) -> DataLoader[int, int]:
        return DataLoader(_child_counts(self.db, Contact.partner_id))

    @cached_property
    def segment_by_id(self) -> DataLoader[int, Segment | None]:
        return DataLoader(_by_key(self.db, Segment, Segment.id))

    @cached_property
    def segments_by_partner_id(self) -> DataLoader[int, list[Segment]]:
        return DataLoader(_segments_of(self.db, "PARTNER"))

    @cached_property
    def segments_by_contact_id(self) -> DataLoader[int, list[Segment]]:
        return DataLoader(_segments_of(self.db, "CONTACT"))

    @cached_property
    def member_count_by_segment_id(self) -> DataLoader[int, int]:
        """Members the viewer may see (a channel manager counts only its partners)."""
        return DataLoader(
            _child_counts(
                self.db, SegmentMember.segment_id, self._segment_rows_visible(SegmentMember)
            )
        )

    @cached_property
    def overrides_by_segment_id(self) -> DataLoader[int, list[SegmentOverride]]:
        """Include/exclude entries naming subjects the viewer may see."""
        return DataLoader(
            _grouped(
                self.db,
                SegmentOverride,
                SegmentOverride.segment_id,
                SegmentOverride.subject_id,
                self._segment_rows_visible(SegmentOverride),
            )
        )

    @cached_property
    def managers_by_segment_id(self) -> DataLoader[int, list[StaffMember]]:
        async def load(keys: Sequence[int]) -> list[list[StaffMember]]:
            found: dict[int, list[StaffMember]] = defaultdict(list)
            async with self.db.read() as session:
                rows = await session.execute(
                    select(SegmentManager.segment_id, StaffMember)
                    .join(StaffMember, StaffMember.id == SegmentManager.staff_id)
                    .where(SegmentManager.segment_id.in_(keys))
                    .order_by(StaffMember.email)
                )
                for segment_id, staff in rows:
                    found[segment_id].append(staff)
            return [found.get(key, []) for key in keys]

        return DataLoader(load)
