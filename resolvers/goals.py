"""Goals: GraphQL arguments to service calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain import goals, models
from domain.services import goals as service
from resolvers.context import Info
from resolvers.mutations import Result, run


async def visible_goals(info: Info) -> list[models.Goal]:
    principal = info.context.require_principal()
    matched = info.context.viewer.access.audience_ids
    async with info.context.db.read() as session:
        return await service.visible_goals(session, principal, matched)


async def goal(info: Info, goal_id: str) -> models.Goal | None:
    principal = info.context.require_principal()
    matched = info.context.viewer.access.audience_ids
    async with info.context.db.read() as session:
        return await service.find_goal(session, principal, matched, goal_id)


async def viewer_goals(info: Info) -> list[goals.Progress]:
    principal = info.context.require_principal()
    matched = info.context.viewer.access.audience_ids
    async with info.context.db.read() as session:
        return await service.viewer_goals(session, principal, matched)


async def segment_progress(info: Info, goal: models.Goal) -> list[goals.SegmentProgress]:
    """Staff and analytics keys only; contacts (and other keys) get none."""
    principal = info.context.require_principal()
    if not service.reads_every_goal(principal):
        return []
    return await info.context.loaders.segment_progress_by_goal_id.load(goal.id)


async def create(info: Info, patch: Mapping[str, Any]) -> Result[models.Goal]:
    return await run(info, service.create_goal, patch)


async def update(info: Info, goal_id: str, patch: Mapping[str, Any]) -> Result[models.Goal]:
    return await run(info, service.update_goal, goal_id, patch)


async def delete(info: Info, goal_id: str) -> Result[models.Goal]:
    return await run(info, service.delete_goal, goal_id)
