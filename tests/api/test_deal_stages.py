"""updateDeal: the contract's stage moves, optimistic versions, amount and exclusivity, and
who may change which deal; field policies hide Deal fields from contacts outside them."""

from __future__ import annotations

from typing import Any

import pytest

from domain.principal import ContactRole, StaffRole
from tests.deal_desk import deal_layout, problems, registered, update_deal
from tests.records import snapshot
from tests.support import Api, create_api_key, create_segment


async def _deal(api: Api, **partner: Any) -> dict[str, Any]:
    """A REGISTERED deal of a new partner, and who is involved."""
    admin, _ = await api.staff()
    await deal_layout(api, admin, "resale", ["amount", "closeDate"])
    partner_id = await api.partner(**partner)
    contact, _ = await api.contact(partner_id, ContactRole.SALES_REP)
    deal = await registered(
        api, contact, "resale", {"customerName": "Acme", "amount": "1000", "closeDate": None}
    )
    return {"admin": admin, "contact": contact, "partner": partner_id, "deal": deal}


async def _move(api: Api, token: str, deal_id: str, *stages: str) -> list[Any]:
    results = []
    for stage in stages:
        payload = await update_deal(api, token, deal_id, stage=stage)
        results.append(problems(payload) or payload["deal"]["stage"])
    return results


async def test_a_deal_moves_registered_approved_won_and_stays_there(api: Api) -> None:
    # given
    d = await _deal(api)
    # when
    moves = await _move(
        api, d["admin"], d["deal"]["id"], "APPROVED", "WON", "LOST", "APPROVED", "REGISTERED"
    )
    # then
    assert moves == [
        "APPROVED",
        "WON",
        [(["stage"], "INVALID_TRANSITION")],
        [(["stage"], "INVALID_TRANSITION")],
        [(["stage"], "INVALID_TRANSITION")],
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (["REJECTED", "APPROVED"], ["REJECTED", "INVALID_TRANSITION"]),
        (["WON"], ["INVALID_TRANSITION"]),
        (["LOST"], ["INVALID_TRANSITION"]),
        (["APPROVED", "LOST", "WON"], ["APPROVED", "LOST", "INVALID_TRANSITION"]),
        (["APPROVED", "REJECTED"], ["APPROVED", "INVALID_TRANSITION"]),
    ],
)
async def test_only_the_contracts_stage_moves_are_allowed(
    api: Api, path: list[str], expected: list[str]
) -> None:
    d = await _deal(api)
    moves = await _move(api, d["admin"], d["deal"]["id"], *path)
    assert [m if isinstance(m, str) else m[0][1] for m in moves] == expected


async def test_setting_the_current_stage_changes_nothing_and_keeps_the_version(api: Api) -> None:
    d = await _deal(api)
    before = await snapshot(api)
    same = await update_deal(api, d["admin"], d["deal"]["id"], stage="REGISTERED")
    assert same["errors"] == []
    assert same["deal"]["version"] == 1
    assert await snapshot(api) == before


async def test_a_stage_outside_the_list_or_null_is_refused_at_stage(api: Api) -> None:
    d = await _deal(api)
    unknown = await update_deal(api, d["admin"], d["deal"]["id"], stage="CLOSED")
    lowercase = await update_deal(api, d["admin"], d["deal"]["id"], stage="approved")
    cleared = await update_deal(api, d["admin"], d["deal"]["id"], stage=None)
    assert problems(unknown) == [(["stage"], "INVALID_VALUE")]
    assert problems(lowercase) == [(["stage"], "INVALID_VALUE")]
    assert problems(cleared) == [(["stage"], "REQUIRED")]


async def test_a_stale_expected_version_is_a_conflict_and_writes_nothing(api: Api) -> None:
    # given: someone else approved the deal (version 2)
    d = await _deal(api)
    approved = await update_deal(api, d["admin"], d["deal"]["id"], stage="APPROVED", version=1)
    before = await snapshot(api)
    # when: a client still holding version 1 sets the amount
    stale = await update_deal(api, d["admin"], d["deal"]["id"], amount="5.00", version=1)
    # then
    assert approved["deal"]["version"] == 2
    assert problems(stale) == [(["expectedVersion"], "VERSION_CONFLICT")]
    assert "now 2" in stale["errors"][0]["message"]
    assert await snapshot(api) == before
    current = await update_deal(api, d["admin"], d["deal"]["id"], amount="5.00", version=2)
    assert (current["deal"]["amount"], current["deal"]["version"]) == ("5.00", 3)


async def test_omitted_arguments_stay_and_null_clears_amount_and_exclusivity(api: Api) -> None:
    # given
    d = await _deal(api)
    deal_id = d["deal"]["id"]
    set_both = await update_deal(api, d["admin"], deal_id, amount="2500.10", until="2027-03-31")
    # when
    stage_only = await update_deal(api, d["admin"], deal_id, stage="APPROVED")
    cleared = await update_deal(api, d["admin"], deal_id, amount=None, until=None)
    # then
    assert (set_both["deal"]["amount"], set_both["deal"]["exclusivityUntil"]) == (
        "2500.10",
        "2027-03-31",
    )
    assert (stage_only["deal"]["amount"], stage_only["deal"]["exclusivityUntil"]) == (
        "2500.10",
        "2027-03-31",
    )
    assert (cleared["deal"]["amount"], cleared["deal"]["exclusivityUntil"]) == (None, None)
    assert [set_both["deal"]["version"], stage_only["deal"]["version"]] == [2, 3]
    assert cleared["deal"]["version"] == 4


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-0.01", "0.001", "1000000000000.00"])
async def test_an_amount_that_is_not_money_is_invalid_value_at_amount(
    api: Api, amount: str
) -> None:
    d = await _deal(api)
    refused = await update_deal(api, d["admin"], d["deal"]["id"], amount=amount)
    assert problems(refused) == [(["amount"], "INVALID_VALUE")]


async def test_a_date_other_than_year_month_day_is_bad_user_input(api: Api) -> None:
    d = await _deal(api)
    response = await api.gql(
        "mutation($id: ID!, $until: Date) { updateDeal(id: $id, exclusivityUntil: $until) "
        "{ errors { code } } }",
        {"id": d["deal"]["id"], "until": "20270331"},
        token=d["admin"],
    )
    assert response.error_codes == ["BAD_USER_INPUT"]


async def test_channel_managers_and_deal_keys_move_the_deals_they_may_and_no_others(
    api: Api,
) -> None:
    # given: a channel manager of EMEA partners, an EMEA deal and an APAC deal
    d = await _deal(api, region="EMEA")
    other = await _deal(api, region="APAC")
    manager, manager_id = await api.staff(StaffRole.CHANNEL_MANAGER)
    await create_segment(
        api,
        d["admin"],
        "emea",
        {"field": "partner.region", "op": "eq", "value": "EMEA"},
        managerIds=[manager_id],
    )
    analyst, _ = await api.staff(StaffRole.ANALYST)
    writer = await create_api_key(api, d["admin"], "deals:write")
    reader = await create_api_key(api, d["admin"], "deals:read")
    document = (
        'mutation($id: ID!) { updateDeal(id: $id, stage: "APPROVED") '
        "{ deal { stage } errors { path code } } }"
    )
    # when
    managed = await api.gql(document, {"id": d["deal"]["id"]}, token=manager)
    unmanaged = await api.gql(document, {"id": other["deal"]["id"]}, token=manager)
    by_key = await api.gql(document, {"id": other["deal"]["id"]}, api_key=writer)
    by_reader = await api.gql(document, {"id": other["deal"]["id"]}, api_key=reader)
    by_analyst = await api.gql(document, {"id": other["deal"]["id"]}, token=analyst)
    by_contact = await api.gql(document, {"id": d["deal"]["id"]}, token=d["contact"])
    # then
    assert managed.data["updateDeal"] == {"deal": {"stage": "APPROVED"}, "errors": []}
    assert unmanaged.data["updateDeal"] == {
        "deal": None,
        "errors": [{"path": ["id"], "code": "NOT_FOUND"}],
    }
    assert by_key.data["updateDeal"]["deal"] == {"stage": "APPROVED"}
    assert [by_reader.error_codes, by_analyst.error_codes, by_contact.error_codes] == [
        ["FORBIDDEN"],
        ["FORBIDDEN"],
        ["FORBIDDEN"],
    ]


async def test_a_field_policy_hides_exclusivity_from_contacts_outside_it(api: Api) -> None:
    # given: exclusivity shown to Gold partners only
    d = await _deal(api, tier="SILVER")
    await update_deal(api, d["admin"], d["deal"]["id"], until="2027-01-31")
    await create_segment(
        api, d["admin"], "gold", {"field": "partner.tier", "op": "eq", "value": "GOLD"}
    )
    policy = await api.gql(
        'mutation { setFieldPolicy(typeName: "Deal", fieldName: "exclusivityUntil", '
        'audience: {anySegments: ["gold"]}) { errors { code message } } }',
        token=d["admin"],
    )
    document = "{ deals(first: 5) { edges { node { customerName exclusivityUntil } } } }"
    # when
    silver = await api.gql(document, token=d["contact"])
    await api.gql(
        'mutation($id: ID!) { updatePartner(id: $id, input: {tier: "GOLD"}) { errors { code } } }',
        {"id": d["partner"]},
        token=d["admin"],
    )
    gold = await api.gql(document, token=d["contact"])
    staff = await api.gql(document, token=d["admin"])
    # then
    assert policy.data["setFieldPolicy"]["errors"] == []
    assert silver.data["deals"]["edges"] == [
        {"node": {"customerName": "Acme", "exclusivityUntil": None}}
    ]
    assert silver.body["extensions"]["hiddenFields"] == ["Deal.exclusivityUntil"]
    assert gold.data["deals"]["edges"][0]["node"]["exclusivityUntil"] == "2027-01-31"
    assert gold.body.get("extensions", {}).get("hiddenFields") is None
    assert staff.data["deals"]["edges"][0]["node"]["exclusivityUntil"] == "2027-01-31"


async def test_quote_and_deal_fields_that_must_have_a_value_cannot_be_hidden(api: Api) -> None:
    admin, _ = await api.staff()
    document = (
        "mutation($t: String!, $f: String!) { setFieldPolicy(typeName: $t, fieldName: $f, "
        "audience: {roles: [ADMIN]}) { errors { path code } } }"
    )
    stage = await api.gql(document, {"t": "Deal", "f": "stage"}, token=admin)
    deal_of_quote = await api.gql(document, {"t": "Quote", "f": "deal"}, token=admin)
    assert stage.data["setFieldPolicy"]["errors"] == [
        {"path": ["fieldName"], "code": "INVALID_VALUE"}
    ]
    assert deal_of_quote.data["setFieldPolicy"]["errors"] == []
