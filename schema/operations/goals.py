"""Root fields for goals (vendor admins set them; contacts, staff and analytics keys read)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from domain import models
from resolvers import goals as resolve
from resolvers.context import Info
from schema.access import AudienceInput
from schema.goal import Goal, GoalMetric
from schema.operations.content import UNSET, arguments, id_of
from schema.payloads import ConfigPayload, DeletePayload, delete_payload, payload
from schema.roots import ADMIN, ALL_STAFF, Allow, mutation, query

READ_GOALS = Allow(staff=ALL_STAFF, contacts=True, scopes={"analytics:read"})
CONFIGURE = Allow(staff=ADMIN)


@strawberry.type
class Query:
    @query(
        "Contacts: the goals their audiences admit; staff and analytics:read keys: every goal. "
        "By period start, then name.",
        READ_GOALS,
        graphql_type=list[Goal],
    )
    async def goals(self, info: Info) -> list[models.Goal]:
        return await resolve.visible_goals(info)


@strawberry.type
class Mutation:
    @mutation(
        "Create a goal: a target (above 0) for a metric over a period, dates inclusive (UTC).",
        CONFIGURE,
    )
    async def create_goal(
        self,
        info: Info,
        name: str,
        metric: GoalMetric,
        target: Decimal,
        period_start: date,
        period_end: date,
        audience: AudienceInput | None = None,
    ) -> ConfigPayload:
        patch = arguments(
            name=name,
            metric=metric,
            target=target,
            periodStart=period_start,
            periodEnd=period_end,
            audience=audience,
        )
        return payload(ConfigPayload, await resolve.create(info, patch), id=id_of("Goal"))

    @mutation("Change a goal; omitted arguments are unchanged.", CONFIGURE)
    async def update_goal(
        self,
        info: Info,
        id: strawberry.ID,
        name: str | None = UNSET,
        metric: GoalMetric | None = UNSET,
        target: Decimal | None = UNSET,
        period_start: date | None = UNSET,
        period_end: date | None = UNSET,
        audience: AudienceInput | None = UNSET,
    ) -> ConfigPayload:
        patch = arguments(
            name=name,
            metric=metric,
            target=target,
            periodStart=period_start,
            periodEnd=period_end,
            audience=audience,
        )
        return payload(ConfigPayload, await resolve.update(info, id, patch), id=id_of("Goal"))

    @mutation("Remove a goal.", CONFIGURE)
    async def delete_goal(self, info: Info, id: strawberry.ID) -> DeletePayload:
        return delete_payload(await resolve.delete(info, id))
