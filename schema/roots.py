"""Root fields that declare who may call them (and say so in the schema description)."""

from __future__ import annotations

from typing import Any

import strawberry

from domain.principal import StaffRole
from permissions.rules import ALL_STAFF, Allow, described, guard

ADMIN = (StaffRole.VENDOR_ADMIN,)
EDITORS = (StaffRole.VENDOR_ADMIN, StaffRole.CHANNEL_MANAGER)


# `graphql_type`: the GraphQL type, when the resolver returns the domain object it shows.
def query(description: str, allow: Allow | None = None, *, graphql_type: Any = None) -> Any:
    if allow is None:
        return strawberry.field(description=description, graphql_type=graphql_type)
    return strawberry.field(
        description=described(description, allow),
        extensions=guard(allow),
        graphql_type=graphql_type,
    )


def mutation(description: str, allow: Allow | None = None) -> Any:
    if allow is None:
        return strawberry.mutation(description=description)
    return strawberry.mutation(description=described(description, allow), extensions=guard(allow))


__all__ = ["ADMIN", "ALL_STAFF", "EDITORS", "Allow", "guard", "mutation", "query"]
