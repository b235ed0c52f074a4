"""Who reads and writes what: contacts see their own company, analysts read only, and so on."""

from __future__ import annotations

from typing import Any

import pytest

from domain.principal import ContactRole, StaffRole
from tests.records import snapshot
from tests.support import Api

PARTNER = "query($id: ID!) { partner(id: $id) { id name } }"
PARTNER_BY_EXTERNAL_ID = "query($x: String!) { partner(externalId: $x) { id } }"
PARTNERS = "{ partners { totalCount edges { node { id } } } }"
CONTACT = "query($id: ID!) { contact(id: $id) { id email } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"
OWN_COMPANY = """
{ viewer { partner { id contacts { totalCount edges { node { id } } } } } }
"""
STAFF_MEMBERS = "{ staffMembers { id email role } }"
CREATE_SEGMENT = """
mutation($input: SegmentInput!) { createSegment(input: $input) { errors { path code } } }
"""
UPDATE_PARTNER = """
mutation($id: ID!, $input: PartnerInput!) {
  updatePartner(id: $id, input: $input) { partner { id name } errors { path code } }
}
"""

ACME = {"name": "Acme", "type": "MSP", "tier": "GOLD", "region": "EMEA", "phase": "ACTIVE"}

# Every write mutation of the foundation, with variables built from (partner id, contact id).
WRITES: dict[str, tuple[str, Any]] = {
    "createPartner": (
        "mutation($input: PartnerInput!) { createPartner(input: $input) { errors { code } } }",
        lambda partner, contact: {"input": ACME},
    ),
    "updatePartner": (
        "mutation($id: ID!, $input: PartnerInput!) "
        "{ updatePartner(id: $id, input: $input) { errors { code } } }",
        lambda partner, contact: {"id": partner, "input": {"name": "Changed"}},
    ),
    "upsertPartners": (
        "mutation($inputs: [PartnerInput!]!) "
        "{ upsertPartners(inputs: $inputs) { errors { code } } }",
        lambda partner, contact: {"inputs": [{**ACME, "externalId": "crm-9"}]},
    ),
    "updateContact": (
        'mutation($id: ID!) { updateContact(id: $id, title: "Boss") { errors { code } } }',
        lambda partner, contact: {"id": contact},
    ),
    "setPicklist": (
        'mutation { setPicklist(field: "partner.tier", values: [{value: "REGISTERED"}, '
        '{value: "SILVER"}, {value: "GOLD"}, {value: "PLATINUM"}, {value: "DIAMOND"}]) '
        "{ errors { code } } }",
        lambda partner, contact: {},
    ),
    "defineAttribute": (
        'mutation { defineAttribute(subject: PARTNER, key: "employees", type: NUMBER) '
        "{ errors { code } } }",
        lambda partner, contact: {},
    ),
    "createApiKey": (
        'mutation { createApiKey(name: "mine", scopes: ["partners:read"]) { errors { code } } }',
        lambda partner, contact: {},
    ),
    "inviteContact": (
        'mutation($p: ID!) { inviteContact(partnerId: $p, email: "new@partner.example.com", '
        'name: "New", role: SALES_REP) { errors { code } } }',
        lambda partner, contact: {"p": partner},
    ),
}
CONTACT_WRITES = ["createPartner", "updatePartner", "upsertPartners", "updateContact"]


# ---------------------------------------------------------------- contacts


async def test_contact_cannot_read_another_companys_partner_by_id_or_external_id(
    api: Api,
) -> None:
    # given
    own = await api.partner()
    other = await api.partner(externalId="crm-other")
    token, _ = await api.contact(own)
    # when
    by_id = await api.gql(PARTNER, {"id": other}, token=token)
    by_external_id = await api.gql(PARTNER_BY_EXTERNAL_ID, {"x": "crm-other"}, token=token)
    # then
    assert (by_id.errors, by_id.data["partner"]) == ([], None)
    assert (by_external_id.errors, by_external_id.data["partner"]) == ([], None)


async def test_contact_reads_its_own_partner(api: Api) -> None:
    # given
    own = await api.partner(name="Own Co")
    token, _ = await api.contact(own)
    # when
    response = await api.gql(PARTNER, {"id": own}, token=token)
    # then
    assert response.data["partner"] == {"id": own, "name": "Own Co"}


async def test_contact_lists_only_its_own_partner(api: Api) -> None:
    # given
    own = await api.partner()
    await api.partner()
    await api.partner()
    token, _ = await api.contact(own)
    # when
    response = await api.gql(PARTNERS, token=token)
    # then
    assert response.data["partners"] == {"totalCount": 1, "edges": [{"node": {"id": own}}]}


async def test_contact_cannot_read_another_companys_contact(api: Api) -> None:
    # given
    own = await api.partner()
    other = await api.partner()
    token, _ = await api.contact(own)
    _, stranger = await api.contact(other, sign_in=False)
    # when
    response = await api.gql(CONTACT, {"id": stranger}, token=token)
    node = await api.gql(NODE, {"id": stranger}, token=token)
    # then
    assert (response.errors, response.data["contact"]) == ([], None)
    assert (node.errors, node.data["node"]) == ([], None)


async def test_contact_reads_a_colleague(api: Api) -> None:
    # given
    own = await api.partner()
    token, _ = await api.contact(own)
    _, colleague = await api.contact(own, sign_in=False)
    # when
    response = await api.gql(CONTACT, {"id": colleague}, token=token)
    # then
    assert response.data["contact"]["id"] == colleague


async def test_node_with_another_companys_partner_id_is_null_for_a_contact(api: Api) -> None:
    # given
    own = await api.partner()
    other = await api.partner()
    token, _ = await api.contact(own)
    # when
    response = await api.gql(NODE, {"id": other}, token=token)
    # then
    assert response.errors == []
    assert response.data["node"] is None


async def test_contact_sees_the_people_of_its_own_company(api: Api) -> None:
    # given
    own = await api.partner()
    other = await api.partner()
    token, me = await api.contact(own)
    _, colleague = await api.contact(own, sign_in=False)
    await api.contact(other, sign_in=False)
    # when
    response = await api.gql(OWN_COMPANY, token=token)
    # then
    company = response.data["viewer"]["partner"]
    assert company["id"] == own
    assert company["contacts"]["totalCount"] == 2
    assert [e["node"]["id"] for e in company["contacts"]["edges"]] == [me, colleague]


@pytest.mark.parametrize("mutation", CONTACT_WRITES)
async def test_contact_cannot_use_staff_write_mutations(api: Api, mutation: str) -> None:
    # given
    own = await api.partner()
    token, me = await api.contact(own, ContactRole.ADMIN)
    document, variables = WRITES[mutation]
    before = await snapshot(api)
    # when
    response = await api.gql(document, variables(own, me), token=token)
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert response.errors[0]["path"] == [mutation]
    assert await snapshot(api) == before


# ---------------------------------------------------------------- analysts


async def test_analyst_reads_every_partner(api: Api) -> None:
    # given
    analyst, _ = await api.staff(StaffRole.ANALYST)
    created = {await api.partner(), await api.partner(), await api.partner()}
    # when
    response = await api.gql(PARTNERS, token=analyst)
    # then
    assert response.data["partners"]["totalCount"] == 3
    assert {e["node"]["id"] for e in response.data["partners"]["edges"]} == created


@pytest.mark.parametrize("mutation", list(WRITES))
async def test_analyst_cannot_write(api: Api, mutation: str) -> None:
    # given
    analyst, _ = await api.staff(StaffRole.ANALYST)
    partner_id = await api.partner()
    _, contact_id = await api.contact(partner_id, sign_in=False)
    document, variables = WRITES[mutation]
    before = await snapshot(api)
    # when
    response = await api.gql(document, variables(partner_id, contact_id), token=analyst)
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert response.errors[0]["path"] == [mutation]
    assert await snapshot(api) == before


@pytest.mark.parametrize("mutation", list(WRITES))
async def test_vendor_admin_may_use_every_write_mutation(api: Api, mutation: str) -> None:
    """The control for the refusals above: the same documents succeed for a vendor admin."""
    # given
    admin, _ = await api.staff(StaffRole.VENDOR_ADMIN)
    partner_id = await api.partner()
    _, contact_id = await api.contact(partner_id, sign_in=False)
    document, variables = WRITES[mutation]
    # when
    response = await api.gql(document, variables(partner_id, contact_id), token=admin)
    # then
    assert response.errors == []
    assert response.data[mutation]["errors"] == []


# ---------------------------------------------------------------- channel managers


async def _managed_segment(api: Api, admin: str, manager_id: str) -> None:
    response = await api.gql(
        CREATE_SEGMENT,
        {
            "input": {
                "key": "gold-partners",
                "name": "Gold partners",
                "subject": "PARTNER",
                "rule": {"field": "partner.tier", "op": "eq", "value": "GOLD"},
                "managerIds": [manager_id],
            }
        },
        token=admin,
    )
    assert response.data["createSegment"]["errors"] == []


async def test_channel_manager_lists_only_partners_of_segments_it_manages(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    manager, manager_id = await api.staff(StaffRole.CHANNEL_MANAGER)
    gold = await api.partner(tier="GOLD")
    await api.partner(tier="SILVER")
    await _managed_segment(api, admin, manager_id)
    # when
    response = await api.gql(PARTNERS, token=manager)
    # then
    assert response.data["partners"] == {"totalCount": 1, "edges": [{"node": {"id": gold}}]}


async def test_channel_manager_edits_a_partner_it_manages(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    manager, manager_id = await api.staff(StaffRole.CHANNEL_MANAGER)
    gold = await api.partner(tier="GOLD", name="Acme")
    await _managed_segment(api, admin, manager_id)
    # when
    response = await api.gql(
        UPDATE_PARTNER, {"id": gold, "input": {"name": "Acme Ltd"}}, token=manager
    )
    # then
    assert response.errors == []
    assert response.data["updatePartner"] == {
        "partner": {"id": gold, "name": "Acme Ltd"},
        "errors": [],
    }


async def test_channel_manager_editing_a_partner_it_does_not_manage_is_not_found(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    manager, manager_id = await api.staff(StaffRole.CHANNEL_MANAGER)
    silver = await api.partner(tier="SILVER", name="Acme")
    await _managed_segment(api, admin, manager_id)
    before = await snapshot(api)
    # when
    response = await api.gql(
        UPDATE_PARTNER, {"id": silver, "input": {"name": "Mine"}}, token=manager
    )
    # then
    assert response.errors == []
    assert response.data["updatePartner"] == {
        "partner": None,
        "errors": [{"path": ["id"], "code": "NOT_FOUND"}],
    }
    assert await snapshot(api) == before


async def test_channel_manager_does_not_see_contacts_of_partners_it_does_not_manage(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    manager, manager_id = await api.staff(StaffRole.CHANNEL_MANAGER)
    silver = await api.partner(tier="SILVER")
    _, stranger = await api.contact(silver, sign_in=False)
    await _managed_segment(api, admin, manager_id)
    # when
    partner = await api.gql(PARTNER, {"id": silver}, token=manager)
    contact = await api.gql(CONTACT, {"id": stranger}, token=manager)
    # then
    assert partner.data["partner"] is None
    assert contact.data["contact"] is None


# ---------------------------------------------------------------- staff list, anonymous


async def test_vendor_admin_lists_staff_members(api: Api) -> None:
    # given
    admin, admin_id = await api.staff(StaffRole.VENDOR_ADMIN)
    _, analyst_id = await api.staff(StaffRole.ANALYST)
    # when
    response = await api.gql(STAFF_MEMBERS, token=admin)
    # then
    listed = {m["id"]: m["role"] for m in response.data["staffMembers"]}
    assert listed == {admin_id: "VENDOR_ADMIN", analyst_id: "ANALYST"}


@pytest.mark.parametrize("role", [StaffRole.CHANNEL_MANAGER, StaffRole.ANALYST])
async def test_other_staff_cannot_list_staff_members(api: Api, role: StaffRole) -> None:
    # given
    token, _ = await api.staff(role)
    # when
    response = await api.gql(STAFF_MEMBERS, token=token)
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None


async def test_partner_admin_cannot_list_staff_members(api: Api) -> None:
    # given
    partner_id = await api.partner()
    token, _ = await api.contact(partner_id, ContactRole.ADMIN)
    # when
    response = await api.gql(STAFF_MEMBERS, token=token)
    # then
    assert response.error_codes == ["FORBIDDEN"]


@pytest.mark.parametrize("document", [PARTNERS, STAFF_MEMBERS, "{ picklists { field } }"])
async def test_anonymous_reads_are_unauthenticated(api: Api, document: str) -> None:
    # given
    await api.partner()
    # when
    response = await api.gql(document)
    # then
    assert response.error_codes == ["UNAUTHENTICATED"]
    assert response.body["data"] is None


async def test_anonymous_write_is_unauthenticated_and_writes_nothing(api: Api) -> None:
    # given
    document, variables = WRITES["createPartner"]
    before = await snapshot(api)
    # when
    response = await api.gql(document, variables(None, None))
    # then
    assert response.error_codes == ["UNAUTHENTICATED"]
    assert await snapshot(api) == before
