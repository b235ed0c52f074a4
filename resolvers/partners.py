"""Partner and contact reads and writes, scoped to what the principal may see."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from domain import audit, ids, models, partners, validation, visibility
from domain.catalogue import load_catalogue
from domain.contacts import ContactChange, update_contact
from permissions.errors import BadUserInput
from resolvers.mutations import AuditNote, Result, run_mutation
from resolvers.pagination import Keyset, Page, after_id, child_page, page_size, paginate

PARTNER_ORDER = Keyset((models.Partner.name, models.Partner.id))
MAX_SEARCH = 200  # a name is at most 200 characters: a longer search matches nothing
CONTACT_ORDER = Keyset((models.Contact.id,))


def partner_target(partner: models.Partner) -> str:
    return f"Partner:{ids.encode('Partner', partner.id)}"


async def partner(info: Info, id: str | None, external_id: str | None) -> models.Partner | None:
    principal = info.context.require_principal()
    query = select(models.Partner).where(visibility.partners_readable(principal))
    if id is not None:
        pk = ids.decode_as(id, "Partner")
        if pk is None:
            return None
        query = query.where(models.Partner.id == pk)
    if external_id is not None:
        if not validation.storable(external_id) or len(external_id) > partners.MAX_EXTERNAL_ID:
            return None  # no partner holds such an id; the database is not asked
        if info.context.hides("Partner.externalId"):
            return None  # a hidden field is no key to look partners up by
        query = query.where(models.Partner.external_id == external_id)
    if id is None and external_id is None:
        return None
    async with info.context.db.read() as session:
        return await session.scalar(query)


def _check_filters(filters: Mapping[str, Any]) -> None:
    """Filters the database cannot compare are the client's error, said before any query."""
    for name, value in filters.items():
        if isinstance(value, str) and not validation.storable(value):
            raise BadUserInput(
                f"`filter.{name}` holds a NUL character or an unpaired surrogate, which no "
                "partner data can contain.",
                field=f"filter.{name}",
            )
    search = filters.get("search")
    if isinstance(search, str) and len(search) > MAX_SEARCH:
        raise BadUserInput(
            f"`filter.search` takes at most {MAX_SEARCH} characters; got {len(search)}.",
            field="filter.search",
        )


def partner_list_query(principal: Any, filters: Mapping[str, Any]) -> Any:
    _check_filters(filters)
    query = select(models.Partner).where(visibility.partners_readable(principal))
    for name in ("type", "tier", "region"):
        if filters.get(name) is not None:
            query = query.where(getattr(models.Partner, name) == filters[name])
    if filters.get("search"):
        query = query.where(models.Partner.name.icontains(filters["search"], autoescape=True))
    if filters.get("segment") is not None:
        members = (
            select(models.SegmentMember.subject_id)
            .join(models.Segment, models.Segment.id == models.SegmentMember.segment_id)
            .where(models.Segment.key == filters["segment"], models.Segment.subject == "PARTNER")
        )
        query = query.where(models.Partner.id.in_(members))
    return query


async def partner_list(
    info: Info, filters: Mapping[str, Any], first: int | None, after: str | None
) -> Page[models.Partner]:
    principal = info.context.require_principal()
    query = partner_list_query(principal, filters)
    if filters.get("segment") is not None and info.context.hides("Partner.segments"):
        query = query.where(false())  # filtering by a hidden field would reveal it
    return await paginate(info.context.db, query, PARTNER_ORDER, first, after)


async def partner_contacts(
    info: Info, partner: models.Partner, first: int | None, after: str | None
) -> Page[models.Contact]:
    """A visible partner's contacts (seeing a company means seeing its people)."""
    size = page_size(first)
    loaders = info.context.loaders
    rows = await loaders.contact_page_by_partner_id.load((partner.id, size, after_id(after)))

    async def count() -> int:
        return await loaders.contact_count_by_partner_id.load(partner.id)

    return child_page(rows, size, CONTACT_ORDER, count)


async def contact(info: Info, id: str) -> models.Contact | None:
    principal = info.context.require_principal()
    pk = ids.decode_as(id, "Contact")
    if pk is None:
        return None
    async with info.context.db.read() as session:
        return await session.scalar(
            select(models.Contact).where(
                models.Contact.id == pk, visibility.contacts_readable(principal)
            )
        )


async def _writable_partner(session: AsyncSession, info: Info, id: str) -> models.Partner | None:
    pk = ids.decode_as(id, "Partner")
    if pk is None:
        return None
    principal = info.context.require_principal()
    return await session.scalar(
        select(models.Partner)
        .where(models.Partner.id == pk, visibility.partners_writable(principal))
        .with_for_update()
    )


def _snapshot(partner: models.Partner) -> dict[str, Any]:
    return {name: getattr(partner, column) for name, column in partners.INPUT_COLUMNS.items()}


async def create_partner(info: Info, patch: Mapping[str, Any]) -> Result[models.Partner]:
    async def work(session: AsyncSession, note: AuditNote) -> models.Partner:
        note.detail = {"input": dict(patch)}
        catalogue = await load_catalogue(session)
        change = await partners.create_partner(session, catalogue, patch)
        note.target = partner_target(change.partner)
        return change.partner

    return await run_mutation(info, work)


async def update_partner(
    info: Info, id: str, patch: Mapping[str, Any], expected_version: int | None
) -> Result[models.Partner]:
    async def work(session: AsyncSession, note: AuditNote) -> models.Partner:
        found = await _writable_partner(session, info, id)
        note.target = partner_target(found) if found else f"Partner:{id}"
        before = _snapshot(found) if found else {}
        catalogue = await load_catalogue(session)
        change = await partners.update_partner(session, catalogue, found, patch, expected_version)
        note.detail = audit.diff(before, _snapshot(change.partner))
        return change.partner

    return await run_mutation(info, work)


async def upsert_partners(
    info: Info, inputs: Sequence[Mapping[str, Any]]
) -> Result[list[partners.PartnerChange]]:
    async def work(session: AsyncSession, note: AuditNote) -> list[partners.PartnerChange]:
        catalogue = await load_catalogue(session)
        changes = await partners.upsert_partners(session, catalogue, inputs)
        note.detail = {
            "created": sum(c.created for c in changes),
            "updated": sum(not c.created for c in changes),
            "externalIds": [c.partner.external_id for c in changes][:100],
        }
        return changes

    return await run_mutation(info, work)


async def update_contact_record(
    info: Info, id: str, patch: Mapping[str, Any]
) -> Result[models.Contact]:
    async def work(session: AsyncSession, note: AuditNote) -> models.Contact:
        principal = info.context.require_principal()
        pk = ids.decode_as(id, "Contact")
        found = None
        if pk is not None:
            found = await session.scalar(
                select(models.Contact)
                .where(models.Contact.id == pk, visibility.contacts_writable(principal))
                .with_for_update()
            )
        note.target = f"Contact:{id}"
        before = {"title": found.title, "attributes": dict(found.attributes)} if found else {}
        catalogue = await load_catalogue(session)
        change: ContactChange = await update_contact(session, catalogue, found, patch)
        note.detail = audit.diff(
            before, {"title": change.contact.title, "attributes": change.contact.attributes}
        )
        return change.contact

    return await run_mutation(info, work)
