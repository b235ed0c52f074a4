"""`node(id)`: the id names its type; each type's by-id lookup applies its own visibility."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.types import Info

from domain import ids, models
from resolvers import partners

ByIdLookup = Callable[[Info, str], Awaitable[Any]]


async def _partner(info: Info, global_id: str) -> Any:
    return await partners.partner(info, global_id, None)


async def _segment(info: Info, global_id: str) -> Any:
    """Segments are staff configuration: contacts never resolve them by id."""
    principal = info.context.require_principal()
    pk = ids.decode_as(global_id, "Segment")
    if principal.is_contact or (principal.is_api_key and not principal.scopes & SEGMENT_SCOPES):
        return None
    async with info.context.db.read() as session:
        return await session.get(models.Segment, pk)


SEGMENT_SCOPES = frozenset({"segments:read", "segments:write"})

LOOKUPS: dict[str, ByIdLookup] = {
    "Segment": _segment,
    "Partner": _partner,
    "Contact": partners.contact,
}


async def node(info: Info, global_id: str) -> Any:
    info.context.require_principal()
    decoded = ids.decode(global_id)
    if decoded is None or decoded[0] not in LOOKUPS:
        return None
    return await LOOKUPS[decoded[0]](info, global_id)
