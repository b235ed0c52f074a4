"""Deals: GraphQL arguments to service calls, and the per-deal fields that need loading."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain import models
from domain.pagination import Page, after_id, child_page, page_size
from domain.services import deals as service
from resolvers.context import Info
from resolvers.mutations import Result, run


async def deal_list(info: Info, first: int | None, after: str | None) -> Page[models.Deal]:
    principal = info.context.require_principal()
    return await service.deal_page(info.context.db, principal, first, after)


async def deal(info: Info, id: str) -> models.Deal | None:
    principal = info.context.require_principal()
    async with info.context.db.read() as session:
        return await service.find_deal(session, principal, id)


async def partner_deals(
    info: Info, partner: models.Partner, first: int | None, after: str | None
) -> Page[models.Deal]:
    """A visible partner's deals that the viewer may see, newest first (batched)."""
    size = page_size(first)
    loaders = info.context.loaders
    rows = await loaders.deal_page_by_partner_id.load((partner.id, size, after_id(after)))

    async def count() -> int:
        return await loaders.deal_count_by_partner_id.load(partner.id)

    return child_page(rows, size, service.DEAL_ORDER, count)


async def quote_deal(info: Info, deal_id: int | None) -> models.Deal | None:
    """A quote's deal, when the viewer may see it."""
    if deal_id is None:
        return None
    return await info.context.loaders.visible_deal_by_id.load(deal_id)


async def values(info: Info, deal: models.Deal) -> dict[str, Any]:
    """The attribute values the viewer's layout for the deal's record type shows (staff and
    API keys: all of them)."""
    matched = info.context.viewer.access.audience_ids
    if matched is None:
        return dict(deal.values)
    shown = await info.context.loaders.deal_layout_fields.load((deal.record_type, matched))
    return {key: value for key, value in deal.values.items() if key in shown}


async def register(info: Info, record_type: str, values: Any) -> Result[models.Deal]:
    matched = info.context.viewer.access.audience_ids
    return await run(info, service.register_deal, matched, record_type, values)


async def update(
    info: Info, id: str, patch: Mapping[str, Any], expected_version: int | None
) -> Result[models.Deal]:
    return await run(info, service.update_deal, id, patch, expected_version)
