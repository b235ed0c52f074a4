"""Segment reads and writes: GraphQL arguments to service calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain import ids, models
from domain.pagination import Page, after_id, child_page, page_size
from domain.segments import insight
from domain.segments.readable import SUBJECT_TYPES, Subject
from domain.services import segments as service
from resolvers.context import Info
from resolvers.mutations import Result, run


async def of_contact(info: Info, contact_id: int, partner_id: int) -> list[models.Segment]:
    """The segments a contact is "in": its company's partner segments and its own."""
    loaders = info.context.loaders
    company = await loaders.segments_by_partner_id.load(partner_id)
    own = await loaders.segments_by_contact_id.load(contact_id)
    return [*company, *own]


async def segment(info: Info, key: str) -> models.Segment | None:
    async with info.context.db.read() as session:
        return await service.segment_by_key(session, key)


async def segments(info: Info) -> list[models.Segment]:
    async with info.context.db.read() as session:
        return await service.all_segments(session)


async def members(
    info: Info, segment: models.Segment, first: int | None, after: str | None
) -> Page[Any]:
    """(subject id, name, since) of the members the viewer may see, by id (batched)."""
    size = page_size(first)
    loaders = info.context.loaders
    key = (segment.id, segment.subject, size, after_id(after))
    rows = await loaders.member_page_by_segment.load(key)
    type_name, _ = SUBJECT_TYPES[Subject(segment.subject)]

    async def count() -> int:
        return await loaders.member_count_by_segment_id.load(segment.id)

    page = child_page(rows, size, service.MEMBER_ORDER, count)
    return page.mapped(lambda r: (ids.encode(type_name, r.subject_id), r.name, r.since))


async def history(
    info: Info, segment: models.Segment, first: int | None, after: str | None
) -> Page[models.MembershipEvent]:
    """Joins and leaves about subjects the viewer may see, newest first (batched)."""
    size = page_size(first)
    loaders = info.context.loaders
    key = (segment.id, segment.subject, size, after_id(after))
    rows = await loaders.event_page_by_segment.load(key)

    async def count() -> int:
        return await loaders.event_count_by_segment.load((segment.id, segment.subject))

    return child_page(rows, size, service.EVENT_ORDER, count)


async def preview(info: Info, subject: Subject, rule: Any) -> insight.Preview:
    """A refused rule is a top-level error with the rule error's code (the error policy)."""
    principal = info.context.require_principal()
    async with info.context.db.read() as session:
        return await service.preview(session, principal, subject, rule)


async def explain(info: Info, key: str, subject_id: str) -> insight.Explanation:
    principal = info.context.require_principal()
    async with info.context.db.read() as session:
        return await service.explain(session, principal, key, subject_id)


async def save(info: Info, key: str | None, patch: Mapping[str, Any]) -> Result[models.Segment]:
    return await run(info, service.save, key, patch)


async def delete(info: Info, key: str) -> Result[models.Segment]:
    return await run(info, service.delete, key)
