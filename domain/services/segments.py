"""Segments: definitions, who is in them and why, and their changes (staff and integrators)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, ids, visibility
from domain.errors import NotFoundError
from domain.models import MembershipEvent, Segment, SegmentMember
from domain.pagination import Keyset
from domain.principal import Principal
from domain.segments import insight, service
from domain.segments.readable import SUBJECT_TYPES, Subject
from domain.uow import UnitOfWork

MEMBER_ORDER = Keyset((SegmentMember.subject_id,))
EVENT_ORDER = Keyset((MembershipEvent.id,), descending=True)


async def segment_by_key(session: AsyncSession, key: str) -> Segment | None:
    if not service.is_key(key):  # only well-formed keys are ever looked up
        return None
    return await session.scalar(select(Segment).where(Segment.key == key))


SEGMENT_SCOPES = frozenset({"segments:read", "segments:write"})


async def visible_segment(
    session: AsyncSession, principal: Principal, segment_id: str
) -> Segment | None:
    """A segment by id; segments are staff configuration, contacts never resolve them."""
    pk = ids.decode_as(segment_id, "Segment")
    if pk is None or principal.is_contact:
        return None
    if principal.is_api_key and not principal.scopes & SEGMENT_SCOPES:
        return None
    return await session.get(Segment, pk)


async def all_segments(session: AsyncSession) -> list[Segment]:
    return list(await session.scalars(select(Segment).order_by(Segment.key)))


async def preview(
    session: AsyncSession, principal: Principal, subject: Subject, rule: Any
) -> insight.Preview:
    """Who a rule selects now among the subjects the principal may see (DomainError: bad rule)."""

    def visible(subject_id: Any) -> Any:
        return visibility.members_readable(principal, subject.value, subject_id)

    return await insight.preview(session, subject, rule, visible)


async def explain(
    session: AsyncSession, principal: Principal, key: str, subject_id: str
) -> insight.Explanation:
    """Why a subject the principal may see is in a segment or not."""
    segment = await segment_by_key(session, key)
    found = segment.subject if segment is not None else None
    if found is None:
        raise NotFoundError(f"No segment with key {key!r}.")
    type_name, model = SUBJECT_TYPES[Subject(found)]
    pk = ids.decode_as(subject_id, type_name)
    seen = pk is not None and await session.scalar(
        select(model.id).where(
            model.id == pk, visibility.members_readable(principal, found, model.id)
        )
    )
    explanation = await insight.explain_membership(session, key, pk) if seen and pk else None
    if explanation is None:
        raise NotFoundError(
            f"No {type_name.lower()} with id {subject_id!r}; segment {key!r} groups "
            f"{found.lower()}s."
        )
    return explanation


def _summary(segment: Segment) -> dict[str, Any]:
    return {
        "name": segment.name,
        "description": segment.description,
        "rule": segment.rule,
        "version": segment.version,
    }


async def save(uow: UnitOfWork, key: str | None, patch: Mapping[str, Any]) -> Segment:
    """Create (key None) or change a segment; its members move before this returns."""
    session = uow.session
    before: dict[str, Any] = {}
    if key is not None:
        existing = await segment_by_key(session, key)
        before = _summary(existing) if existing else {}
    uow.target = f"Segment:{key or patch.get('key')}"
    saved = await service.save_segment(session, key, patch)
    uow.target = f"Segment:{saved.segment.key}"
    uow.detail = {
        **audit.diff(before, _summary(saved.segment)),
        "joined": saved.joined,
        "left": saved.left,
        **{name: patch[name] for name in ("include", "exclude", "managerIds") if name in patch},
    }
    return saved.segment


async def delete(uow: UnitOfWork, key: str) -> Segment:
    uow.target = f"Segment:{key}"
    deleted = await service.delete_segment(uow.session, key)
    uow.detail = _summary(deleted)
    return deleted
