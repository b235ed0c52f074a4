"""Courses (vendor admins), enrolments and progress (each contact its own).

Saving a course's auto-enrol audience enrols everyone matching it at once, set-based; from
then on the membership-move hook enrols whoever comes to match (domain.courses). Both run
under the catalogue's exclusive lock, so no membership moves between reading who matches
and enrolling them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audiences, content, courses, ids
from domain.audiences import AudienceSpec, Matched
from domain.contacts import contacts_changed
from domain.errors import DomainError, ErrorCode, Problems
from domain.locks import lock_partners
from domain.models import Certification, Contact, Course, Enrollment
from domain.principal import Principal
from domain.segments.index import lock_catalogue
from domain.segments.service import is_key
from domain.services.inputs import audience, checked, decoded
from domain.uow import UnitOfWork

COURSE_ORDER = (Course.title, Course.id)
KEY_HINT = "lowercase letters, digits and single dashes, e.g. partner-onboarding (at most 64)"


# ---------------------------------------------------------------- reads


async def visible_courses(session: AsyncSession, matched: Matched) -> list[Course]:
    """Courses whose audience admits the viewer (staff and API keys: all), by title."""
    rows = await session.scalars(
        select(Course)
        .where(audiences.admitted(matched, Course.audience_id))
        .order_by(*COURSE_ORDER)
    )
    return list(rows)


async def find_course(session: AsyncSession, matched: Matched, course_id: str) -> Course | None:
    pk = decoded(course_id, "Course")
    if pk is None:
        return None
    return await session.scalar(
        select(Course).where(Course.id == pk, audiences.admitted(matched, Course.audience_id))
    )


async def enrollments_of(
    session: AsyncSession, principal: Principal
) -> list[tuple[Enrollment, Course]]:
    """A contact's own enrolments with their courses (one statement), oldest first (staff
    and API keys have none)."""
    if not principal.is_contact:
        return []
    rows = await session.execute(_OWN_ENROLLMENTS, {"contact_id": principal.id})
    return [(enrollment, course) for enrollment, course in rows]


# Built once (see domain.statements).
_OWN_ENROLLMENTS = (
    select(Enrollment, Course)
    .join(Course, Course.id == Enrollment.course_id)
    .where(Enrollment.contact_id == bindparam("contact_id"))
    .order_by(Enrollment.id)
)


# ---------------------------------------------------------------- configuring


def _summary(course: Course, certification_key: str | None) -> dict[str, Any]:
    return {
        "key": course.key,
        "title": course.title,
        "audienceId": course.audience_id,
        "autoEnrollAudienceId": course.auto_enroll_audience_id,
        "certificationKey": certification_key,
    }


async def _certification_key(session: AsyncSession, course: Course) -> str | None:
    if course.certification_id is None:
        return None
    return await session.scalar(
        select(Certification.key).where(Certification.id == course.certification_id)
    )


async def _locked(session: AsyncSession, key: Any) -> Course:
    course = (
        await session.scalar(select(Course).where(Course.key == key).with_for_update())
        if is_key(key)
        else None
    )
    if course is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, f"There is no course with key {key!r}.", ["key"])
    return course


async def _apply(uow: UnitOfWork, course: Course, patch: Mapping[str, Any]) -> None:
    """Validate `patch` whole, write it, then enrol and award what it newly implies."""
    session, problems = uow.session, Problems()
    title: str | None = course.title
    if "title" in patch:
        title = checked(content.name, patch["title"], "title", problems)
    specs: dict[str, AudienceSpec | None] = {}
    for name in ("audience", "autoEnrollAudience"):
        if name in patch:
            specs[name] = await audience(session, patch[name], [name], problems)
    certification: Certification | None = None
    if "certificationKey" in patch and patch["certificationKey"] is not None:
        wanted = patch["certificationKey"]
        certification = (
            await session.scalar(select(Certification).where(Certification.key == wanted))
            if is_key(wanted)
            else None
        )
        if certification is None:
            problems.add(
                ErrorCode.NOT_FOUND,
                f"There is no certification with key {wanted!r}.",
                "certificationKey",
            )
    problems.raise_if_any()
    assert title is not None
    course.title = title
    if "audience" in patch:
        course.audience_id = await audiences.store(session, specs["audience"])
    enrol_again = False
    if "autoEnrollAudience" in patch:
        spec = specs["autoEnrollAudience"]
        new_id = await audiences.store(session, spec) if spec is not None else None
        enrol_again = new_id is not None and new_id != course.auto_enroll_audience_id
        course.auto_enroll_audience_id = new_id
    award_again = False
    if "certificationKey" in patch:
        new_certification = certification.id if certification is not None else None
        award_again = new_certification is not None and new_certification != course.certification_id
        course.certification_id = new_certification
    session.add(course)
    await session.flush()
    await audiences.bump_access_version(session)
    if enrol_again:
        await courses.enrol_audience(session, course)
    if award_again and certification is not None:
        await courses.award_to_completers(session, course.id, certification.key)


async def create_course(uow: UnitOfWork, patch: Mapping[str, Any]) -> Course:
    """A new course; everyone matching its auto-enrol audience is enrolled at once."""
    session = uow.session
    await lock_catalogue(session)  # no membership moves while we enrol who matches
    key = patch.get("key")
    uow.target = f"Course:{key}"
    if not is_key(key):
        problems = Problems()
        problems.add(ErrorCode.INVALID_VALUE, f"key: {KEY_HINT}.", "key")
        if "title" in patch:
            checked(content.name, patch["title"], "title", problems)
        problems.raise_if_any()
    if await session.scalar(select(Course.id).where(Course.key == key)) is not None:
        raise DomainError.one(
            ErrorCode.DUPLICATE, f"A course with key {key!r} exists already.", ["key"]
        )
    course = Course(key=key)
    defaults = {"audience": None, "autoEnrollAudience": None, "certificationKey": None}
    await _apply(uow, course, {**defaults, **patch})
    uow.target = f"Course:{ids.encode('Course', course.id)}"
    uow.detail = {"after": _summary(course, await _certification_key(session, course))}
    return course


async def update_course(uow: UnitOfWork, key: str, patch: Mapping[str, Any]) -> Course:
    """Change a course (its key stays); a new auto-enrol audience enrols who matches it now,
    a newly named certification is awarded to those who completed the course already."""
    session = uow.session
    uow.target = f"Course:{key}"
    await lock_catalogue(session)
    course = await _locked(session, key)
    uow.target = f"Course:{ids.encode('Course', course.id)}"
    before = _summary(course, await _certification_key(session, course))
    await _apply(uow, course, {k: v for k, v in patch.items() if k != "key"})
    uow.detail = {
        "before": before,
        "after": _summary(course, await _certification_key(session, course)),
    }
    return course


async def delete_course(uow: UnitOfWork, key: str) -> Course:
    """Remove a course and its enrolments; those who completed it no longer have it among
    their completed courses (segments and metrics move). Certifications it awarded stay."""
    session = uow.session
    uow.target = f"Course:{key}"
    await lock_catalogue(session)
    course = await _locked(session, key)
    uow.target = f"Course:{ids.encode('Course', course.id)}"
    uow.detail = {"before": _summary(course, await _certification_key(session, course))}
    moved = await courses.completers(session, course.id)
    await session.execute(Enrollment.__table__.delete().where(Enrollment.course_id == course.id))
    await session.delete(course)
    await session.flush()
    await audiences.bump_access_version(session)
    await contacts_changed(session, moved, courses.COMPLETED_COURSES)
    return course


# ---------------------------------------------------------------- a contact's own learning


async def enroll_in_course(uow: UnitOfWork, key: str) -> Enrollment:
    """Enrol the signed-in contact in a course it may see (already enrolled: unchanged)."""
    session, principal = uow.session, uow.principal
    uow.target = f"Course:{key}"
    assert principal.partner_id is not None
    await lock_partners(session, [principal.partner_id])
    course = await session.scalar(select(Course).where(Course.key == key)) if is_key(key) else None
    if course is None or not await _admits(session, course.audience_id, principal.id):
        raise DomainError.one(ErrorCode.NOT_FOUND, f"There is no course with key {key!r}.", ["key"])
    uow.target = f"Course:{ids.encode('Course', course.id)}"
    await courses.enrol(session, course.id, select(Contact.id).where(Contact.id == principal.id))
    enrollment = await session.scalar(
        select(Enrollment).where(
            Enrollment.course_id == course.id, Enrollment.contact_id == principal.id
        )
    )
    assert enrollment is not None
    uow.detail = {"enrollment": ids.encode("Enrollment", enrollment.id)}
    return enrollment


async def _admits(session: AsyncSession, audience_id: int | None, contact_id: int) -> bool:
    """Whether the contact matches the audience now (inside the write, after its lock)."""
    if audience_id is None:
        return True
    spec = (await audiences.specs(session, [audience_id]))[audience_id]
    found = await session.scalar(
        select(Contact.id).where(Contact.id == contact_id, audiences.contact_matches(spec))
    )
    return found is not None


async def record_course_progress(uow: UnitOfWork, enrollment_id: str, progress: Any) -> Enrollment:
    """Record how far the signed-in contact is in one of its own enrolments (0.0-1.0; 1.0
    completes it, and a completed course stays completed)."""
    session, principal = uow.session, uow.principal
    uow.target = f"Enrollment:{enrollment_id}"
    assert principal.partner_id is not None
    await lock_partners(session, [principal.partner_id])  # completion moves segments, metrics
    problems = Problems()
    pk = decoded(enrollment_id, "Enrollment")
    enrollment = (
        await session.scalar(
            select(Enrollment)
            .where(Enrollment.id == pk, Enrollment.contact_id == principal.id)
            .with_for_update()
        )
        if pk is not None
        else None
    )
    if enrollment is None:
        problems.add(ErrorCode.NOT_FOUND, "No enrollment with this id.", "enrollmentId")
    if not courses.valid_progress(progress):
        problems.add(
            ErrorCode.INVALID_VALUE,
            f"progress: a number from 0.0 to 1.0 (1.0 completes the course); got {progress!r}.",
            "progress",
        )
    problems.raise_if_any()
    assert enrollment is not None
    contact = await session.get(Contact, principal.id)
    assert contact is not None
    before = {"progress": enrollment.progress, "status": enrollment.status}
    await courses.record_progress(session, enrollment, contact, float(progress))
    uow.detail = {
        "before": before,
        "after": {"progress": enrollment.progress, "status": enrollment.status},
    }
    return enrollment
