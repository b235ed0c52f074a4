"""Partner and contact reads and writes: GraphQL arguments to service calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from domain import models, partners
from domain.pagination import Page, after_id, child_page, page_size
from domain.services import partners as service
from resolvers.context import Info
from resolvers.mutations import Result, run
from resolvers.selection import columns_for, connection_node_fields


async def partner(info: Info, id: str | None, external_id: str | None) -> models.Partner | None:
    principal = info.context.require_principal()
    hidden = external_id is not None and info.context.hides("Partner.externalId")
    async with info.context.db.read() as session:
        return await service.find_partner(
            session, principal, id, external_id, external_id_hidden=hidden
        )


# Partner fields a list can load as columns alone (None: the field needs only the id): the
# input fields' columns, and the fields resolved from the id.
PARTNER_COLUMNS: dict[str, str | None] = {
    **partners.INPUT_COLUMNS,
    "version": "version",
    "__typename": None,
    "id": None,
    "metrics": None,
    "contacts": None,
    "segments": None,
    "deals": None,
}


async def partner_list(
    info: Info, filters: Mapping[str, Any], first: int | None, after: str | None
) -> Page[models.Partner]:
    principal = info.context.require_principal()
    hidden = filters.get("segment") is not None and info.context.hides("Partner.segments")
    columns = columns_for(connection_node_fields(info), PARTNER_COLUMNS)
    return await service.partner_page(
        info.context.db, principal, filters, first, after, segments_hidden=hidden, columns=columns
    )


async def partner_contacts(
    info: Info, partner: models.Partner, first: int | None, after: str | None
) -> Page[models.Contact]:
    """A visible partner's contacts (seeing a company means seeing its people)."""
    size = page_size(first)
    loaders = info.context.loaders
    rows = await loaders.contact_page_by_partner_id.load((partner.id, size, after_id(after)))

    async def count() -> int:
        return await loaders.contact_count_by_partner_id.load(partner.id)

    return child_page(rows, size, service.CONTACT_ORDER, count)


async def contact(info: Info, id: str) -> models.Contact | None:
    principal = info.context.require_principal()
    async with info.context.db.read() as session:
        return await service.find_contact(session, principal, id)


async def create_partner(info: Info, patch: Mapping[str, Any]) -> Result[models.Partner]:
    return await run(info, service.create_partner, patch)


async def update_partner(
    info: Info, id: str, patch: Mapping[str, Any], expected_version: int | None
) -> Result[models.Partner]:
    return await run(info, service.update_partner, id, patch, expected_version)


async def upsert_partners(
    info: Info, inputs: Sequence[Mapping[str, Any]]
) -> Result[list[partners.PartnerChange]]:
    return await run(info, service.upsert_partners, inputs)


async def update_contact_record(
    info: Info, id: str, patch: Mapping[str, Any]
) -> Result[models.Contact]:
    return await run(info, service.update_contact, id, patch)
