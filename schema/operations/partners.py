"""Root fields for partners and contacts."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from domain import models
from resolvers import partners as resolve
from resolvers.context import Info
from schema.common import Connection
from schema.contact import Contact
from schema.inputs import provided
from schema.partner import Partner, PartnerFilter, PartnerInput
from schema.payloads import (
    ContactPayload,
    PartnerPayload,
    UpsertPartnersPayload,
    payload,
    same,
)
from schema.roots import ADMIN, ALL_STAFF, EDITORS, Allow, mutation, query

READ_PARTNERS = Allow(staff=ALL_STAFF, contacts=True, scopes={"partners:read", "partners:write"})
CREATE_PARTNERS = Allow(staff=ADMIN, scopes={"partners:write"})
# Channel managers edit the partners in segments they manage (row scope in domain.visibility).
EDIT_PARTNERS = Allow(staff=EDITORS, scopes={"partners:write"})


@strawberry.type
class Query:
    @query(
        "One partner by id or externalId; null if absent or not visible.",
        READ_PARTNERS,
        graphql_type=Partner | None,
    )
    async def partner(
        self, info: Info, id: strawberry.ID | None = None, external_id: str | None = None
    ) -> models.Partner | None:
        return await resolve.partner(info, id, external_id)

    @query("Partners the viewer may see, by name.", READ_PARTNERS)
    async def partners(
        self,
        info: Info,
        filter: PartnerFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Partner]:
        filters = provided(filter) if filter is not None else {}
        return Connection(page=await resolve.partner_list(info, filters, first, after))

    @query(
        "One contact by id; null if absent or not visible.",
        READ_PARTNERS,
        graphql_type=Contact | None,
    )
    async def contact(self, info: Info, id: strawberry.ID) -> models.Contact | None:
        return await resolve.contact(info, id)


@strawberry.type
class Mutation:
    @mutation("Create a partner company.", CREATE_PARTNERS)
    async def create_partner(self, info: Info, input: PartnerInput) -> PartnerPayload:
        result = await resolve.create_partner(info, provided(input))
        return payload(PartnerPayload, result, partner=same)

    @mutation(
        "Change a partner. With expectedVersion, a stale version is VERSION_CONFLICT.",
        EDIT_PARTNERS,
    )
    async def update_partner(
        self,
        info: Info,
        id: strawberry.ID,
        input: PartnerInput,
        expected_version: int | None = None,
    ) -> PartnerPayload:
        result = await resolve.update_partner(info, id, provided(input), expected_version)
        return payload(PartnerPayload, result, partner=same)

    @mutation(
        "Create or update partners keyed by externalId, all or nothing (at most 1000 per "
        "call). Errors carry the input's index in `path`.",
        CREATE_PARTNERS,
    )
    async def upsert_partners(
        self, info: Info, inputs: list[PartnerInput]
    ) -> UpsertPartnersPayload:
        result = await resolve.upsert_partners(info, [provided(i) for i in inputs])
        return payload(
            UpsertPartnersPayload,
            result,
            partners=lambda changes: [c.partner for c in changes],
            created=lambda changes: sum(c.created for c in changes),
            updated=lambda changes: sum(not c.created for c in changes),
        )

    @mutation("Change a contact's title or custom attributes.", EDIT_PARTNERS)
    async def update_contact(
        self,
        info: Info,
        id: strawberry.ID,
        title: str | None = strawberry.UNSET,
        attributes: JSON | None = strawberry.UNSET,
    ) -> ContactPayload:
        patch = {
            name: value
            for name, value in (("title", title), ("attributes", attributes))
            if value is not strawberry.UNSET
        }
        result = await resolve.update_contact_record(info, id, patch)
        return payload(ContactPayload, result, contact=same)
