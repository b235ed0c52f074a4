"""Quotes: GraphQL arguments to service calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain import models
from domain.pagination import Page
from domain.services import quotes as service
from resolvers.context import Info
from resolvers.mutations import Result, run


async def quote_list(info: Info, first: int | None, after: str | None) -> Page[models.Quote]:
    principal = info.context.require_principal()
    return await service.quote_page(info.context.db, principal, first, after)


async def quote(info: Info, id: str) -> models.Quote | None:
    principal = info.context.require_principal()
    async with info.context.db.read() as session:
        return await service.find_quote(session, principal, id)


async def lines(info: Info, quote: models.Quote) -> list[models.QuoteLine]:
    return await info.context.loaders.lines_by_quote_id.load(quote.id)


async def create(info: Info, spec: Mapping[str, Any]) -> Result[models.Quote]:
    matched = info.context.viewer.access.audience_ids
    return await run(info, service.create_quote, matched, spec)


async def submit(info: Info, id: str) -> Result[models.Quote]:
    return await run(info, service.submit_quote, id)


async def review(info: Info, id: str, approve: bool) -> Result[models.Quote]:
    return await run(info, service.review_quote, id, approve)
