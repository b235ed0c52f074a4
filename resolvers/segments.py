"""Segment reads and writes; membership lists scoped to what the principal may see."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from domain import audit, ids, models, visibility
from domain.errors import DomainError
from domain.segments import service
from domain.segments.fields import Subject
from permissions.errors import CodedError
from resolvers.mutations import AuditNote, Result, run_mutation
from resolvers.pagination import Keyset, Page, paginate

MEMBER_ORDER = Keyset((models.SegmentMember.subject_id,))
EVENT_ORDER = Keyset((models.MembershipEvent.id,), descending=True)
SUBJECT_MODELS = {"PARTNER": ("Partner", models.Partner), "CONTACT": ("Contact", models.Contact)}


class NotFound(CodedError):
    code = "NOT_FOUND"


class RuleRejected(CodedError):
    """A rule given to a query (not a mutation) is refused with the same codes and paths."""

    def __init__(self, error: DomainError) -> None:
        first = error.problems[0]
        super().__init__(first.message)
        self.extensions = {
            "code": first.code.value,
            "errors": [
                {"path": list(p.path), "code": p.code.value, "message": p.message}
                for p in error.problems
            ],
        }


async def of_contact(info: Info, contact_id: int, partner_id: int) -> list[models.Segment]:
    """The segments a contact is "in": its company's partner segments and its own."""
    loaders = info.context.loaders
    company = await loaders.segments_by_partner_id.load(partner_id)
    own = await loaders.segments_by_contact_id.load(contact_id)
    return [*company, *own]


async def segment(info: Info, key: str) -> models.Segment | None:
    async with info.context.db.read() as session:
        return await session.scalar(select(models.Segment).where(models.Segment.key == key))


async def segments(info: Info) -> list[models.Segment]:
    async with info.context.db.read() as session:
        return list(await session.scalars(select(models.Segment).order_by(models.Segment.key)))


async def members(
    info: Info, segment: models.Segment, first: int | None, after: str | None
) -> Page[Any]:
    """(subject id, name, since) rows of the members the principal may see."""
    type_name, model = SUBJECT_MODELS[segment.subject]
    principal = info.context.require_principal()
    query = (
        select(models.SegmentMember.subject_id, model.name, models.SegmentMember.since)
        .join(model, model.id == models.SegmentMember.subject_id)
        .where(
            models.SegmentMember.segment_id == segment.id,
            visibility.members_readable(
                principal, segment.subject, models.SegmentMember.subject_id
            ),
        )
    )
    page = await paginate(info.context.db, query, MEMBER_ORDER, first, after, entities=False)
    page.items = [(ids.encode(type_name, r.subject_id), r.name, r.since) for r in page.items]
    return page


async def history(
    info: Info, segment: models.Segment, first: int | None, after: str | None
) -> Page[models.MembershipEvent]:
    principal = info.context.require_principal()
    query = select(models.MembershipEvent).where(
        models.MembershipEvent.segment_id == segment.id,
        visibility.members_readable(principal, segment.subject, models.MembershipEvent.subject_id),
    )
    return await paginate(info.context.db, query, EVENT_ORDER, first, after)


async def preview(info: Info, subject: Subject, rule: Any) -> service.Preview:
    principal = info.context.require_principal()

    def visible(subject_id: Any) -> Any:
        return visibility.members_readable(principal, subject.value, subject_id)

    try:
        async with info.context.db.read() as session:
            return await service.preview(session, subject, rule, visible)
    except DomainError as exc:
        raise RuleRejected(exc) from None


async def explain(info: Info, key: str, subject_id: str) -> service.Explanation:
    async with info.context.db.read() as session:
        found = await session.scalar(
            select(models.Segment.subject).where(models.Segment.key == key)
        )
        if found is None:
            raise NotFound(f"No segment with key {key!r}.")
        type_name, model = SUBJECT_MODELS[found]
        pk = ids.decode_as(subject_id, type_name)
        principal = info.context.require_principal()
        seen = pk is not None and await session.scalar(
            select(model.id).where(
                model.id == pk, visibility.members_readable(principal, found, model.id)
            )
        )
        explanation = await service.explain_membership(session, key, pk) if seen else None
    if explanation is None:
        raise NotFound(
            f"No {type_name.lower()} with id {subject_id!r}; segment {key!r} groups "
            f"{found.lower()}s."
        )
    return explanation


def _summary(segment: models.Segment) -> dict[str, Any]:
    return {
        "name": segment.name,
        "description": segment.description,
        "rule": segment.rule,
        "version": segment.version,
    }


async def save(info: Info, key: str | None, patch: Mapping[str, Any]) -> Result[models.Segment]:
    async def work(session: AsyncSession, note: AuditNote) -> models.Segment:
        before: dict[str, Any] = {}
        if key is not None:
            existing = await session.scalar(select(models.Segment).where(models.Segment.key == key))
            before = _summary(existing) if existing else {}
        note.target = f"Segment:{key or patch.get('key')}"
        saved = await service.save_segment(session, key, patch)
        note.target = f"Segment:{saved.segment.key}"
        note.detail = {
            **audit.diff(before, _summary(saved.segment)),
            "joined": saved.joined,
            "left": saved.left,
            **{name: patch[name] for name in ("include", "exclude", "managerIds") if name in patch},
        }
        return saved.segment

    return await run_mutation(info, work)


async def delete(info: Info, key: str) -> Result[models.Segment]:
    async def work(session: AsyncSession, note: AuditNote) -> models.Segment:
        note.target = f"Segment:{key}"
        deleted = await service.delete_segment(session, key)
        note.detail = _summary(deleted)
        return deleted

    return await run_mutation(info, work)
