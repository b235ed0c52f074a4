"""The portal shell: GraphQL arguments to service calls (navigation, homepage, forms, deal
coach, partner profile), and the viewer answered afresh after a submission."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from domain import models
from domain.portal import Kind
from domain.principal import Principal
from domain.services import forms as form_service
from domain.services import portal as service
from domain.services import profile as profile_service
from domain.services.portal import Listing
from resolvers.context import Info
from resolvers.mutations import Result, run

T = TypeVar("T")


def _show(info: Info, listing: Listing[T]) -> list[T]:
    """The rows, their audiences primed in the request's loader (no query to show them)."""
    info.context.loaders.audience_by_id.prime_many(listing.audiences)
    return listing.rows


async def navigation(info: Info) -> list[models.NavTab]:
    matched = info.context.viewer.access.audience_ids
    async with info.context.db.read() as session:
        return _show(info, await service.navigation(session, matched))


async def homepage(info: Info) -> models.PortalPage | None:
    matched = info.context.viewer.access.audience_ids
    async with info.context.db.read() as session:
        found = _show(info, await service.homepage(session, matched))
    return found[0] if found else None


async def forms(info: Info) -> list[models.Form]:
    info.context.require_principal()
    matched = info.context.viewer.access.audience_ids
    async with info.context.db.read() as session:
        return _show(info, await service.forms(session, matched))


async def deal_coach(info: Info, stage: str | None) -> list[models.CoachTip]:
    matched = info.context.viewer.access.audience_ids
    async with info.context.db.read() as session:
        return _show(info, await service.coach_tips(session, matched, stage))


async def editable_profile_fields(info: Info) -> list[str]:
    matched = info.context.viewer.access.audience_ids
    async with info.context.db.read() as session:
        return await profile_service.editable_fields(session, matched)


async def create(info: Info, kind: Kind, spec: Mapping[str, Any]) -> Result[str]:
    return await run(info, service.create, kind, spec)


async def update(info: Info, kind: Kind, key: str, spec: Mapping[str, Any]) -> Result[str]:
    return await run(info, service.update, kind, key, spec)


async def delete(info: Info, kind: Kind, key: str) -> Result[Any]:
    return await run(info, service.delete, kind, key)


async def _answer_afresh(info: Info, result: Result[Any]) -> None:
    """After a change to the viewer's own data, the rest of the response (and the payload's
    viewer) is answered as the next request would be: new segments, portal, capabilities."""
    principal = info.context.principal
    if result.ok and principal is not None:
        await info.context.sign_in(principal)


async def submit_form(info: Info, key: str, values: Any) -> Result[Principal]:
    matched = info.context.viewer.access.audience_ids
    result = await run(info, form_service.submit_form, matched, key, values)
    await _answer_afresh(info, result)
    principal = info.context.principal
    return Result(principal, []) if result.ok else Result(None, result.problems, result.error)


async def update_partner_profile(
    info: Info, values: Any, expected_version: int | None
) -> Result[models.Partner]:
    matched = info.context.viewer.access.audience_ids
    result = await run(
        info, profile_service.update_partner_profile, matched, values, expected_version
    )
    await _answer_afresh(info, result)
    return result
