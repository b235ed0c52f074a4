"""Certification definitions (vendor admins) and awards by hand (vendor admins; channel managers
to contacts of their partners)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audiences, certifications, ids, validation
from domain.certifications import loops_through_audience, regrant
from domain.contacts import contacts_changed
from domain.errors import DomainError, ErrorCode, Problems
from domain.models import Certification, Contact, ContactCertification, Course
from domain.principal import Principal
from domain.segments.index import load_index, lock_catalogue
from domain.segments.service import is_key
from domain.services.partners import writable_contact
from domain.uow import UnitOfWork


async def save_certification(
    uow: UnitOfWork, key: str, name: str | None, award_audience: Mapping[str, Any] | None
) -> Certification:
    """Create or change a certification; AUDIENCE holders follow its award audience now.

    `name` None keeps the current name (required for a new certification).
    """
    session = uow.session
    uow.target = f"Certification:{key}"
    await lock_catalogue(session)  # holders must not move while the audience changes
    problems = Problems()
    if not is_key(key):
        problems.add(
            ErrorCode.INVALID_VALUE,
            "key: lowercase letters, digits and single dashes, e.g. security-pro (at most 64).",
            "key",
        )
    existing = (
        await session.scalar(select(Certification).where(Certification.key == key))
        if is_key(key)
        else None
    )
    if name is not None or existing is None:
        try:
            name = validation.text(name, max_length=200)
        except ValueError as exc:
            problems.add(
                ErrorCode.REQUIRED if name is None else ErrorCode.INVALID_VALUE,
                f"name: {exc}.",
                "name",
            )
    spec = None
    try:
        spec = await audiences.validate(session, award_audience, ["awardAudience"])
    except DomainError as exc:
        problems.items.extend(exc.problems)
    else:
        loops = loops_through_audience(await load_index(session), key, spec)
        if loops:
            problems.add(
                ErrorCode.CYCLE,
                f"The award audience depends on segment(s) {', '.join(loops)}, whose rules read "
                f"certification {key!r}: each would change the other.",
                "awardAudience",
            )
    problems.raise_if_any()
    audience_id = await audiences.store(session, spec)
    if existing is None:
        existing = Certification(key=key, name=name, award_audience_id=audience_id)
        session.add(existing)
    else:
        existing.name = name or existing.name
        existing.award_audience_id = audience_id
    await session.flush()
    await audiences.bump_access_version(session)  # subscribers read the awards anew
    uow.target = f"Certification:{ids.encode('Certification', existing.id)}"
    uow.detail = {
        "key": key,
        "name": existing.name,
        "awardAudience": spec.as_dict() if spec else None,
    }
    await regrant(session, key)
    return existing


# ---------------------------------------------------------------- the API's operations


async def _existing(session: AsyncSession, key: Any) -> Certification | None:
    if not is_key(key):
        return None
    return await session.scalar(select(Certification).where(Certification.key == key))


def _unknown(key: Any) -> DomainError:
    return DomainError.one(
        ErrorCode.NOT_FOUND, f"There is no certification with key {key!r}.", ["key"]
    )


async def create_certification(
    uow: UnitOfWork, key: str, name: str | None, award_audience: Mapping[str, Any] | None
) -> Certification:
    """A new certification (an existing key is DUPLICATE); `award_audience` None: held only
    when awarded by hand or by a course."""
    await lock_catalogue(uow.session)
    if await _existing(uow.session, key) is not None:
        raise DomainError.one(
            ErrorCode.DUPLICATE, f"A certification with key {key!r} exists already.", ["key"]
        )
    return await save_certification(uow, key, name, award_audience)


async def update_certification(
    uow: UnitOfWork, key: str, patch: Mapping[str, Any]
) -> Certification:
    """Rename or re-audience a certification (omitted: unchanged); AUDIENCE holders follow
    the new audience at once."""
    session = uow.session
    await lock_catalogue(session)
    existing = await _existing(session, key)
    if existing is None:
        raise _unknown(key)
    if "awardAudience" in patch:
        raw = patch["awardAudience"]
    elif existing.award_audience_id is not None:
        spec = (await audiences.specs(session, [existing.award_audience_id]))[
            existing.award_audience_id
        ]
        raw = spec.as_dict()
    else:
        raw = None
    name = patch.get("name")
    if "name" in patch and name is None:
        raise DomainError.one(ErrorCode.REQUIRED, "name is required.", ["name"])
    return await save_certification(uow, key, name, raw)


async def delete_certification(uow: UnitOfWork, key: str) -> Certification:
    """Remove a certification: every holder loses it (segments and metrics move), and courses
    that awarded it award nothing any more."""
    session = uow.session
    uow.target = f"Certification:{key}"
    await lock_catalogue(session)
    existing = await _existing(session, key)
    if existing is None:
        raise _unknown(key)
    uow.target = f"Certification:{ids.encode('Certification', existing.id)}"
    holders = await certifications.withdraw_everywhere(session, existing.key)
    uow.detail = {"key": existing.key, "name": existing.name, "withdrawnFrom": len(holders)}
    await session.execute(
        update(Course).where(Course.certification_id == existing.id).values(certification_id=None)
    )
    await session.delete(existing)
    await session.flush()
    await audiences.bump_access_version(session)
    await contacts_changed(session, holders, certifications.CHANGED)
    return existing


async def award_certification(uow: UnitOfWork, contact_id: str, key: str) -> Contact:
    """Award a certification by hand (source MANUAL): vendor admins to any contact, channel
    managers to contacts of their partners. One already held stays as it is."""
    session, principal = uow.session, uow.principal
    uow.target = f"Contact:{contact_id}"
    problems = Problems()
    contact = await writable_contact(session, principal, contact_id)
    if contact is None:
        problems.add(ErrorCode.NOT_FOUND, "No contact with this id.", "contactId")
    certification = await _existing(session, key)
    if certification is None:
        problems.add(ErrorCode.NOT_FOUND, f"There is no certification with key {key!r}.", "key")
    problems.raise_if_any()
    assert contact is not None
    assert certification is not None
    awarded = await certifications.award(
        session, contact, certification.key, certifications.Source.MANUAL
    )
    uow.detail = {"key": certification.key, "awarded": awarded}
    return contact


# ---------------------------------------------------------------- reads


async def all_certifications(session: AsyncSession) -> list[Certification]:
    """Every certification definition, by name."""
    rows = await session.scalars(
        select(Certification).order_by(Certification.name, Certification.id)
    )
    return list(rows)


async def held_by(session: AsyncSession, principal: Principal) -> list[ContactCertification]:
    """What a contact holds, oldest first (staff and API keys hold nothing)."""
    if not principal.is_contact:
        return []
    rows = await session.scalars(
        select(ContactCertification)
        .where(ContactCertification.contact_id == principal.id)
        .order_by(ContactCertification.since, ContactCertification.certification_key)
    )
    return list(rows)
