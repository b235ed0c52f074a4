"""Certification definitions and awards (vendor admins; channel managers award their own)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from domain import audiences, ids, validation
from domain.certifications import loops_through_audience, regrant
from domain.errors import DomainError, ErrorCode, Problems
from domain.models import Certification
from domain.segments.index import load_index, lock_catalogue
from domain.segments.service import is_key
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
    uow.target = f"Certification:{ids.encode('Certification', existing.id)}"
    uow.detail = {
        "key": key,
        "name": existing.name,
        "awardAudience": spec.as_dict() if spec else None,
    }
    await regrant(session, key)
    return existing
