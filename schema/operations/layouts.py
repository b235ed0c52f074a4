"""Root fields for layouts (vendor admins configure them; viewers read theirs)."""

from __future__ import annotations

import strawberry

from domain import ids, models
from resolvers import layouts as resolve
from resolvers.context import Info
from schema.layout import LayoutInput, layout_spec
from schema.payloads import ConfigPayload, DeletePayload, delete_payload, payload
from schema.roots import ADMIN, Allow, mutation

CONFIGURE = Allow(staff=ADMIN)


def _id(layout: models.Layout) -> strawberry.ID:
    return strawberry.ID(ids.encode("Layout", layout.id))


@strawberry.type
class Mutation:
    @mutation(
        "Create a layout: the fields a record type shows and accepts, for an audience. Per "
        "(entity, record type) a contact gets the highest-priority layout it matches.",
        CONFIGURE,
    )
    async def create_layout(self, info: Info, input: LayoutInput) -> ConfigPayload:
        return payload(ConfigPayload, await resolve.create(info, layout_spec(input)), id=_id)

    @mutation(
        "Replace a layout's definition; every worker uses it from the next request.", CONFIGURE
    )
    async def update_layout(
        self, info: Info, id: strawberry.ID, input: LayoutInput
    ) -> ConfigPayload:
        return payload(ConfigPayload, await resolve.update(info, id, layout_spec(input)), id=_id)

    @mutation("Remove a layout.", CONFIGURE)
    async def delete_layout(self, info: Info, id: strawberry.ID) -> DeletePayload:
        return delete_payload(await resolve.delete(info, id))
