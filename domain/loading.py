"""Batch loads for per-request dataloaders: one query per batch, results in key order.

resolvers.loaders wires them into DataLoaders; every function takes the keys of one batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Coroutine, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, false, func, select, true
from sqlalchemy.orm import aliased

from domain import audiences, goals, layouts, visibility
from domain.audiences import AudienceSpec, Matched
from domain.db import Database
from domain.goals import SegmentProgress
from domain.models import (
    Deal,
    MembershipEvent,
    Segment,
    SegmentManager,
    SegmentMember,
    StaffMember,
)
from domain.principal import Principal
from domain.statements import one_of


@cache
def _by_key(model: Any, key: str, dialect: str) -> Select[Any]:
    return select(model).where(one_of(getattr(model, key), dialect))


def by_key(
    db: Database, model: Any, column: Any
) -> Callable[[Sequence[Any]], Coroutine[Any, Any, list[Any]]]:
    async def load(keys: Sequence[Any]) -> list[Any]:
        statement = _by_key(model, column.key, db.dialect)
        async with db.read() as session:
            rows = await session.scalars(statement, {"keys": list(keys)})
            found = {getattr(row, column.key): row for row in rows}
        return [found.get(key) for key in keys]

    return load


def grouped(
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


@cache
def _child_page(
    model: Any, parent_key: str, order_key: str, after: bool, dialect: str
) -> Select[Any]:
    """Up to :limit children of each parent in :keys, after :after when `after`."""
    parent, order = getattr(model, parent_key), getattr(model, order_key)
    position = func.row_number().over(partition_by=parent, order_by=order)
    inner = select(model, position.label("position")).where(one_of(parent, dialect))
    if after:
        inner = inner.where(order > bindparam("after"))
    window = inner.subquery()
    return (
        select(aliased(model, window))
        .where(window.c.position <= bindparam("limit"))
        .order_by(window.c[parent_key], window.c[order_key])
    )


def child_pages(
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
                query = _child_page(model, parent.key, order.key, after is not None, db.dialect)
                values = {"keys": parent_ids, "limit": size + 1}
                if after is not None:
                    values["after"] = after
                for item in await session.scalars(query, values):
                    found[(getattr(item, parent.key), size, after)].append(item)
        return [found.get(key, []) for key in keys]

    return load


def child_counts(
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


def segments_of(
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


def managers_of(
    db: Database,
) -> Callable[[Sequence[int]], Coroutine[Any, Any, list[list[StaffMember]]]]:
    """The channel managers of each segment, by email."""

    async def load(keys: Sequence[int]) -> list[list[StaffMember]]:
        found: dict[int, list[StaffMember]] = defaultdict(list)
        async with db.read() as session:
            rows = await session.execute(
                select(SegmentManager.segment_id, StaffMember)
                .join(StaffMember, StaffMember.id == SegmentManager.staff_id)
                .where(SegmentManager.segment_id.in_(keys))
                .order_by(StaffMember.email)
            )
            for segment_id, staff in rows:
                found[segment_id].append(staff)
        return [found.get(key, []) for key in keys]

    return load


def segment_rows_visible(principal: Principal | None, model: Any) -> Callable[[Any], Any] | None:
    """Narrow rows naming segment members (members, lists) to subjects `principal` may see."""
    if principal is None:
        return None
    condition = visibility.segment_rows_readable(principal, model.subject_id)
    if condition is true():
        return None
    return lambda query: query.join(Segment, Segment.id == model.segment_id).where(condition)


# (segment id, segment subject, page size, last id of the previous page or None)
SegmentPageKey = tuple[int, str, int, int | None]


def _windowed(
    query: Select[Any], parent: Any, order: Any, descending: bool, size: int
) -> Select[Any]:
    """At most size+1 rows per parent of `query`, in order (one query for many parents)."""
    position = func.row_number().over(
        partition_by=parent, order_by=order.desc() if descending else order
    )
    window = query.add_columns(position.label("position")).subquery()
    ordered = window.c[order.key].desc() if descending else window.c[order.key]
    return (
        select(window).where(window.c.position <= size + 1).order_by(window.c[parent.key], ordered)
    )


def member_pages(
    db: Database, principal: Principal | None
) -> Callable[[Sequence[SegmentPageKey]], Coroutine[Any, Any, list[list[Any]]]]:
    """Pages of segment members (subject id, name, since) the principal may see."""
    from domain.segments.readable import SUBJECT_TYPES, Subject

    async def load(keys: Sequence[SegmentPageKey]) -> list[list[Any]]:
        groups: dict[tuple[str, int, int | None], list[int]] = defaultdict(list)
        for segment_id, subject, size, after in keys:
            groups[(subject, size, after)].append(segment_id)
        found: dict[SegmentPageKey, list[Any]] = defaultdict(list)
        async with db.read() as session:
            for (subject, size, after), segment_ids in groups.items():
                _, model = SUBJECT_TYPES[Subject(subject)]
                query = (
                    select(
                        SegmentMember.segment_id,
                        SegmentMember.subject_id,
                        model.name,
                        SegmentMember.since,
                    )
                    .join(model, model.id == SegmentMember.subject_id)
                    .where(SegmentMember.segment_id.in_(segment_ids))
                )
                if principal is not None:
                    query = query.where(
                        visibility.members_readable(principal, subject, SegmentMember.subject_id)
                    )
                if after is not None:
                    query = query.where(SegmentMember.subject_id > after)
                paged = _windowed(
                    query, SegmentMember.segment_id, SegmentMember.subject_id, False, size
                )
                for row in await session.execute(paged):
                    found[(row.segment_id, subject, size, after)].append(row)
        return [found.get(key, []) for key in keys]

    return load


def event_pages(
    db: Database, principal: Principal | None
) -> Callable[[Sequence[SegmentPageKey]], Coroutine[Any, Any, list[list[Any]]]]:
    """Pages of membership events, newest first, about subjects the principal may see."""

    async def load(keys: Sequence[SegmentPageKey]) -> list[list[Any]]:
        groups: dict[tuple[str, int, int | None], list[int]] = defaultdict(list)
        for segment_id, subject, size, after in keys:
            groups[(subject, size, after)].append(segment_id)
        found: dict[SegmentPageKey, list[Any]] = defaultdict(list)
        async with db.read() as session:
            for (subject, size, after), segment_ids in groups.items():
                query = select(MembershipEvent).where(MembershipEvent.segment_id.in_(segment_ids))
                if principal is not None:
                    query = query.where(
                        visibility.members_readable(principal, subject, MembershipEvent.subject_id)
                    )
                if after is not None:
                    query = query.where(MembershipEvent.id < after)
                window = _windowed(
                    query, MembershipEvent.segment_id, MembershipEvent.id, True, size
                ).subquery()
                event = aliased(MembershipEvent, window)
                rows = await session.scalars(
                    select(event).order_by(window.c.segment_id, window.c.id.desc())
                )
                for item in rows:
                    found[(item.segment_id, subject, size, after)].append(item)
        return [found.get(key, []) for key in keys]

    return load


def event_counts(
    db: Database, principal: Principal | None
) -> Callable[[Sequence[tuple[int, str]]], Coroutine[Any, Any, list[int]]]:
    """Membership events per (segment id, subject) about subjects the principal may see."""

    async def load(keys: Sequence[tuple[int, str]]) -> list[int]:
        by_subject: dict[str, list[int]] = defaultdict(list)
        for segment_id, subject in keys:
            by_subject[subject].append(segment_id)
        counts: dict[int, int] = {}
        async with db.read() as session:
            for subject, segment_ids in by_subject.items():
                query = (
                    select(MembershipEvent.segment_id, func.count())
                    .where(MembershipEvent.segment_id.in_(segment_ids))
                    .group_by(MembershipEvent.segment_id)
                )
                if principal is not None:
                    query = query.where(
                        visibility.members_readable(principal, subject, MembershipEvent.subject_id)
                    )
                counts.update(dict((await session.execute(query)).all()))
        return [counts.get(segment_id, 0) for segment_id, _ in keys]

    return load


def audiences_by_id(
    db: Database,
) -> Callable[[Sequence[int]], Coroutine[Any, Any, list[AudienceSpec | None]]]:
    """The audience behind each id (configuration objects show who they are for)."""

    async def load(keys: Sequence[int]) -> list[AudienceSpec | None]:
        async with db.read() as session:
            found = await audiences.specs(session, keys)
        return [found.get(key) for key in keys]

    return load


# ---------------------------------------------------------------- deal desk


def _deals_visible(principal: Principal | None) -> Any:
    return visibility.deals_readable(principal) if principal is not None else false()


def deal_pages(
    db: Database, principal: Principal | None
) -> Callable[[Sequence[PageKey]], Coroutine[Any, Any, list[list[Deal]]]]:
    """Pages of each partner's deals the principal may see, newest first."""

    async def load(keys: Sequence[PageKey]) -> list[list[Deal]]:
        by_window: dict[tuple[int, int | None], list[int]] = defaultdict(list)
        for partner_id, size, after in keys:
            by_window[(size, after)].append(partner_id)
        found: dict[PageKey, list[Deal]] = defaultdict(list)
        async with db.read() as session:
            for (size, after), partner_ids in by_window.items():
                query = select(Deal).where(
                    Deal.partner_id.in_(partner_ids), _deals_visible(principal)
                )
                if after is not None:
                    query = query.where(Deal.id < after)
                window = _windowed(query, Deal.partner_id, Deal.id, True, size).subquery()
                deal = aliased(Deal, window)
                rows = await session.scalars(
                    select(deal).order_by(window.c.partner_id, window.c.id.desc())
                )
                for item in rows:
                    found[(item.partner_id, size, after)].append(item)
        return [found.get(key, []) for key in keys]

    return load


def deal_counts(
    db: Database, principal: Principal | None
) -> Callable[[Sequence[int]], Coroutine[Any, Any, list[int]]]:
    """Deals per partner the principal may see."""
    return child_counts(db, Deal.partner_id, lambda query: query.where(_deals_visible(principal)))


def deals_by_id(
    db: Database, principal: Principal | None
) -> Callable[[Sequence[int]], Coroutine[Any, Any, list[Deal | None]]]:
    """Deals by id, None for those the principal may not see (a quote's deal)."""

    async def load(keys: Sequence[int]) -> list[Deal | None]:
        async with db.read() as session:
            rows = await session.scalars(
                select(Deal).where(Deal.id.in_(keys), _deals_visible(principal))
            )
            found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]

    return load


# (record type, audiences the viewer matches)
LayoutKey = tuple[str, Matched]


def deal_layout_fields(
    db: Database,
) -> Callable[[Sequence[LayoutKey]], Coroutine[Any, Any, list[frozenset[str]]]]:
    """The field names of the DEAL layout a viewer uses for each record type (none: empty)."""

    async def load(keys: Sequence[LayoutKey]) -> list[frozenset[str]]:
        async with db.read() as session:
            rows = list(await session.scalars(layouts.of_entity(layouts.LayoutEntity.DEAL)))
        chosen: dict[Matched, dict[str, frozenset[str]]] = {}
        for _, matched in keys:
            if matched not in chosen:
                visible = None if matched is None else _admits(matched)
                chosen[matched] = {
                    layout.record_type: frozenset(f.name for f in layouts.fields_of(layout))
                    for layout in layouts.choose(rows, visible)
                }
        return [chosen[matched].get(record_type, frozenset()) for record_type, matched in keys]

    return load


def _admits(matched: frozenset[int]) -> Callable[[int | None], bool]:
    return lambda audience_id: audiences.admits(matched, audience_id)


def goal_segment_progress(
    db: Database,
) -> Callable[[Sequence[int]], Coroutine[Any, Any, list[list[SegmentProgress]]]]:
    """Each goal's roll-up per segment its audience names (one statement for the batch)."""

    async def load(keys: Sequence[int]) -> list[list[SegmentProgress]]:
        async with db.read() as session:
            found = await goals.segment_progress_of(session, keys)
        return [found.get(key, []) for key in keys]

    return load
