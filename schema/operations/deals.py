"""Root fields for deals (partner contacts register them; staff and integrators move them)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.scalars import JSON

from domain import models
from permissions import actions
from resolvers import deals as resolve
from resolvers.context import Info
from schema.common import Connection
from schema.deal import Deal, DealPayload
from schema.payloads import payload, same
from schema.roots import ALL_STAFF, EDITORS, Allow, mutation, query

# Rows: domain.visibility.deals_readable (partner ADMIN: its company's; other contacts: their
# own; channel managers: their partners'; vendor admins, analysts and deals keys: all).
READ_DEALS = Allow(staff=ALL_STAFF, contacts=True, scopes={"deals:read", "deals:write"})
# Channel managers move the deals of the partners they manage (domain.visibility).
EDIT_DEALS = Allow(staff=EDITORS, scopes={"deals:write"})


@strawberry.type
class Query:
    @query("Deals the viewer may see, newest first.", READ_DEALS)
    async def deals(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Deal]:
        return Connection(page=await resolve.deal_list(info, first, after))

    @query("One deal by id; null if absent or not visible.", READ_DEALS, graphql_type=Deal | None)
    async def deal(self, info: Info, id: strawberry.ID) -> models.Deal | None:
        return await resolve.deal(info, id)


@strawberry.type
class Mutation:
    @mutation(
        "Register a deal for the viewer's company (stage REGISTERED, owned by the viewer). "
        "`values` are checked against the viewer's DEAL layout for `recordType`: "
        "UNKNOWN_RECORD_TYPE, UNKNOWN_FIELD, READ_ONLY, REQUIRED and INVALID_VALUE, each at "
        'its path under "values", all at once.',
        actions.REGISTER_DEAL,
    )
    async def register_deal(self, info: Info, record_type: str, values: JSON) -> DealPayload:
        result = await resolve.register(info, record_type, values)
        return payload(DealPayload, result, deal=same)

    @mutation(
        "Move a deal's stage (REGISTERED -> APPROVED or REJECTED; APPROVED -> WON or LOST), "
        "change its amount or exclusivity. Omitted arguments are unchanged; null clears "
        "amount and exclusivityUntil. A stale expectedVersion is VERSION_CONFLICT.",
        EDIT_DEALS,
    )
    async def update_deal(
        self,
        info: Info,
        id: strawberry.ID,
        stage: str | None = strawberry.UNSET,
        exclusivity_until: date | None = strawberry.UNSET,
        amount: Decimal | None = strawberry.UNSET,
        expected_version: int | None = None,
    ) -> DealPayload:
        patch: dict[str, Any] = {
            name: value
            for name, value in (
                ("stage", stage),
                ("exclusivityUntil", exclusivity_until),
                ("amount", amount),
            )
            if value is not strawberry.UNSET
        }
        result = await resolve.update(info, id, patch, expected_version)
        return payload(DealPayload, result, deal=same)
