"""Root fields for the data catalogue."""

from __future__ import annotations

import strawberry

from domain import models
from domain.catalogue import PicklistValueSpec
from resolvers import catalogue as resolve
from resolvers.context import Info
from schema.catalogue import (
    AttributeDefinition,
    AttributeSubject,
    AttributeType,
    Picklist,
    PicklistValue,
    PicklistValueInput,
)
from schema.payloads import ConfigPayload, config_payload
from schema.roots import ADMIN, ALL_STAFF, Allow, mutation, query

READ_CATALOGUE = Allow(staff=ALL_STAFF, contacts=True, scopes={"partners:read", "partners:write"})
CONFIGURE = Allow(staff=ADMIN)


@strawberry.type
class Query:
    @query("Picklists for partner.type, .tier (ranked), .region and .phase.", READ_CATALOGUE)
    async def picklists(self, info: Info) -> list[Picklist]:
        return [
            Picklist(
                field=field,
                values=[PicklistValue(value=e.value, label=e.label, rank=e.rank) for e in entries],
            )
            for field, entries in await resolve.picklists(info)
        ]

    @query(
        "Declared custom attributes of partners, contacts and deals.",
        READ_CATALOGUE,
        graphql_type=list[AttributeDefinition],
    )
    async def attribute_definitions(self, info: Info) -> list[models.AttributeDefinition]:
        return await resolve.attribute_definitions(info)


@strawberry.type
class Mutation:
    @mutation(
        "Replace a picklist's values (in order; rank defaults to the position). Values still "
        "held by partners cannot be removed.",
        CONFIGURE,
    )
    async def set_picklist(
        self, info: Info, field: str, values: list[PicklistValueInput]
    ) -> ConfigPayload:
        specs = [PicklistValueSpec(v.value, v.label, v.rank) for v in values]
        result = await resolve.set_picklist(info, field, specs)
        return config_payload(result)

    @mutation(
        "Declare a typed custom attribute (or relabel one); its type cannot change later.",
        CONFIGURE,
    )
    async def define_attribute(
        self,
        info: Info,
        subject: AttributeSubject,
        key: str,
        type: AttributeType,
        label: str | None = None,
    ) -> ConfigPayload:
        result = await resolve.define_attribute(info, subject, key, type, label)
        return config_payload(result)
