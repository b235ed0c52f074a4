"""Partners and contacts: reads scoped to the principal, writes as units of work."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only

from domain import audit, ids, partners, validation, visibility
from domain.catalogue import load_catalogue
from domain.contacts import update_contact as change_contact
from domain.db import Database
from domain.errors import InvalidArgument, not_found
from domain.locks import lock_partners
from domain.models import Contact, Partner, Segment, SegmentMember
from domain.pagination import Keyset, Page, paginate
from domain.principal import Principal
from domain.uow import UnitOfWork

PARTNER_ORDER = Keyset((Partner.name, Partner.id))
CONTACT_ORDER = Keyset((Contact.id,))
MAX_SEARCH = 200  # a name is at most 200 characters: a longer search matches nothing


def partner_target(partner_id: int | str) -> str:
    gid = ids.encode("Partner", partner_id) if isinstance(partner_id, int) else partner_id
    return f"Partner:{gid}"


# ---------------------------------------------------------------- reads


async def find_partner(
    session: AsyncSession,
    principal: Principal,
    partner_id: str | None,
    external_id: str | None,
    *,
    external_id_hidden: bool = False,
) -> Partner | None:
    """One partner the principal may see, by id and/or externalId (None if absent or hidden).

    A hidden externalId is no key to look partners up by.
    """
    if partner_id is None and external_id is None:
        return None
    query = select(Partner).where(visibility.partners_readable(principal))
    if partner_id is not None:
        pk = ids.decode_as(partner_id, "Partner")
        if pk is None:
            return None
        query = query.where(Partner.id == pk)
    if external_id is not None:
        if external_id_hidden or not validation.storable(external_id):
            return None
        query = query.where(Partner.external_id == external_id)
    return await session.scalar(query)


def _check_filters(filters: Mapping[str, Any]) -> None:
    """Filters the database cannot compare are the client's error, said before any query."""
    for name, value in filters.items():
        if isinstance(value, str) and not validation.storable(value):
            raise InvalidArgument(
                f"`filter.{name}` holds a NUL character or an unpaired surrogate, which no "
                "partner data can contain.",
                argument=f"filter.{name}",
            )
    search = filters.get("search")
    if isinstance(search, str) and len(search) > MAX_SEARCH:
        raise InvalidArgument(
            f"`filter.search` takes at most {MAX_SEARCH} characters; got {len(search)}.",
            argument="filter.search",
        )


def partner_list_query(
    principal: Principal, filters: Mapping[str, Any], *, segments_hidden: bool = False
) -> Select[Any]:
    """Partners the principal may see, filtered; filtering by a hidden field matches nothing."""
    _check_filters(filters)
    query = select(Partner).where(visibility.partners_readable(principal))
    for name in ("type", "tier", "region"):
        if filters.get(name) is not None:
            query = query.where(getattr(Partner, name) == filters[name])
    if filters.get("search"):
        query = query.where(Partner.name.icontains(filters["search"], autoescape=True))
    if filters.get("segment") is not None:
        if segments_hidden:
            return query.where(false())
        members = (
            select(SegmentMember.subject_id)
            .join(Segment, Segment.id == SegmentMember.segment_id)
            .where(Segment.key == filters["segment"], Segment.subject == "PARTNER")
        )
        query = query.where(Partner.id.in_(members))
    return query


async def partner_page(
    db: Database,
    principal: Principal,
    filters: Mapping[str, Any],
    first: int | None,
    after: str | None,
    *,
    segments_hidden: bool = False,
    columns: Collection[str] | None = None,
) -> Page[Partner]:
    """A page of partners; `columns` (attribute names) loads only those (and what the page
    is ordered by): a list of 100 need not decode JSON nobody asked for."""
    query = partner_list_query(principal, filters, segments_hidden=segments_hidden)
    if columns is not None:
        wanted = {*columns, *(c.key for c in PARTNER_ORDER.columns)}
        query = query.options(load_only(*(getattr(Partner, name) for name in sorted(wanted))))
    return await paginate(db, query, PARTNER_ORDER, first, after)


async def find_contact(
    session: AsyncSession, principal: Principal, contact_id: str
) -> Contact | None:
    pk = ids.decode_as(contact_id, "Contact")
    if pk is None:
        return None
    return await session.scalar(
        select(Contact).where(Contact.id == pk, visibility.contacts_readable(principal))
    )


# ---------------------------------------------------------------- writes


def _snapshot(partner: Partner) -> dict[str, Any]:
    return {name: getattr(partner, column) for name, column in partners.INPUT_COLUMNS.items()}


async def create_partner(uow: UnitOfWork, patch: Mapping[str, Any]) -> Partner:
    uow.detail = {"input": dict(patch)}
    session = uow.session
    change = await partners.create_partner(session, await load_catalogue(session), patch)
    uow.target = partner_target(change.partner.id)
    return change.partner


async def writable_partner(
    session: AsyncSession, principal: Principal, partner_id: str
) -> Partner | None:
    """A partner the principal may change, locked for the change (None: absent or not its)."""
    pk = ids.decode_as(partner_id, "Partner")
    if pk is None:
        return None
    allowed = await session.scalar(
        select(Partner.id).where(Partner.id == pk, visibility.partners_writable(principal))
    )
    if allowed is None:
        return None
    await lock_partners(session, [pk])
    return await session.get(Partner, pk, populate_existing=True)


async def update_partner(
    uow: UnitOfWork,
    partner_id: str,
    patch: Mapping[str, Any],
    expected_version: int | None,
) -> Partner:
    session = uow.session
    found = await writable_partner(session, uow.principal, partner_id)
    uow.target = partner_target(found.id if found else partner_id)
    before = _snapshot(found) if found else {}
    change = await partners.update_partner(
        session, await load_catalogue(session), found, patch, expected_version
    )
    uow.detail = audit.diff(before, _snapshot(change.partner))
    return change.partner


async def upsert_partners(
    uow: UnitOfWork, inputs: Sequence[Mapping[str, Any]]
) -> list[partners.PartnerChange]:
    session = uow.session
    changes = await partners.upsert_partners(session, await load_catalogue(session), inputs)
    uow.detail = {
        "created": sum(c.created for c in changes),
        "updated": sum(not c.created for c in changes),
        "externalIds": [c.partner.external_id for c in changes][:100],
    }
    return changes


async def writable_contact(
    session: AsyncSession, principal: Principal, contact_id: str, *, manageable: bool = False
) -> Contact | None:
    """A contact the principal may change, locked with its company first (None: not its).

    `manageable`: for team changes (partner admins may manage their own company's people);
    otherwise for record changes (staff and integrators).
    """
    pk = ids.decode_as(contact_id, "Contact")
    if pk is None:
        return None
    scope = (
        visibility.team_manageable(principal)
        if manageable
        else visibility.contacts_writable(principal)
    )
    partner_id = await session.scalar(
        select(Contact.partner_id)
        .join(Partner, Partner.id == Contact.partner_id)
        .where(Contact.id == pk, scope)
    )
    if partner_id is None:
        return None
    await lock_partners(session, [partner_id])
    return await session.scalar(select(Contact).where(Contact.id == pk).with_for_update())


async def update_contact(uow: UnitOfWork, contact_id: str, patch: Mapping[str, Any]) -> Contact:
    session = uow.session
    found = await writable_contact(session, uow.principal, contact_id)
    uow.target = f"Contact:{contact_id}"
    if found is None:
        raise not_found("contact", ["id"])
    before = {"title": found.title, "attributes": dict(found.attributes)}
    change = await change_contact(session, await load_catalogue(session), found, patch)
    uow.detail = audit.diff(
        before, {"title": change.contact.title, "attributes": change.contact.attributes}
    )
    return change.contact
