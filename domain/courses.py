"""Courses contacts complete, by key (rules read them as `contact.completedCourses`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import utcnow
from domain.contacts import contacts_changed
from domain.models import Contact, CourseCompletion


async def complete_course(session: AsyncSession, contact: Contact, course_key: str) -> bool:
    """Record a completed course; False when it was already completed.

    The caller holds the contact's company lock (domain.locks).
    """
    done = await session.scalar(
        select(CourseCompletion).where(
            CourseCompletion.contact_id == contact.id, CourseCompletion.course_key == course_key
        )
    )
    if done is not None:
        return False
    session.add(
        CourseCompletion(contact_id=contact.id, course_key=course_key, completed_at=utcnow())
    )
    await session.flush()
    await contacts_changed(
        session, {contact.id: contact.partner_id}, frozenset({"contact.completedCourses"})
    )
    return True
