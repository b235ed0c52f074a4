"""Picklists and attribute definitions: GraphQL arguments to service calls."""

from __future__ import annotations

from domain import catalogue, models
from domain.catalogue import AttributeSubject, AttributeType, PicklistValueSpec
from domain.services import catalogue as service
from resolvers.context import Info
from resolvers.mutations import Result, run


async def picklists(info: Info) -> list[tuple[str, list[catalogue.PicklistEntry]]]:
    async with info.context.db.read() as session:
        return await service.picklists(session)


async def attribute_definitions(info: Info) -> list[models.AttributeDefinition]:
    async with info.context.db.read() as session:
        return await service.attribute_definitions(session)


async def set_picklist(info: Info, field: str, values: list[PicklistValueSpec]) -> Result[str]:
    return await run(info, service.set_picklist, field, values)


async def define_attribute(
    info: Info, subject: AttributeSubject, key: str, kind: AttributeType, label: str | None
) -> Result[str]:
    return await run(info, service.define_attribute, subject, key, kind, label)
