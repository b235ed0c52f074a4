"""Layouts: GraphQL arguments to service calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain import models
from domain.audiences import AudienceSpec
from domain.layouts import LayoutEntity
from domain.services import layouts as service
from resolvers.context import Info
from resolvers.mutations import Result, run


async def audience(info: Info, audience_id: int | None) -> AudienceSpec | None:
    """A configuration object's audience (None: every partner contact)."""
    if audience_id is None:
        return None
    return await info.context.loaders.audience_by_id.load(audience_id)


async def for_viewer(info: Info, entity: LayoutEntity) -> list[models.Layout]:
    matched = info.context.viewer.access.audience_ids
    async with info.context.db.read() as session:
        return await service.for_viewer(session, matched, entity)


async def create(info: Info, spec: Mapping[str, Any]) -> Result[models.Layout]:
    return await run(info, service.create_layout, spec)


async def update(info: Info, layout_id: str, spec: Mapping[str, Any]) -> Result[models.Layout]:
    return await run(info, service.update_layout, layout_id, spec)


async def delete(info: Info, layout_id: str) -> Result[models.Layout]:
    return await run(info, service.delete_layout, layout_id)
