"""The data catalogue: picklists partner data must use, and typed custom attributes."""

from __future__ import annotations

from typing import Any

import pytest

from domain.models import AttributeDefinition, PicklistValue
from domain.principal import StaffRole
from tests.records import count, snapshot
from tests.support import Api

PICKLISTS = "{ picklists { field values { value label rank } } }"
SET_PICKLIST = """
mutation($field: String!, $values: [PicklistValueInput!]!) {
  setPicklist(field: $field, values: $values) { id errors { path code message } }
}
"""
DEFINE = """
mutation($subject: AttributeSubject!, $key: String!, $type: AttributeType!, $label: String) {
  defineAttribute(subject: $subject, key: $key, type: $type, label: $label) {
    id errors { path code message }
  }
}
"""
DEFINITIONS = "{ attributeDefinitions { subject key type label } }"
CREATE = """
mutation($input: PartnerInput!) {
  createPartner(input: $input) { partner { id tier attributes } errors { path code message } }
}
"""
UPDATE_CONTACT = """
mutation($id: ID!, $title: String, $attributes: JSON) {
  updateContact(id: $id, title: $title, attributes: $attributes) {
    contact { id title attributes }
    errors { path code message }
  }
}
"""
CONTACT = "query($id: ID!) { contact(id: $id) { title attributes } }"

ACME = {"name": "Acme", "type": "MSP", "tier": "GOLD", "region": "EMEA", "phase": "ACTIVE"}
TIERS: list[dict[str, Any]] = [
    {"value": "REGISTERED", "rank": 1},
    {"value": "SILVER", "rank": 2},
    {"value": "GOLD", "rank": 3},
    {"value": "PLATINUM", "rank": 4},
]


def _errors(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["path"], e["code"]) for e in payload["errors"]]


async def _picklists(api: Api, token: str) -> dict[str, list[dict[str, Any]]]:
    response = await api.gql(PICKLISTS, token=token)
    return {p["field"]: p["values"] for p in response.data["picklists"]}


async def _define(api: Api, token: str, subject: str, key: str, kind: str) -> None:
    response = await api.gql(DEFINE, {"subject": subject, "key": key, "type": kind}, token=token)
    assert response.data["defineAttribute"]["errors"] == []


# ---------------------------------------------------------------- picklists


async def test_default_picklists_are_the_contracts(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    picklists = await _picklists(api, admin)
    # then
    values = {field: [v["value"] for v in entries] for field, entries in picklists.items()}
    assert values == {
        "partner.type": ["RESELLER", "MSP", "SYSTEM_INTEGRATOR", "ISV", "REFERRAL", "DISTRIBUTOR"],
        "partner.tier": ["REGISTERED", "SILVER", "GOLD", "PLATINUM"],
        "partner.region": ["NORTH_AMERICA", "LATIN_AMERICA", "EMEA", "APAC"],
        "partner.phase": ["PROSPECTING", "SIGNED_AGREEMENT", "ONBOARDING", "ACTIVE", "DORMANT"],
    }
    assert [(v["value"], v["rank"]) for v in picklists["partner.tier"]] == [
        ("REGISTERED", 1),
        ("SILVER", 2),
        ("GOLD", 3),
        ("PLATINUM", 4),
    ]
    assert all(v["label"] for entries in picklists.values() for v in entries)


async def test_partner_contact_reads_the_picklists(api: Api) -> None:
    # given
    partner_id = await api.partner()
    contact, _ = await api.contact(partner_id)
    # when
    response = await api.gql(PICKLISTS, token=contact)
    # then
    assert response.errors == []
    assert len(response.data["picklists"]) == 4


async def test_vendor_admin_adds_a_tier_with_its_rank(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    values = [*TIERS, {"value": "DIAMOND", "label": "Diamond", "rank": 5}]
    # when
    response = await api.gql(SET_PICKLIST, {"field": "partner.tier", "values": values}, token=admin)
    # then
    assert response.data["setPicklist"]["errors"] == []
    tiers = (await _picklists(api, admin))["partner.tier"]
    assert [(v["value"], v["rank"]) for v in tiers] == [(v["value"], v["rank"]) for v in values]
    assert tiers[-1]["label"] == "Diamond"
    created = await api.gql(CREATE, {"input": {**ACME, "tier": "DIAMOND"}}, token=admin)
    assert created.data["createPartner"]["errors"] == []


async def test_picklist_ranks_can_be_reordered(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    reranked = [{**v, "rank": 10 * v["rank"]} for v in TIERS]
    # when
    response = await api.gql(
        SET_PICKLIST, {"field": "partner.tier", "values": reranked}, token=admin
    )
    # then
    assert response.data["setPicklist"]["errors"] == []
    tiers = (await _picklists(api, admin))["partner.tier"]
    assert [v["rank"] for v in tiers] == [10, 20, 30, 40]


async def test_rank_defaults_to_the_position(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    values = [{"value": "EMEA"}, {"value": "APAC"}, {"value": "AMERICAS"}]
    # when
    response = await api.gql(
        SET_PICKLIST, {"field": "partner.region", "values": values}, token=admin
    )
    # then
    assert response.data["setPicklist"]["errors"] == []
    regions = (await _picklists(api, admin))["partner.region"]
    assert [(v["value"], v["rank"]) for v in regions] == [("EMEA", 1), ("APAC", 2), ("AMERICAS", 3)]


async def test_removing_an_unused_value_makes_it_invalid_for_partners(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    without_distributor = ["RESELLER", "MSP", "SYSTEM_INTEGRATOR", "ISV", "REFERRAL"]
    # when
    response = await api.gql(
        SET_PICKLIST,
        {"field": "partner.type", "values": [{"value": v} for v in without_distributor]},
        token=admin,
    )
    # then
    assert response.data["setPicklist"]["errors"] == []
    created = await api.gql(CREATE, {"input": {**ACME, "type": "DISTRIBUTOR"}}, token=admin)
    assert _errors(created.data["createPartner"]) == [(["input", "type"], "INVALID_VALUE")]


async def test_removing_a_value_a_partner_still_has_is_refused(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner(tier="SILVER")
    before = await _picklists(api, admin)
    # when
    response = await api.gql(
        SET_PICKLIST,
        {"field": "partner.tier", "values": [v for v in TIERS if v["value"] != "SILVER"]},
        token=admin,
    )
    # then
    payload = response.data["setPicklist"]
    assert payload["id"] is None
    assert [e["code"] for e in payload["errors"]] == ["INVALID_VALUE"]
    assert "SILVER" in payload["errors"][0]["message"]
    assert await _picklists(api, admin) == before


async def test_unknown_picklist_field_is_invalid_value(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(
        SET_PICKLIST, {"field": "partner.colour", "values": [{"value": "RED"}]}, token=admin
    )
    # then
    assert _errors(response.data["setPicklist"]) == [(["field"], "INVALID_VALUE")]
    assert await count(api, PicklistValue, PicklistValue.field == "partner.colour") == 0


@pytest.mark.parametrize("role", [StaffRole.CHANNEL_MANAGER, StaffRole.ANALYST])
async def test_staff_other_than_vendor_admin_cannot_set_a_picklist(
    api: Api, role: StaffRole
) -> None:
    # given
    token, _ = await api.staff(role)
    before = await snapshot(api)
    # when
    response = await api.gql(
        SET_PICKLIST, {"field": "partner.tier", "values": [{"value": "GOLD"}]}, token=token
    )
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert await snapshot(api) == before


# ---------------------------------------------------------------- attributes


async def test_defined_attributes_are_listed(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    defined = await api.gql(
        DEFINE,
        {"subject": "PARTNER", "key": "employees", "type": "NUMBER", "label": "Employees"},
        token=admin,
    )
    await _define(api, admin, "CONTACT", "certLevel", "STRING")
    # then
    assert defined.data["defineAttribute"]["errors"] == []
    assert defined.data["defineAttribute"]["id"]
    listed = await api.gql(DEFINITIONS, token=admin)
    assert sorted(listed.data["attributeDefinitions"], key=lambda d: d["key"]) == [
        {"subject": "CONTACT", "key": "certLevel", "type": "STRING", "label": "certLevel"},
        {"subject": "PARTNER", "key": "employees", "type": "NUMBER", "label": "Employees"},
    ]


@pytest.mark.parametrize(
    ("kind", "given", "stored"),
    [
        ("NUMBER", 12, 12),
        ("NUMBER", "12.5", 12.5),
        ("STRING", "Berlin", "Berlin"),
        ("BOOLEAN", True, True),
        ("DATE", "2026-02-28", "2026-02-28"),
        ("STRING_LIST", ["cloud", "edge"], ["cloud", "edge"]),
    ],
)
async def test_partner_attribute_of_the_declared_type_is_stored(
    api: Api, kind: str, given: Any, stored: Any
) -> None:
    # given
    admin, _ = await api.staff()
    await _define(api, admin, "PARTNER", "extra", kind)
    # when
    response = await api.gql(
        CREATE, {"input": {**ACME, "attributes": {"extra": given}}}, token=admin
    )
    # then
    payload = response.data["createPartner"]
    assert payload["errors"] == []
    assert payload["partner"]["attributes"] == {"extra": stored}


@pytest.mark.parametrize(
    ("kind", "given"),
    [
        ("NUMBER", "abc"),
        ("NUMBER", True),
        ("STRING", 12),
        ("BOOLEAN", "yes"),
        ("DATE", "2026-02-30"),
        ("STRING_LIST", "cloud"),
    ],
)
async def test_partner_attribute_of_the_wrong_type_is_invalid_value(
    api: Api, kind: str, given: Any
) -> None:
    # given
    admin, _ = await api.staff()
    await _define(api, admin, "PARTNER", "extra", kind)
    # when
    response = await api.gql(
        CREATE, {"input": {**ACME, "attributes": {"extra": given}}}, token=admin
    )
    # then
    assert _errors(response.data["createPartner"]) == [
        (["input", "attributes", "extra"], "INVALID_VALUE")
    ]


async def test_undeclared_attribute_key_is_invalid_value(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _define(api, admin, "PARTNER", "employees", "NUMBER")
    # when
    response = await api.gql(
        CREATE, {"input": {**ACME, "attributes": {"employees": 3, "shoeSize": 44}}}, token=admin
    )
    # then
    assert _errors(response.data["createPartner"]) == [
        (["input", "attributes", "shoeSize"], "INVALID_VALUE")
    ]


async def test_contact_attribute_is_not_a_partner_attribute(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _define(api, admin, "CONTACT", "certLevel", "NUMBER")
    # when
    response = await api.gql(
        CREATE, {"input": {**ACME, "attributes": {"certLevel": 3}}}, token=admin
    )
    # then
    assert _errors(response.data["createPartner"]) == [
        (["input", "attributes", "certLevel"], "INVALID_VALUE")
    ]


async def test_redefining_an_attribute_with_another_type_is_invalid_value(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _define(api, admin, "PARTNER", "employees", "NUMBER")
    # when
    response = await api.gql(
        DEFINE, {"subject": "PARTNER", "key": "employees", "type": "STRING"}, token=admin
    )
    # then
    assert _errors(response.data["defineAttribute"]) == [(["type"], "INVALID_VALUE")]
    listed = await api.gql(DEFINITIONS, token=admin)
    assert [d["type"] for d in listed.data["attributeDefinitions"]] == ["NUMBER"]


async def test_redefining_an_attribute_with_its_type_relabels_it(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _define(api, admin, "PARTNER", "employees", "NUMBER")
    # when
    response = await api.gql(
        DEFINE,
        {"subject": "PARTNER", "key": "employees", "type": "NUMBER", "label": "Head count"},
        token=admin,
    )
    # then
    assert response.data["defineAttribute"]["errors"] == []
    listed = await api.gql(DEFINITIONS, token=admin)
    assert [d["label"] for d in listed.data["attributeDefinitions"]] == ["Head count"]


@pytest.mark.parametrize("key", ["Employees", "1st", "head count", "a" * 64, ""])
async def test_attribute_key_that_is_not_an_identifier_is_invalid_value(api: Api, key: str) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(
        DEFINE, {"subject": "PARTNER", "key": key, "type": "STRING"}, token=admin
    )
    # then
    assert _errors(response.data["defineAttribute"]) == [(["key"], "INVALID_VALUE")]
    assert await count(api, AttributeDefinition) == 0


@pytest.mark.parametrize("role", [StaffRole.CHANNEL_MANAGER, StaffRole.ANALYST])
async def test_staff_other_than_vendor_admin_cannot_define_an_attribute(
    api: Api, role: StaffRole
) -> None:
    # given
    token, _ = await api.staff(role)
    # when
    response = await api.gql(
        DEFINE, {"subject": "PARTNER", "key": "employees", "type": "NUMBER"}, token=token
    )
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert await count(api, AttributeDefinition) == 0


# ---------------------------------------------------------------- contacts


async def test_staff_updates_a_contacts_title_and_contact_attributes(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _define(api, admin, "CONTACT", "certLevel", "NUMBER")
    await _define(api, admin, "CONTACT", "timezone", "STRING")
    partner_id = await api.partner()
    _, contact_id = await api.contact(partner_id)
    # when
    response = await api.gql(
        UPDATE_CONTACT,
        {"id": contact_id, "title": "CTO", "attributes": {"certLevel": "3", "timezone": "CET"}},
        token=admin,
    )
    # then
    payload = response.data["updateContact"]
    assert payload["errors"] == []
    stored = await api.gql(CONTACT, {"id": contact_id}, token=admin)
    assert stored.data["contact"] == {
        "title": "CTO",
        "attributes": {"certLevel": 3, "timezone": "CET"},
    }


async def test_contact_update_leaves_omitted_fields_and_merges_attributes(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _define(api, admin, "CONTACT", "certLevel", "NUMBER")
    await _define(api, admin, "CONTACT", "timezone", "STRING")
    partner_id = await api.partner()
    _, contact_id = await api.contact(partner_id)
    await api.gql(
        UPDATE_CONTACT,
        {"id": contact_id, "title": "CTO", "attributes": {"certLevel": 3, "timezone": "CET"}},
        token=admin,
    )
    # when
    response = await api.gql(
        UPDATE_CONTACT, {"id": contact_id, "attributes": {"timezone": None}}, token=admin
    )
    # then
    assert response.data["updateContact"]["errors"] == []
    stored = await api.gql(CONTACT, {"id": contact_id}, token=admin)
    assert stored.data["contact"] == {"title": "CTO", "attributes": {"certLevel": 3}}


async def test_partner_attribute_is_not_a_contact_attribute(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _define(api, admin, "PARTNER", "employees", "NUMBER")
    partner_id = await api.partner()
    _, contact_id = await api.contact(partner_id)
    # when
    response = await api.gql(
        UPDATE_CONTACT,
        {"id": contact_id, "title": "CTO", "attributes": {"employees": 3}},
        token=admin,
    )
    # then
    assert _errors(response.data["updateContact"]) == [
        (["attributes", "employees"], "INVALID_VALUE")
    ]
    stored = await api.gql(CONTACT, {"id": contact_id}, token=admin)
    assert stored.data["contact"] == {"title": None, "attributes": {}}
