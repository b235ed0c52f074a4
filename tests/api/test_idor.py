"""No reading or writing across companies or territories, and no existence oracle.

A contact of company A names company B's records through every root field and every team
or edit mutation; a channel manager names partners outside the segments it manages. The
answer is always the one given for an id that does not exist at all ("Errors": existence
is not revealed): the same data, the same errors, and nothing written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from domain import ids
from domain.principal import ContactRole, StaffRole
from tests.records import snapshot
from tests.support import Api, Response, create_api_key, create_segment

MISSING = 987_654_321  # a primary key no row has

PARTNER_BY_ID = """
query($id: ID!) { partner(id: $id) { id name externalId contacts { totalCount } } }
"""
PARTNER_BY_EXTERNAL_ID = """
query($id: String!) { partner(externalId: $id) { id name contacts { totalCount } } }
"""
CONTACT_BY_ID = "query($id: ID!) { contact(id: $id) { id email name partner { id name } } }"
NODE = """
query($id: ID!) {
  node(id: $id) { id ... on Partner { name } ... on Contact { email partner { id } } }
}
"""
PARTNERS = """
query($filter: PartnerFilter) {
  partners(filter: $filter, first: 100) { totalCount edges { node { id } } }
}
"""
NESTED_PEOPLE = """
query($partnerId: ID!, $colleagueId: ID!) {
  viewer { partner { contacts(first: 100) { totalCount edges { node { id } } } } }
  partner(id: $partnerId) { contacts(first: 100) { totalCount edges { node { id } } } }
  partners(first: 100) {
    edges { node { id contacts(first: 50) { totalCount edges { node { id } } } } }
  }
  contact(id: $colleagueId) {
    partner { contacts(first: 100) { totalCount edges { node { id partner { id } } } } }
  }
}
"""
INVITE = """
mutation($id: ID!) {
  inviteContact(partnerId: $id, email: "mole@partner.example.com", name: "Mole", role: ADMIN) {
    contact { id } invitationToken errors { path code message }
  }
}
"""
PROMOTE = """
mutation($id: ID!) {
  setContactRole(contactId: $id, role: ADMIN) { contact { id role } errors { path code message } }
}
"""
DEMOTE = """
mutation($id: ID!) {
  setContactRole(contactId: $id, role: FINANCE) {
    contact { id role } errors { path code message }
  }
}
"""
DEACTIVATE = """
mutation($id: ID!) {
  deactivateContact(contactId: $id) { contact { id status } errors { path code message } }
}
"""
UPDATE_PARTNER = """
mutation($id: ID!) {
  updatePartner(id: $id, input: {name: "Taken Over"}) {
    partner { id name } errors { path code message }
  }
}
"""
UPDATE_CONTACT = """
mutation($id: ID!) {
  updateContact(id: $id, title: "Mole") { contact { id title } errors { path code message } }
}
"""
DROP_TO_REGISTERED = """
mutation($id: ID!) { updatePartner(id: $id, input: {tier: "REGISTERED"}) { errors { code } } }
"""
VIEWER = "{ viewer { id kind contactRole previewedBy { id } partner { id } } }"


def missing(type_name: str) -> str:
    return ids.encode(type_name, MISSING)


def masked(response: Response, *given: str) -> dict[str, Any]:
    """The whole response with the ids the caller sent replaced, so echoing them is no leak."""
    text = json.dumps(response.body, sort_keys=True)
    for value in given:
        text = text.replace(value, "<given id>")
    return json.loads(text)


# ---------------------------------------------------------------- two companies


@dataclass
class Companies:
    own: str  # company A
    admin: str  # token of A's only ADMIN
    rep: str  # token of A's SALES_REP
    people: list[str]  # A's contacts
    other: str  # company B, externalId "crm-beta"
    other_admin: str  # B's only ADMIN
    other_rep: str  # B's SALES_REP

    def token(self, role: ContactRole) -> str:
        return {ContactRole.ADMIN: self.admin, ContactRole.SALES_REP: self.rep}[role]


async def two_companies(api: Api) -> Companies:
    own = await api.partner(name="Alpha Trading", tier="SILVER", region="EMEA", type="RESELLER")
    other = await api.partner(
        name="Beta Systems", tier="GOLD", region="APAC", type="MSP", externalId="crm-beta"
    )
    admin, admin_id = await api.contact(own, ContactRole.ADMIN)
    rep, rep_id = await api.contact(own, ContactRole.SALES_REP)
    _, colleague = await api.contact(own, ContactRole.FINANCE, sign_in=False)
    _, other_admin = await api.contact(other, ContactRole.ADMIN, sign_in=False)
    _, other_rep = await api.contact(other, ContactRole.SALES_REP, sign_in=False)
    assert admin is not None
    assert rep is not None
    return Companies(own, admin, rep, [admin_id, rep_id, colleague], other, other_admin, other_rep)


@dataclass(frozen=True)
class Read:
    name: str
    document: str
    field: str
    target: Callable[[Any], str]  # B's id (of Companies or Territory)
    nobody: str  # an id (or externalId) that names nothing


READS = [
    Read("partner(id)", PARTNER_BY_ID, "partner", lambda w: w.other, missing("Partner")),
    Read("partner(externalId)", PARTNER_BY_EXTERNAL_ID, "partner", lambda w: "crm-beta", "crm-x"),
    Read("contact(id)", CONTACT_BY_ID, "contact", lambda w: w.other_admin, missing("Contact")),
    Read("node(partner id)", NODE, "node", lambda w: w.other, missing("Partner")),
    Read("node(contact id)", NODE, "node", lambda w: w.other_rep, missing("Contact")),
]


@dataclass(frozen=True)
class Write:
    name: str
    document: str
    field: str
    target: Callable[[Any], str]  # B's id (of Companies or Territory)
    type_name: str  # of the id argument
    path: list[str]  # where NOT_FOUND points
    empty: dict[str, Any]  # the payload besides `errors` when nothing was done


TEAM_WRITES = [
    Write(
        "invite into B",
        INVITE,
        "inviteContact",
        lambda w: w.other,
        "Partner",
        ["partnerId"],
        {"contact": None, "invitationToken": None},
    ),
    Write(
        "promote B's sales rep",
        PROMOTE,
        "setContactRole",
        lambda w: w.other_rep,
        "Contact",
        ["contactId"],
        {"contact": None},
    ),
    Write(
        "demote B's last admin",
        DEMOTE,
        "setContactRole",
        lambda w: w.other_admin,
        "Contact",
        ["contactId"],
        {"contact": None},
    ),
    Write(
        "deactivate B's sales rep",
        DEACTIVATE,
        "deactivateContact",
        lambda w: w.other_rep,
        "Contact",
        ["contactId"],
        {"contact": None},
    ),
    Write(
        "deactivate B's last admin",
        DEACTIVATE,
        "deactivateContact",
        lambda w: w.other_admin,
        "Contact",
        ["contactId"],
        {"contact": None},
    ),
]
EDIT_WRITES = [
    Write(
        "update B",
        UPDATE_PARTNER,
        "updatePartner",
        lambda w: w.other,
        "Partner",
        ["id"],
        {"partner": None},
    ),
    Write(
        "update B's contact",
        UPDATE_CONTACT,
        "updateContact",
        lambda w: w.other_rep,
        "Contact",
        ["id"],
        {"contact": None},
    ),
]


def _names(items: list[Any]) -> list[str]:
    return [item.name for item in items]


# ---------------------------------------------------------------- contacts: reading


@pytest.mark.parametrize("role", [ContactRole.ADMIN, ContactRole.SALES_REP])
@pytest.mark.parametrize("read", READS, ids=_names(READS))
async def test_contact_reads_another_companys_record_exactly_as_a_missing_one(
    api: Api, read: Read, role: ContactRole
) -> None:
    # given
    world = await two_companies(api)
    token = world.token(role)
    # when
    of_other = await api.gql(read.document, {"id": read.target(world)}, token=token)
    of_nobody = await api.gql(read.document, {"id": read.nobody}, token=token)
    # then
    assert (of_other.errors, of_other.data) == ([], {read.field: None})
    assert masked(of_other, read.target(world)) == masked(of_nobody, read.nobody)


@pytest.mark.parametrize(
    "partner_filter",
    [
        {},
        {"segment": "everyone"},
        {"search": "a"},
        {"tier": "SILVER"},
        {"region": "EMEA"},
        {"type": "RESELLER"},
    ],
    ids=["no filter", "segment of both", "name of both", "own tier", "own region", "own type"],
)
async def test_contact_lists_only_its_own_company_under_any_filter(
    api: Api, partner_filter: dict[str, str]
) -> None:
    # given: a segment holding both companies
    admin, _ = await api.staff()
    world = await two_companies(api)
    await create_segment(
        api, admin, "everyone", {"field": "partner.tier", "op": "gte", "value": "REGISTERED"}
    )
    # when
    response = await api.gql(PARTNERS, {"filter": partner_filter}, token=world.rep)
    # then
    assert response.errors == []
    assert response.data["partners"] == {"totalCount": 1, "edges": [{"node": {"id": world.own}}]}


@pytest.mark.parametrize(
    ("of_other", "of_nobody"),
    [
        ({"segment": "beta-only"}, {"segment": "nobody"}),
        ({"search": "Beta"}, {"search": "Zeta"}),
        ({"tier": "GOLD"}, {"tier": "PLATINUM"}),
        ({"region": "APAC"}, {"region": "LATIN_AMERICA"}),
        ({"type": "MSP"}, {"type": "ISV"}),
    ],
    ids=["segment", "search", "tier", "region", "type"],
)
async def test_filtering_on_another_companys_traits_answers_as_for_nobody(
    api: Api, of_other: dict[str, str], of_nobody: dict[str, str]
) -> None:
    # given: B alone is GOLD, in APAC, an MSP, called Beta, in segment beta-only
    admin, _ = await api.staff()
    world = await two_companies(api)
    await create_segment(
        api, admin, "beta-only", {"field": "partner.tier", "op": "eq", "value": "GOLD"}
    )
    await create_segment(
        api, admin, "nobody", {"field": "partner.tier", "op": "eq", "value": "PLATINUM"}
    )
    # when
    other = await api.gql(PARTNERS, {"filter": of_other}, token=world.admin)
    nobody = await api.gql(PARTNERS, {"filter": of_nobody}, token=world.admin)
    # then
    assert (other.errors, other.data) == ([], {"partners": {"totalCount": 0, "edges": []}})
    assert other.body == nobody.body


async def test_contact_sees_only_its_own_companys_people_through_every_nested_list(
    api: Api,
) -> None:
    # given
    world = await two_companies(api)
    own_people = {"totalCount": 3, "ids": sorted(world.people)}
    # when
    response = await api.gql(
        NESTED_PEOPLE, {"partnerId": world.own, "colleagueId": world.people[2]}, token=world.rep
    )
    # then
    assert response.errors == []
    data = response.data
    lists = {
        "viewer.partner.contacts": data["viewer"]["partner"]["contacts"],
        "partner.contacts": data["partner"]["contacts"],
        "partners.contacts": data["partners"]["edges"][0]["node"]["contacts"],
        "contact.partner.contacts": data["contact"]["partner"]["contacts"],
    }
    seen = {
        name: {"totalCount": c["totalCount"], "ids": sorted(e["node"]["id"] for e in c["edges"])}
        for name, c in lists.items()
    }
    assert seen == dict.fromkeys(lists, own_people)
    assert [e["node"]["id"] for e in data["partners"]["edges"]] == [world.own]
    nested_partners = {
        e["node"]["partner"]["id"] for e in lists["contact.partner.contacts"]["edges"]
    }
    assert nested_partners == {world.own}


# ---------------------------------------------------------------- contacts: writing


@pytest.mark.parametrize("write", TEAM_WRITES, ids=_names(TEAM_WRITES))
async def test_partner_admin_naming_another_companys_record_gets_not_found_as_for_a_missing_one(
    api: Api, write: Write
) -> None:
    # given
    world = await two_companies(api)
    before = await snapshot(api)
    # when
    of_other = await api.gql(write.document, {"id": write.target(world)}, token=world.admin)
    of_nobody = await api.gql(write.document, {"id": missing(write.type_name)}, token=world.admin)
    # then
    assert of_other.errors == []
    payload = of_other.data[write.field]
    assert {**payload, "errors": [(e["path"], e["code"]) for e in payload["errors"]]} == {
        **write.empty,
        "errors": [(write.path, "NOT_FOUND")],
    }
    assert masked(of_other, write.target(world)) == masked(of_nobody, missing(write.type_name))
    assert await snapshot(api) == before


@pytest.mark.parametrize("write", TEAM_WRITES, ids=_names(TEAM_WRITES))
async def test_sales_rep_is_forbidden_team_writes_whatever_company_it_names(
    api: Api, write: Write
) -> None:
    # given: MANAGE_TEAM has no policy, so it is for admins
    world = await two_companies(api)
    before = await snapshot(api)
    # when
    of_other = await api.gql(write.document, {"id": write.target(world)}, token=world.rep)
    of_nobody = await api.gql(write.document, {"id": missing(write.type_name)}, token=world.rep)
    # then
    assert (of_other.error_codes, of_other.body["data"]) == (["FORBIDDEN"], None)
    assert masked(of_other, write.target(world)) == masked(of_nobody, missing(write.type_name))
    assert await snapshot(api) == before


@pytest.mark.parametrize("role", [ContactRole.ADMIN, ContactRole.SALES_REP])
@pytest.mark.parametrize("write", EDIT_WRITES, ids=_names(EDIT_WRITES))
async def test_contact_is_forbidden_staff_edits_of_another_company_as_of_a_missing_one(
    api: Api, write: Write, role: ContactRole
) -> None:
    # given
    world = await two_companies(api)
    before = await snapshot(api)
    # when
    of_other = await api.gql(write.document, {"id": write.target(world)}, token=world.token(role))
    of_nobody = await api.gql(
        write.document, {"id": missing(write.type_name)}, token=world.token(role)
    )
    # then
    assert (of_other.error_codes, of_other.body["data"]) == (["FORBIDDEN"], None)
    assert masked(of_other, write.target(world)) == masked(of_nobody, missing(write.type_name))
    assert await snapshot(api) == before


async def test_contact_may_not_view_as_another_companys_contact(api: Api) -> None:
    # given
    world = await two_companies(api)
    # when
    response = await api.gql(VIEWER, token=world.admin, headers={"X-View-As": world.other_rep})
    # then
    assert (response.error_codes, response.body["data"]) == (["FORBIDDEN"], None)


# ---------------------------------------------------------------- channel managers


@dataclass
class Territory:
    admin: str  # a VENDOR_ADMIN's token
    manager: str  # a CHANNEL_MANAGER's token
    manager_id: str
    gold: str  # managed through segment "gold"
    managed: list[str]  # partners in the segments it manages: gold and an APAC one
    managed_contact: str
    other: str  # a partner in no segment it manages (externalId "crm-beta")
    other_admin: str  # that partner's only ADMIN
    other_rep: str


async def territory(api: Api) -> Territory:
    admin, _ = await api.staff()
    manager, manager_id = await api.staff(StaffRole.CHANNEL_MANAGER)
    gold = await api.partner(tier="GOLD", region="EMEA")
    apac = await api.partner(tier="SILVER", region="APAC")
    other = await api.partner(tier="SILVER", region="EMEA", externalId="crm-beta")
    await create_segment(
        api,
        admin,
        "gold",
        {"field": "partner.tier", "op": "eq", "value": "GOLD"},
        managerIds=[manager_id],
    )
    await create_segment(
        api,
        admin,
        "apac",
        {"field": "partner.region", "op": "eq", "value": "APAC"},
        managerIds=[manager_id],
    )
    # a segment holding the unmanaged partner, managed by someone else
    _, someone_else = await api.staff(StaffRole.CHANNEL_MANAGER)
    await create_segment(
        api,
        admin,
        "silver-emea",
        {
            "all": [
                {"field": "partner.tier", "op": "eq", "value": "SILVER"},
                {"field": "partner.region", "op": "eq", "value": "EMEA"},
            ]
        },
        managerIds=[someone_else],
    )
    _, managed_contact = await api.contact(gold, ContactRole.SALES_REP, sign_in=False)
    await api.contact(gold, ContactRole.ADMIN, sign_in=False)
    _, other_admin = await api.contact(other, ContactRole.ADMIN, sign_in=False)
    _, other_rep = await api.contact(other, ContactRole.SALES_REP, sign_in=False)
    return Territory(
        admin,
        manager,
        manager_id,
        gold,
        sorted([gold, apac]),
        managed_contact,
        other,
        other_admin,
        other_rep,
    )


@pytest.mark.parametrize("read", READS, ids=_names(READS))
async def test_channel_manager_reads_a_partner_outside_its_segments_as_a_missing_one(
    api: Api, read: Read
) -> None:
    # given
    world = await territory(api)
    target = read.target(world)
    # when
    of_other = await api.gql(read.document, {"id": target}, token=world.manager)
    of_nobody = await api.gql(read.document, {"id": read.nobody}, token=world.manager)
    # then
    assert (of_other.errors, of_other.data) == ([], {read.field: None})
    assert masked(of_other, target) == masked(of_nobody, read.nobody)


async def test_channel_manager_reads_the_partners_and_contacts_of_its_segments(api: Api) -> None:
    # given
    world = await territory(api)
    # when
    listed = await api.gql(PARTNERS, {"filter": None}, token=world.manager)
    partner = await api.gql(PARTNER_BY_ID, {"id": world.gold}, token=world.manager)
    contact = await api.gql(CONTACT_BY_ID, {"id": world.managed_contact}, token=world.manager)
    # then
    assert listed.errors == []
    assert listed.data["partners"]["totalCount"] == 2
    assert sorted(e["node"]["id"] for e in listed.data["partners"]["edges"]) == world.managed
    assert partner.data["partner"]["id"] == world.gold
    assert contact.data["contact"]["id"] == world.managed_contact


async def test_channel_manager_filtering_for_an_unmanaged_segment_answers_as_for_nobody(
    api: Api,
) -> None:
    # given
    world = await territory(api)
    await create_segment(
        api, world.admin, "nobody", {"field": "partner.tier", "op": "eq", "value": "PLATINUM"}
    )
    # when
    other = await api.gql(PARTNERS, {"filter": {"segment": "silver-emea"}}, token=world.manager)
    nobody = await api.gql(PARTNERS, {"filter": {"segment": "nobody"}}, token=world.manager)
    # then
    assert (other.errors, other.data) == ([], {"partners": {"totalCount": 0, "edges": []}})
    assert other.body == nobody.body


@pytest.mark.parametrize("write", TEAM_WRITES + EDIT_WRITES, ids=_names(TEAM_WRITES + EDIT_WRITES))
async def test_channel_manager_naming_a_partner_outside_its_segments_gets_not_found(
    api: Api, write: Write
) -> None:
    # given
    world = await territory(api)
    target = write.target(world)
    before = await snapshot(api)
    # when
    of_other = await api.gql(write.document, {"id": target}, token=world.manager)
    of_nobody = await api.gql(write.document, {"id": missing(write.type_name)}, token=world.manager)
    # then
    assert of_other.errors == []
    payload = of_other.data[write.field]
    assert {**payload, "errors": [(e["path"], e["code"]) for e in payload["errors"]]} == {
        **write.empty,
        "errors": [(write.path, "NOT_FOUND")],
    }
    assert masked(of_other, target) == masked(of_nobody, missing(write.type_name))
    assert await snapshot(api) == before


async def test_channel_manager_invites_into_a_partner_of_its_segments(api: Api) -> None:
    # given
    world = await territory(api)
    # when
    response = await api.gql(INVITE, {"id": world.gold}, token=world.manager)
    # then
    assert response.errors == []
    assert response.data["inviteContact"]["errors"] == []
    assert response.data["inviteContact"]["contact"]["id"]


@pytest.mark.parametrize(
    "view_as",
    ["outside contact", "outside partner id", "missing contact", "not an id"],
)
async def test_channel_manager_viewing_as_a_contact_outside_its_partners_is_forbidden(
    api: Api, view_as: str
) -> None:
    # given
    world = await territory(api)
    header = {
        "outside contact": world.other_rep,
        "outside partner id": world.other,
        "missing contact": missing("Contact"),
        "not an id": "Contact:12",
    }[view_as]
    # when
    response = await api.gql(VIEWER, token=world.manager, headers={"X-View-As": header})
    # then
    assert (response.error_codes, response.body["data"]) == (["FORBIDDEN"], None)


async def test_channel_manager_views_as_a_contact_of_its_partners(api: Api) -> None:
    # given
    world = await territory(api)
    # when
    response = await api.gql(
        VIEWER, token=world.manager, headers={"X-View-As": world.managed_contact}
    )
    # then
    assert response.errors == []
    assert response.data["viewer"] == {
        "id": world.managed_contact,
        "kind": "CONTACT",
        "contactRole": "SALES_REP",
        "previewedBy": {"id": world.manager_id},
        "partner": {"id": world.gold},
    }


async def test_analyst_may_not_view_as_anyone(api: Api) -> None:
    # given
    world = await territory(api)
    analyst, _ = await api.staff(StaffRole.ANALYST)
    # when
    response = await api.gql(VIEWER, token=analyst, headers={"X-View-As": world.managed_contact})
    # then
    assert (response.error_codes, response.body["data"]) == (["FORBIDDEN"], None)


async def test_api_key_may_not_view_as_a_contact(api: Api) -> None:
    # given
    world = await territory(api)
    key = await create_api_key(api, world.admin, "partners:read", "partners:write")
    # when
    response = await api.gql(VIEWER, api_key=key, headers={"X-View-As": world.managed_contact})
    # then
    assert (response.error_codes, response.body["data"]) == (["FORBIDDEN"], None)


async def test_partner_leaving_a_managed_segment_leaves_the_channel_managers_view_at_once(
    api: Api,
) -> None:
    # given
    world = await territory(api)
    gold = world.gold
    seen = await api.gql(PARTNER_BY_ID, {"id": gold}, token=world.manager)
    # when: the gold partner drops to REGISTERED (and stays out of APAC)
    dropped = await api.gql(DROP_TO_REGISTERED, {"id": gold}, token=world.admin)
    assert dropped.data["updatePartner"]["errors"] == []
    partner = await api.gql(PARTNER_BY_ID, {"id": gold}, token=world.manager)
    nobody = await api.gql(PARTNER_BY_ID, {"id": missing("Partner")}, token=world.manager)
    # then
    assert seen.data["partner"]["id"] == gold
    assert (partner.errors, partner.data) == ([], {"partner": None})
    assert masked(partner, gold) == masked(nobody, missing("Partner"))


@pytest.mark.parametrize("viewer", ["vendor admin", "channel manager"])
async def test_viewing_as_a_partner_admin_is_read_only(api: Api, viewer: str) -> None:
    # given: the viewed contact is an ADMIN, who may manage the team itself
    world = await territory(api)
    _, boss = await api.contact(world.gold, ContactRole.ADMIN, sign_in=False)
    token = {"vendor admin": world.admin, "channel manager": world.manager}[viewer]
    before = await snapshot(api)
    # when
    response = await api.gql(INVITE, {"id": world.gold}, token=token, headers={"X-View-As": boss})
    # then
    assert (response.error_codes, response.body["data"]) == (["FORBIDDEN"], None)
    assert await snapshot(api) == before
