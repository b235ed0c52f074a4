"""Picklists and attribute definitions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from domain import catalogue, ids, models
from domain.catalogue import AttributeSubject, AttributeType, PicklistValueSpec
from domain.segments import service as segment_service
from domain.segments.index import load_index
from resolvers.mutations import AuditNote, Result, run_mutation


async def picklists(info: Info) -> list[tuple[str, list[catalogue.PicklistEntry]]]:
    async with info.context.db.read() as session:
        loaded = await catalogue.load_catalogue(session)
    return [(field, list(entries)) for field, entries in loaded.picklists.items()]


async def attribute_definitions(info: Info) -> list[models.AttributeDefinition]:
    async with info.context.db.read() as session:
        return list(
            await session.scalars(
                select(models.AttributeDefinition).order_by(
                    models.AttributeDefinition.subject, models.AttributeDefinition.key
                )
            )
        )


async def set_picklist(info: Info, field: str, values: list[PicklistValueSpec]) -> Result[str]:
    async def work(session: AsyncSession, note: AuditNote) -> str:
        note.target = f"Picklist:{field}"
        before = await catalogue.load_catalogue(session)
        index = await load_index(session)
        named = segment_service.picklist_values_named(index, field)
        entries = await catalogue.set_picklist(session, field, values, named)
        await segment_service.catalogue_changed(session, frozenset({field}))
        note.detail = {
            "before": [e.__dict__ for e in before.picklists.get(field, ())],
            "after": [e.__dict__ for e in entries],
        }
        return field

    return await run_mutation(info, work)


async def define_attribute(
    info: Info, subject: AttributeSubject, key: str, kind: AttributeType, label: str | None
) -> Result[str]:
    async def work(session: AsyncSession, note: AuditNote) -> str:
        note.detail = {"subject": subject, "key": key, "type": kind, "label": label}
        definition = await catalogue.define_attribute(session, subject, key, kind, label)
        await segment_service.catalogue_changed(session, frozenset())
        gid = ids.encode("AttributeDefinition", definition.id)
        note.target = f"AttributeDefinition:{gid}"
        return gid

    return await run_mutation(info, work)
