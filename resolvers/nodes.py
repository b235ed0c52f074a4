"""`node(id)`: the id names its type; each type's by-id lookup applies its own visibility."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from domain import ids
from domain.services import segments
from resolvers import content, deals, goals, learning, partners, quotes
from resolvers.context import Info

ByIdLookup = Callable[[Info, str], Awaitable[Any]]


async def _partner(info: Info, global_id: str) -> Any:
    return await partners.partner(info, global_id, None)


async def _segment(info: Info, global_id: str) -> Any:
    principal = info.context.require_principal()
    async with info.context.db.read() as session:
        return await segments.visible_segment(session, principal, global_id)


LOOKUPS: dict[str, ByIdLookup] = {
    "Segment": _segment,
    "Partner": _partner,
    "Contact": partners.contact,
    "Deal": deals.deal,
    "Quote": quotes.quote,
    "Asset": content.asset,
    "Announcement": content.announcement,
    "Course": learning.course,
    "Goal": goals.goal,
}


async def node(info: Info, global_id: str) -> Any:
    info.context.require_principal()
    decoded = ids.decode(global_id)
    if decoded is None or decoded[0] not in LOOKUPS:
        return None
    return await LOOKUPS[decoded[0]](info, global_id)
