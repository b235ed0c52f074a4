"""Products and price rules: GraphQL arguments to service calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain import models
from domain.services import products as service
from domain.services.products import Priced
from resolvers.context import Info
from resolvers.mutations import Result, run


async def for_viewer(info: Info) -> list[Priced]:
    matched = info.context.viewer.access.audience_ids
    async with info.context.db.read() as session:
        return await service.products_for(session, matched)


async def price_rules(info: Info) -> list[models.PriceRule]:
    async with info.context.db.read() as session:
        return await service.all_price_rules(session)


async def create_product(info: Info, spec: Mapping[str, Any]) -> Result[models.Product]:
    return await run(info, service.create_product, spec)


async def update_product(info: Info, sku: str, patch: Mapping[str, Any]) -> Result[models.Product]:
    return await run(info, service.update_product, sku, patch)


async def delete_product(info: Info, sku: str) -> Result[models.Product]:
    return await run(info, service.delete_product, sku)


async def create_price_rule(info: Info, spec: Mapping[str, Any]) -> Result[models.PriceRule]:
    return await run(info, service.create_price_rule, spec)


async def update_price_rule(
    info: Info, id: str, patch: Mapping[str, Any]
) -> Result[models.PriceRule]:
    return await run(info, service.update_price_rule, id, patch)


async def delete_price_rule(info: Info, id: str) -> Result[models.PriceRule]:
    return await run(info, service.delete_price_rule, id)
