"""Courses and enrolments: who is enrolled, how far along, and what completing one changes.

A contact that comes to match a course's auto-enrol audience is enrolled in the same
transaction as the change that made it match: `follow_audiences` subscribes to the
membership-move hook (domain.segments.hooks) and enrols, set-based, with one
`INSERT ... SELECT` per course, whatever moved (a data change, a rule change, a recompute, a
role change, a new contact). Leaving the audience keeps the enrolment and its progress.
Completing a course is a contact change (`contact.completedCourses`, which also drives the
`trainingCompletionRate` metric) and may award the course's certification (source COURSE).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, Select, exists, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audiences, certifications
from domain.audiences import AudienceSpec
from domain.clock import utcnow
from domain.contacts import contacts_changed
from domain.models import Certification, Contact, Course, Enrollment
from domain.models.base import UTCDateTime
from domain.segments import hooks
from domain.segments.index import load_index

COMPLETED_COURSES = frozenset({"contact.completedCourses"})


class Status(StrEnum):
    ENROLLED = "ENROLLED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


def valid_progress(progress: Any) -> bool:
    """A finite number from 0.0 to 1.0."""
    return (
        isinstance(progress, int | float)
        and not isinstance(progress, bool)
        and math.isfinite(progress)
        and 0.0 <= progress <= 1.0
    )


def status_for(progress: float) -> Status:
    if progress >= 1.0:
        return Status.COMPLETED
    return Status.IN_PROGRESS if progress > 0 else Status.ENROLLED


# ---------------------------------------------------------------- enrolling


async def enrol(session: AsyncSession, course_id: int, contacts: Select[Any]) -> int:
    """Enrol the contacts `contacts` selects (one column: ids) that are not enrolled yet, in
    one INSERT ... SELECT; returns how many were enrolled."""
    already = exists(
        select(literal(1)).where(
            Enrollment.course_id == course_id, Enrollment.contact_id == Contact.id
        )
    )
    chosen = contacts.subquery()
    new = select(
        literal(course_id),
        Contact.id,
        literal(0.0),
        literal(Status.ENROLLED.value),
        literal(utcnow(), UTCDateTime()),
    ).where(Contact.id.in_(select(chosen.c[0])), ~already)
    result = cast(
        CursorResult[Any],
        await session.execute(
            insert(Enrollment).from_select(
                ["course_id", "contact_id", "progress", "status", "enrolled_at"], new
            )
        ),
    )
    return max(result.rowcount or 0, 0)


async def enrol_audience(session: AsyncSession, course: Course) -> int:
    """Enrol everyone who matches the course's auto-enrol audience now (a new or changed
    audience); those already enrolled keep their enrolment."""
    if course.auto_enroll_audience_id is None:
        return 0
    spec = (await audiences.specs(session, [course.auto_enroll_audience_id]))[
        course.auto_enroll_audience_id
    ]
    matches = audiences.contact_matches(spec, index=await load_index(session))
    return await enrol(session, course.id, select(Contact.id).where(matches))


@dataclass(frozen=True)
class AutoEnrolling:
    course_id: int
    audience: AudienceSpec


async def _auto_enrolling(session: AsyncSession) -> list[AutoEnrolling]:
    return await audiences.per_access_version(session, "auto-enrolling", _load_auto_enrolling)


async def _load_auto_enrolling(session: AsyncSession) -> list[AutoEnrolling]:
    found = await session.execute(
        select(Course.id, Course.auto_enroll_audience_id).where(
            Course.auto_enroll_audience_id.is_not(None)
        )
    )
    rows = [(course_id, audience_id) for course_id, audience_id in found if audience_id]
    specs = await audiences.specs(session, [audience_id for _, audience_id in rows])
    return [AutoEnrolling(course_id, specs[audience_id]) for course_id, audience_id in rows]


async def follow_audiences(session: AsyncSession, change: hooks.AudienceChange) -> None:
    """Enrol the contacts that came to match an auto-enrol audience (a subscriber of the
    membership-move hook); nobody is unenrolled."""
    courses = await _auto_enrolling(session)
    if not courses:
        return
    index = await load_index(session)
    change = await hooks.materialised(session, change, "enrolment_checked")
    checked = change.contacts.subquery()
    for course in courses:
        named = [index.by_key[k].id for k in course.audience.segment_keys if k in index.by_key]
        if not change.names_any(named):
            continue
        candidates = select(Contact.id).where(
            Contact.id.in_(select(checked.c[0])),
            audiences.contact_matches(course.audience, index=index),
        )
        await enrol(session, course.course_id, candidates)


# ---------------------------------------------------------------- progress


async def record_progress(
    session: AsyncSession, enrollment: Enrollment, contact: Contact, progress: float
) -> bool:
    """Record a valid progress (0-1) on `contact`'s enrolment; True when it completed now.

    Once completed it stays completed (a later value is ignored). Completion moves the
    contact's `completedCourses` (segments and metrics) and awards the course's
    certification, if it names one. The caller holds the contact's company lock.
    """
    if enrollment.status == Status.COMPLETED.value:
        return False
    status = status_for(progress)
    enrollment.progress = 1.0 if status is Status.COMPLETED else float(progress)
    enrollment.status = status.value
    if status is not Status.COMPLETED:
        await session.flush()
        return False
    enrollment.completed_at = utcnow()
    await session.flush()
    await contacts_changed(session, {contact.id: contact.partner_id}, COMPLETED_COURSES)
    key = await session.scalar(
        select(Certification.key)
        .join(Course, Course.certification_id == Certification.id)
        .where(Course.id == enrollment.course_id)
    )
    if key is not None:
        await certifications.award(session, contact, key, certifications.Source.COURSE)
    return True


async def completers(session: AsyncSession, course_id: int) -> dict[int, int]:
    """{contact id: partner id} of the contacts that completed a course."""
    rows = await session.execute(
        select(Contact.id, Contact.partner_id)
        .join(Enrollment, Enrollment.contact_id == Contact.id)
        .where(Enrollment.course_id == course_id, Enrollment.status == Status.COMPLETED.value)
    )
    return {contact_id: partner_id for contact_id, partner_id in rows}


async def award_to_completers(session: AsyncSession, course_id: int, key: str) -> None:
    """A course that now names a certification awards it to those who already completed it
    (source COURSE; those holding it already keep theirs), set-based."""
    moved = await certifications.award_many(
        session,
        key,
        select(Enrollment.contact_id).where(
            Enrollment.course_id == course_id, Enrollment.status == Status.COMPLETED.value
        ),
        certifications.Source.COURSE,
    )
    if moved:
        await contacts_changed(session, moved, certifications.CHANGED)
