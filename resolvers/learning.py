"""Courses, enrolments and certifications: GraphQL arguments to service calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain import models
from domain.services import certifications, courses
from resolvers.context import Info
from resolvers.mutations import Result, run


async def courses_for_viewer(info: Info) -> list[models.Course]:
    info.context.require_principal()
    matched = info.context.viewer.access.audience_ids
    async with info.context.db.read() as session:
        return await courses.visible_courses(session, matched)


async def course(info: Info, course_id: str) -> models.Course | None:
    info.context.require_principal()
    matched = info.context.viewer.access.audience_ids
    async with info.context.db.read() as session:
        return await courses.find_course(session, matched, course_id)


async def enrollments(info: Info) -> list[models.Enrollment]:
    principal = info.context.require_principal()
    async with info.context.db.read() as session:
        found = await courses.enrollments_of(session, principal)
    # Each enrolment's `course` comes from the same statement, not another.
    info.context.loaders.course_by_id.prime_many({c.id: c for _, c in found})
    return [enrollment for enrollment, _ in found]


async def certification_definitions(info: Info) -> list[models.Certification]:
    info.context.require_principal()
    async with info.context.db.read() as session:
        return await certifications.all_certifications(session)


async def certifications_held(info: Info) -> list[models.ContactCertification]:
    principal = info.context.require_principal()
    async with info.context.db.read() as session:
        return await certifications.held_by(session, principal)


async def create_course(info: Info, patch: Mapping[str, Any]) -> Result[models.Course]:
    return await run(info, courses.create_course, patch)


async def update_course(info: Info, key: str, patch: Mapping[str, Any]) -> Result[models.Course]:
    return await run(info, courses.update_course, key, patch)


async def delete_course(info: Info, key: str) -> Result[models.Course]:
    return await run(info, courses.delete_course, key)


async def enroll(info: Info, key: str) -> Result[models.Enrollment]:
    return await run(info, courses.enroll_in_course, key)


async def record_progress(
    info: Info, enrollment_id: str, progress: float
) -> Result[models.Enrollment]:
    return await run(info, courses.record_course_progress, enrollment_id, progress)


async def create_certification(
    info: Info, key: str, name: str, award_audience: Mapping[str, Any] | None
) -> Result[models.Certification]:
    return await run(info, certifications.create_certification, key, name, award_audience)


async def update_certification(
    info: Info, key: str, patch: Mapping[str, Any]
) -> Result[models.Certification]:
    return await run(info, certifications.update_certification, key, patch)


async def delete_certification(info: Info, key: str) -> Result[models.Certification]:
    return await run(info, certifications.delete_certification, key)


async def award(info: Info, contact_id: str, key: str) -> Result[models.Contact]:
    return await run(info, certifications.award_certification, contact_id, key)
