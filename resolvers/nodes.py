"""`node(id)`: the id names its type; each type's by-id lookup applies its own visibility."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.types import Info

from domain import ids
from resolvers import partners

ByIdLookup = Callable[[Info, str], Awaitable[Any]]


async def _partner(info: Info, global_id: str) -> Any:
    return await partners.partner(info, global_id, None)


LOOKUPS: dict[str, ByIdLookup] = {
    "Partner": _partner,
    "Contact": partners.contact,
}


async def node(info: Info, global_id: str) -> Any:
    info.context.require_principal()
    decoded = ids.decode(global_id)
    if decoded is None or decoded[0] not in LOOKUPS:
        return None
    return await LOOKUPS[decoded[0]](info, global_id)
