"""Certifications and course completions a contact holds, by key.

Rules read them as `contact.certifications` and `contact.completedCourses`; a change moves
the contact's segments and its company's metrics in the same transaction.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import utcnow
from domain.contacts import contact_changed
from domain.models import Contact, ContactCertification, CourseCompletion


class Source(StrEnum):
    AUDIENCE = "AUDIENCE"
    MANUAL = "MANUAL"
    COURSE = "COURSE"


async def award(session: AsyncSession, contact: Contact, key: str, source: Source) -> bool:
    """Hold certification `key`; False when already held (the first source is kept)."""
    held = await session.get(ContactCertification, (contact.id, key))
    if held is not None:
        return False
    session.add(
        ContactCertification(
            contact_id=contact.id, certification_key=key, source=source.value, since=utcnow()
        )
    )
    await session.flush()
    await contact_changed(session, contact, frozenset({"contact.certifications"}))
    return True


async def withdraw(session: AsyncSession, contact: Contact, key: str) -> bool:
    """Stop holding certification `key`; False when it was not held."""
    result = await session.execute(
        delete(ContactCertification).where(
            ContactCertification.contact_id == contact.id,
            ContactCertification.certification_key == key,
        )
    )
    if not result.rowcount:
        return False
    await contact_changed(session, contact, frozenset({"contact.certifications"}))
    return True


async def complete_course(session: AsyncSession, contact: Contact, course_key: str) -> bool:
    """Record a completed course; False when it was already completed."""
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
    await contact_changed(session, contact, frozenset({"contact.completedCourses"}))
    return True
