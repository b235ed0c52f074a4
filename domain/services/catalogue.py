"""The data catalogue: picklists and custom attribute definitions (vendor admins)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import catalogue, ids
from domain.catalogue import AttributeSubject, AttributeType, PicklistValueSpec
from domain.models import AttributeDefinition
from domain.segments import service as segments
from domain.segments.index import load_index, lock_catalogue
from domain.uow import UnitOfWork


async def picklists(session: AsyncSession) -> list[tuple[str, list[catalogue.PicklistEntry]]]:
    loaded = await catalogue.load_catalogue(session)
    return [(field, list(entries)) for field, entries in loaded.picklists.items()]


async def attribute_definitions(session: AsyncSession) -> list[AttributeDefinition]:
    query = select(AttributeDefinition).order_by(
        AttributeDefinition.subject, AttributeDefinition.key
    )
    return list(await session.scalars(query))


async def set_picklist(uow: UnitOfWork, field: str, values: list[PicklistValueSpec]) -> str:
    """Replace a picklist; values partners hold or rules name cannot go. Returns the field."""
    session = uow.session
    uow.target = f"Picklist:{field}"
    await lock_catalogue(session)
    before = await catalogue.load_catalogue(session)
    named = segments.picklist_values_named(await load_index(session), field)
    entries = await catalogue.set_picklist(session, field, values, named)
    await segments.catalogue_changed(session, frozenset({field}))
    uow.detail = {
        "before": [e.__dict__ for e in before.picklists.get(field, ())],
        "after": [e.__dict__ for e in entries],
    }
    return field


async def define_attribute(
    uow: UnitOfWork,
    subject: AttributeSubject,
    key: str,
    kind: AttributeType,
    label: str | None,
) -> str:
    """Declare (or relabel) a custom attribute; returns the definition's id."""
    uow.detail = {"subject": subject, "key": key, "type": kind, "label": label}
    await lock_catalogue(uow.session)
    definition = await catalogue.define_attribute(uow.session, subject, key, kind, label)
    await segments.catalogue_changed(uow.session, frozenset())
    gid = ids.encode("AttributeDefinition", definition.id)
    uow.target = f"AttributeDefinition:{gid}"
    return gid
