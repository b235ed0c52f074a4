"""Deal registration: each partner type gets its own record types (layouts by audience), and
`registerDeal` checks values against the viewer's layout, reporting every problem at once."""

from __future__ import annotations

from typing import Any

import pytest

from domain.models import Deal
from domain.principal import ContactRole, StaffRole
from tests.deal_desk import (
    deal_attribute,
    deal_layout,
    problems,
    register,
    registered,
)
from tests.records import count, snapshot
from tests.support import Api, create_api_key, create_segment

MY_LAYOUTS = "{ viewer { layouts(entity: DEAL) { recordType fields { name } } } }"
DEAL_VALUES = "query($id: ID!) { deal(id: $id) { id values } }"
SET_POLICY = """
mutation($audience: AudienceInput) {
  setActionPolicy(action: REGISTER_DEAL, audience: $audience) { errors { code } }
}
"""
UPDATE_LAYOUT = """
mutation($id: ID!, $input: LayoutInput!) {
  updateLayout(id: $id, input: $input) { errors { code } }
}
"""


async def _programme(api: Api) -> dict[str, Any]:
    """Referral partners register short referral deals; resellers register resale deals."""
    admin, _ = await api.staff()
    await deal_attribute(api, admin, "useCase", "STRING")
    await deal_attribute(api, admin, "seats", "NUMBER")
    await deal_attribute(api, admin, "competitors", "STRING_LIST")
    await create_segment(
        api, admin, "referral", {"field": "partner.type", "op": "eq", "value": "REFERRAL"}
    )
    await create_segment(
        api, admin, "resellers", {"field": "partner.type", "op": "eq", "value": "RESELLER"}
    )
    referral_layout = await deal_layout(
        api,
        admin,
        "referral",
        [{"name": "closeDate", "required": True}, "useCase"],
        audience={"anySegments": ["referral"]},
    )
    await deal_layout(
        api,
        admin,
        "resale",
        [
            {"name": "amount", "required": True},
            "closeDate",
            "seats",
            {"name": "competitors", "readOnly": True},
        ],
        audience={"anySegments": ["resellers"]},
    )
    referrer, _ = await api.contact(await api.partner(type="REFERRAL"), ContactRole.SALES_REP)
    reseller_partner = await api.partner(type="RESELLER")
    reseller, reseller_id = await api.contact(reseller_partner, ContactRole.SALES_REP)
    return {
        "admin": admin,
        "referrer": referrer,
        "reseller": reseller,
        "reseller_id": reseller_id,
        "reseller_partner": reseller_partner,
        "referral_layout": referral_layout,
    }


async def _record_types(api: Api, token: str) -> list[tuple[str, list[str]]]:
    response = await api.gql(MY_LAYOUTS, token=token)
    return [
        (x["recordType"], [f["name"] for f in x["fields"]])
        for x in response.data["viewer"]["layouts"]
    ]


async def test_each_partner_type_registers_its_own_record_types(api: Api) -> None:
    # given
    p = await _programme(api)
    # when
    referrer_types = await _record_types(api, p["referrer"])
    reseller_types = await _record_types(api, p["reseller"])
    referral_as_reseller = await register(api, p["reseller"], "referral", {"customerName": "X"})
    # then
    assert referrer_types == [("referral", ["customerName", "closeDate", "useCase"])]
    assert reseller_types == [
        ("resale", ["customerName", "amount", "closeDate", "seats", "competitors"])
    ]
    assert problems(referral_as_reseller) == [(["recordType"], "UNKNOWN_RECORD_TYPE")]
    assert "yours: ['resale']" in referral_as_reseller["errors"][0]["message"]


async def test_a_registration_is_owned_by_the_contact_for_its_company_and_starts_registered(
    api: Api,
) -> None:
    # given
    p = await _programme(api)
    # when
    deal = await registered(
        api,
        p["reseller"],
        "resale",
        {
            "customerName": "  Acme Corp ",
            "amount": 1250.5,
            "closeDate": "2026-12-31",
            "seats": "25",
        },
    )
    # then
    assert deal["recordType"] == "resale"
    assert deal["customerName"] == "Acme Corp"
    assert deal["amount"] == "1250.50"
    assert deal["closeDate"] == "2026-12-31"
    assert deal["stage"] == "REGISTERED"
    assert deal["version"] == 1
    assert deal["values"] == {"seats": 25}
    assert deal["owner"] == {"id": p["reseller_id"]}
    assert deal["partner"] == {"id": p["reseller_partner"]}


async def test_every_problem_of_a_registration_is_reported_at_once_and_nothing_is_written(
    api: Api,
) -> None:
    # given
    p = await _programme(api)
    before = await snapshot(api)
    # when
    refused = await register(
        api,
        p["reseller"],
        "resale",
        {
            "customerName": "   ",
            "discount": 10,
            "competitors": ["Initech"],
            "seats": "many",
            "closeDate": "2026/12/31",
        },
    )
    # then
    assert problems(refused) == [
        (["values", "discount"], "UNKNOWN_FIELD"),
        (["values", "competitors"], "READ_ONLY"),
        (["values", "seats"], "INVALID_VALUE"),
        (["values", "closeDate"], "INVALID_VALUE"),
        (["values", "customerName"], "REQUIRED"),
        (["values", "amount"], "REQUIRED"),
    ]
    assert refused["deal"] is None
    assert await snapshot(api) == before


@pytest.mark.parametrize(
    "amount",
    ["NaN", "Infinity", "-Infinity", "-1", "12.345", "1000000000000", "12,50", True, [1]],
)
async def test_an_amount_that_is_not_money_is_invalid_value(api: Api, amount: Any) -> None:
    p = await _programme(api)
    refused = await register(
        api, p["reseller"], "resale", {"customerName": "Acme", "amount": amount}
    )
    assert problems(refused) == [(["values", "amount"], "INVALID_VALUE")]


async def test_values_must_be_an_object_and_a_null_required_value_is_required(api: Api) -> None:
    p = await _programme(api)
    not_an_object = await register(api, p["reseller"], "resale", ["Acme"])
    unknown_type_too = await register(api, p["reseller"], "rental", "Acme")
    null_amount = await register(
        api, p["reseller"], "resale", {"customerName": "Acme", "amount": None}
    )
    assert problems(not_an_object) == [(["values"], "INVALID_VALUE")]
    assert problems(unknown_type_too) == [
        (["recordType"], "UNKNOWN_RECORD_TYPE"),
        (["values"], "INVALID_VALUE"),
    ]
    assert problems(null_amount) == [(["values", "amount"], "REQUIRED")]


async def test_only_partner_contacts_the_register_deal_policy_allows_may_register(
    api: Api,
) -> None:
    # given
    p = await _programme(api)
    analyst, _ = await api.staff(StaffRole.ANALYST)
    key = await create_api_key(api, p["admin"], "deals:write")
    admin_of_reseller, _ = await api.contact(p["reseller_partner"], ContactRole.ADMIN)
    await api.gql(SET_POLICY, {"audience": {"roles": ["ADMIN"]}}, token=p["admin"])
    values = {"recordType": "resale", "values": {"customerName": "Acme", "amount": "10"}}
    document = "mutation($recordType: String!, $values: JSON!) { registerDeal(" + (
        "recordType: $recordType, values: $values) { deal { id } errors { code } } }"
    )
    # when
    answers = {
        "vendor admin": await api.gql(document, values, token=p["admin"]),
        "analyst": await api.gql(document, values, token=analyst),
        "api key": await api.gql(document, values, api_key=key),
        "sales rep outside the policy": await api.gql(document, values, token=p["reseller"]),
    }
    allowed = await api.gql(document, values, token=admin_of_reseller)
    # then
    assert {who: r.error_codes for who, r in answers.items()} == {
        "vendor admin": ["FORBIDDEN"],
        "analyst": ["FORBIDDEN"],
        "api key": ["FORBIDDEN"],
        "sales rep outside the policy": ["FORBIDDEN"],
    }
    assert allowed.data["registerDeal"]["errors"] == []
    assert await count(api, Deal) == 1


async def test_deal_values_show_only_the_fields_of_the_viewers_current_layout(api: Api) -> None:
    # given: a referral deal with a use case
    p = await _programme(api)
    referrer_partner = await api.partner(type="REFERRAL")
    referrer, _ = await api.contact(referrer_partner, ContactRole.ADMIN)
    deal = await registered(
        api,
        referrer,
        "referral",
        {"customerName": "Acme", "closeDate": "2026-12-01", "useCase": "Cloud migration"},
    )
    before_change = await api.gql(DEAL_VALUES, {"id": deal["id"]}, token=referrer)
    # when: the layout stops showing the use case
    changed = await api.gql(
        UPDATE_LAYOUT,
        {
            "id": p["referral_layout"],
            "input": {
                "entity": "DEAL",
                "recordType": "referral",
                "label": "Referral",
                "fields": [{"name": "closeDate"}],
                "audience": {"anySegments": ["referral"]},
            },
        },
        token=p["admin"],
    )
    after_change = await api.gql(DEAL_VALUES, {"id": deal["id"]}, token=referrer)
    for_staff = await api.gql(DEAL_VALUES, {"id": deal["id"]}, token=p["admin"])
    # then
    assert changed.data["updateLayout"]["errors"] == []
    assert before_change.data["deal"]["values"] == {"useCase": "Cloud migration"}
    assert after_change.data["deal"]["values"] == {}
    assert for_staff.data["deal"]["values"] == {"useCase": "Cloud migration"}
