"""Partner records: creating and changing them, reading one, and listing them page by page."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from domain import ids
from domain.models import Partner
from tests.records import QueryCounter, count, snapshot
from tests.support import Api

FIELDS = "id externalId name type tier region country phase verticals joinedAt attributes version"
CREATE = f"""
mutation($input: PartnerInput!) {{
  createPartner(input: $input) {{ partner {{ {FIELDS} }} errors {{ path code message }} }}
}}
"""
UPDATE = f"""
mutation($id: ID!, $input: PartnerInput!, $expectedVersion: Int) {{
  updatePartner(id: $id, input: $input, expectedVersion: $expectedVersion) {{
    partner {{ {FIELDS} }}
    errors {{ path code message }}
  }}
}}
"""
PARTNER = f"""
query($id: ID, $externalId: String) {{
  partner(id: $id, externalId: $externalId) {{ {FIELDS} }}
}}
"""
PARTNERS = """
query($filter: PartnerFilter, $first: Int, $after: String) {
  partners(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { id name } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
PARTNERS_WITH_CONTACTS = """
{
  partners(first: 50) {
    edges { node { id contacts(first: 5) { totalCount edges { node { id } } } } }
  }
}
"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Partner { name tier } } }"

ACME = {"name": "Acme", "type": "MSP", "tier": "GOLD", "region": "EMEA", "phase": "ACTIVE"}
REQUIRED = ["name", "type", "tier", "region", "phase"]


def _errors(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["path"], e["code"]) for e in payload["errors"]]


def _cursor(values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


async def _read(api: Api, token: str, partner_id: str) -> dict[str, Any]:
    return (await api.gql(PARTNER, {"id": partner_id}, token=token)).data["partner"]


# ---------------------------------------------------------------- createPartner


async def test_vendor_admin_creates_a_partner_with_every_field(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    full = {
        **ACME,
        "externalId": "crm-1",
        "country": "DE",
        "verticals": ["Healthcare", "Retail"],
        "joinedAt": "2024-03-01T09:30:00+00:00",
    }
    # when
    response = await api.gql(CREATE, {"input": full}, token=admin)
    # then
    payload = response.data["createPartner"]
    assert payload["errors"] == []
    created = payload["partner"]
    assert {key: created[key] for key in full} == full
    assert created["attributes"] == {}
    assert created["version"] == 1
    assert await _read(api, admin, created["id"]) == created


async def test_new_partner_without_required_fields_reports_each_as_required(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(CREATE, {"input": {"country": "DE"}}, token=admin)
    # then
    payload = response.data["createPartner"]
    assert payload["partner"] is None
    assert sorted(_errors(payload)) == sorted((["input", f], "REQUIRED") for f in REQUIRED)
    assert await count(api, Partner) == 0


@pytest.mark.parametrize("field", REQUIRED)
async def test_explicit_null_for_a_required_field_is_required(api: Api, field: str) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(CREATE, {"input": {**ACME, field: None}}, token=admin)
    # then
    assert _errors(response.data["createPartner"]) == [(["input", field], "REQUIRED")]
    assert await count(api, Partner) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("tier", "BRONZE"), ("tier", "gold"), ("type", "AGENCY"), ("region", "MARS"), ("phase", "")],
)
async def test_value_outside_its_picklist_is_invalid_value(
    api: Api, field: str, value: str
) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(CREATE, {"input": {**ACME, field: value}}, token=admin)
    # then
    assert _errors(response.data["createPartner"]) == [(["input", field], "INVALID_VALUE")]
    assert await count(api, Partner) == 0


@pytest.mark.parametrize("country", ["Germany", "DEU", "D", "D1", ""])
async def test_country_that_is_not_a_two_letter_code_is_invalid_value(
    api: Api, country: str
) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(CREATE, {"input": {**ACME, "country": country}}, token=admin)
    # then
    assert _errors(response.data["createPartner"]) == [(["input", "country"], "INVALID_VALUE")]


async def test_every_problem_of_an_input_is_reported_at_once(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(
        CREATE, {"input": {**ACME, "tier": "BRONZE", "country": "Germany"}}, token=admin
    )
    # then
    assert sorted(_errors(response.data["createPartner"])) == [
        (["input", "country"], "INVALID_VALUE"),
        (["input", "tier"], "INVALID_VALUE"),
    ]


async def test_duplicate_external_id_is_duplicate(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner(externalId="crm-1")
    # when
    response = await api.gql(CREATE, {"input": {**ACME, "externalId": "crm-1"}}, token=admin)
    # then
    assert _errors(response.data["createPartner"]) == [(["input", "externalId"], "DUPLICATE")]
    assert await count(api, Partner) == 1


# ---------------------------------------------------------------- updatePartner


async def test_update_changes_only_the_fields_sent(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner(
        name="Acme", tier="SILVER", country="DE", verticals=["Retail"], externalId="crm-1"
    )
    before = await _read(api, admin, partner_id)
    # when
    response = await api.gql(UPDATE, {"id": partner_id, "input": {"tier": "GOLD"}}, token=admin)
    # then
    payload = response.data["updatePartner"]
    assert payload["errors"] == []
    after = await _read(api, admin, partner_id)
    assert after == {**before, "tier": "GOLD", "version": before["version"] + 1}


async def test_explicit_null_clears_country(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner(country="DE")
    # when
    response = await api.gql(UPDATE, {"id": partner_id, "input": {"country": None}}, token=admin)
    # then
    assert response.data["updatePartner"]["errors"] == []
    assert response.data["updatePartner"]["partner"]["country"] is None
    assert (await _read(api, admin, partner_id))["country"] is None


async def test_each_change_increments_the_version(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner(tier="SILVER")
    # when
    first = await api.gql(UPDATE, {"id": partner_id, "input": {"tier": "GOLD"}}, token=admin)
    second = await api.gql(UPDATE, {"id": partner_id, "input": {"name": "Renamed"}}, token=admin)
    # then
    assert first.data["updatePartner"]["partner"]["version"] == 2
    assert second.data["updatePartner"]["partner"]["version"] == 3


async def test_stale_expected_version_is_version_conflict_and_writes_nothing(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner(tier="SILVER", name="Acme")
    await api.gql(UPDATE, {"id": partner_id, "input": {"name": "Acme Ltd"}}, token=admin)
    before = await _read(api, admin, partner_id)
    # when
    response = await api.gql(
        UPDATE,
        {"id": partner_id, "input": {"tier": "PLATINUM"}, "expectedVersion": 1},
        token=admin,
    )
    # then
    payload = response.data["updatePartner"]
    assert payload["partner"] is None
    assert [e["code"] for e in payload["errors"]] == ["VERSION_CONFLICT"]
    assert await _read(api, admin, partner_id) == before


async def test_current_expected_version_is_accepted(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner(tier="SILVER")
    # when
    response = await api.gql(
        UPDATE, {"id": partner_id, "input": {"tier": "GOLD"}, "expectedVersion": 1}, token=admin
    )
    # then
    payload = response.data["updatePartner"]
    assert payload["errors"] == []
    assert (payload["partner"]["tier"], payload["partner"]["version"]) == ("GOLD", 2)


@pytest.mark.parametrize(
    "unknown_id",
    [ids.encode("Partner", 987_654), ids.encode("Contact", 1), "not-an-id"],
    ids=["absent-partner", "id-of-another-type", "garbage"],
)
async def test_updating_an_id_of_nothing_is_not_found(api: Api, unknown_id: str) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner()
    before = await snapshot(api)
    # when
    response = await api.gql(UPDATE, {"id": unknown_id, "input": {"tier": "GOLD"}}, token=admin)
    # then
    payload = response.data["updatePartner"]
    assert payload["partner"] is None
    assert _errors(payload) == [(["id"], "NOT_FOUND")]
    assert await snapshot(api) == before


async def test_update_to_another_partners_external_id_is_duplicate(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner(externalId="crm-1")
    partner_id = await api.partner(externalId="crm-2")
    # when
    response = await api.gql(
        UPDATE, {"id": partner_id, "input": {"externalId": "crm-1"}}, token=admin
    )
    # then
    assert _errors(response.data["updatePartner"]) == [(["input", "externalId"], "DUPLICATE")]
    assert (await _read(api, admin, partner_id))["externalId"] == "crm-2"


# ---------------------------------------------------------------- reading one


async def test_partner_is_found_by_id_and_by_external_id(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner(externalId="crm-0")
    partner_id = await api.partner(name="Acme", externalId="crm-1")
    # when
    by_id = await api.gql(PARTNER, {"id": partner_id}, token=admin)
    by_external_id = await api.gql(PARTNER, {"externalId": "crm-1"}, token=admin)
    # then
    assert by_id.data["partner"]["name"] == "Acme"
    assert by_external_id.data["partner"] == by_id.data["partner"]


@pytest.mark.parametrize(
    "arguments",
    [{"id": ids.encode("Partner", 987_654)}, {"externalId": "crm-404"}, {"id": "not-an-id"}],
    ids=["absent-id", "absent-external-id", "garbage-id"],
)
async def test_partner_that_does_not_exist_is_null(api: Api, arguments: dict[str, str]) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner(externalId="crm-1")
    # when
    response = await api.gql(PARTNER, arguments, token=admin)
    # then
    assert response.errors == []
    assert response.data["partner"] is None


async def test_node_returns_the_partner(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner(name="Acme", tier="GOLD")
    # when
    response = await api.gql(NODE, {"id": partner_id}, token=admin)
    # then
    assert response.data["node"] == {"id": partner_id, "name": "Acme", "tier": "GOLD"}


@pytest.mark.parametrize(
    "garbage",
    [
        "garbage",
        "",
        "x" * 500,
        ids.encode("Partner", 987_654),
        ids.encode("Nonsense", 1),
        base64.urlsafe_b64encode(b"Partner:12abc").decode(),
        base64.urlsafe_b64encode("Partner:\u00b2".encode()).decode(),  # a superscript two
        base64.urlsafe_b64encode(b"\xff\xfe:1").decode(),
    ],
    ids=[
        "plain-text",
        "empty",
        "very-long",
        "absent-partner",
        "unknown-type",
        "non-numeric-key",
        "unicode-digit-key",
        "not-utf8",
    ],
)
async def test_node_with_an_id_of_nothing_is_null_not_an_error(api: Api, garbage: str) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner()
    # when
    response = await api.gql(NODE, {"id": garbage}, token=admin)
    # then
    assert response.errors == []
    assert response.data["node"] is None


# ---------------------------------------------------------------- listing


async def test_partners_filter_by_tier_type_and_region_with_total_count(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    gold_emea_msp = await api.partner(tier="GOLD", region="EMEA", type="MSP")
    gold_apac_msp = await api.partner(tier="GOLD", region="APAC", type="MSP")
    await api.partner(tier="SILVER", region="EMEA", type="RESELLER")
    # when
    gold = await api.gql(PARTNERS, {"filter": {"tier": "GOLD"}}, token=admin)
    emea_msp = await api.gql(PARTNERS, {"filter": {"region": "EMEA", "type": "MSP"}}, token=admin)
    # then
    assert gold.data["partners"]["totalCount"] == 2
    assert {e["node"]["id"] for e in gold.data["partners"]["edges"]} == {
        gold_emea_msp,
        gold_apac_msp,
    }
    assert emea_msp.data["partners"]["totalCount"] == 1
    assert [e["node"]["id"] for e in emea_msp.data["partners"]["edges"]] == [gold_emea_msp]


async def test_search_matches_part_of_the_name_case_insensitively(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner(name="Northwind Traders")
    await api.partner(name="Acme Windows")
    await api.partner(name="Contoso")
    # when
    response = await api.gql(PARTNERS, {"filter": {"search": "WIND"}}, token=admin)
    # then
    names = [e["node"]["name"] for e in response.data["partners"]["edges"]]
    assert names == ["Acme Windows", "Northwind Traders"]
    assert response.data["partners"]["totalCount"] == 2


async def test_search_treats_percent_and_underscore_as_plain_characters(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner(name="Fifty Percent Off")
    await api.partner(name="50% Partners")
    await api.partner(name="A_B Systems")
    await api.partner(name="AXB Systems")
    # when
    percent = await api.gql(PARTNERS, {"filter": {"search": "%"}}, token=admin)
    underscore = await api.gql(PARTNERS, {"filter": {"search": "a_b"}}, token=admin)
    # then
    assert [e["node"]["name"] for e in percent.data["partners"]["edges"]] == ["50% Partners"]
    assert [e["node"]["name"] for e in underscore.data["partners"]["edges"]] == ["A_B Systems"]


async def test_partners_are_listed_by_name(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    for name in ["Delta", "Alpha", "Charlie", "Bravo"]:
        await api.partner(name=name)
    # when
    response = await api.gql(PARTNERS, token=admin)
    # then
    names = [e["node"]["name"] for e in response.data["partners"]["edges"]]
    assert names == ["Alpha", "Bravo", "Charlie", "Delta"]


async def test_pages_walk_through_every_partner_once_in_order(api: Api) -> None:
    # given: names that repeat, so the order needs its tie-breaker
    admin, _ = await api.staff()
    for name in ["Echo", "Alpha", "Bravo", "Alpha", "Delta", "Bravo", "Alpha", "Charlie"]:
        await api.partner(name=name)
    everything = await api.gql(PARTNERS, {"first": 100}, token=admin)
    expected = [e["node"]["id"] for e in everything.data["partners"]["edges"]]
    # when
    seen: list[str] = []
    pages: list[dict[str, Any]] = []
    after = None
    for _ in range(3):
        page = (await api.gql(PARTNERS, {"first": 3, "after": after}, token=admin)).data
        pages.append(page["partners"])
        seen += [e["node"]["id"] for e in page["partners"]["edges"]]
        after = page["partners"]["pageInfo"]["endCursor"]
    # then
    assert len(expected) == 8
    assert seen == expected
    assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True, True, False]
    assert [len(p["edges"]) for p in pages] == [3, 3, 2]
    assert {p["totalCount"] for p in pages} == {8}
    assert pages[0]["pageInfo"]["endCursor"] == pages[0]["edges"][-1]["cursor"]


async def test_default_page_size_is_twenty(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    for i in range(21):
        await api.partner(name=f"Partner {i:02d}")
    # when
    response = await api.gql(PARTNERS, token=admin)
    # then
    connection = response.data["partners"]
    assert len(connection["edges"]) == 20
    assert connection["pageInfo"]["hasNextPage"] is True
    assert connection["totalCount"] == 21


@pytest.mark.parametrize("first", [101, -1])
async def test_first_above_100_or_below_0_is_bad_user_input(api: Api, first: int) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(PARTNERS, {"first": first}, token=admin)
    # then
    assert response.error_codes == ["BAD_USER_INPUT"]
    assert response.body["data"] is None


@pytest.mark.parametrize(("first", "returned"), [(0, 0), (100, 2)])
async def test_first_from_0_to_100_is_accepted(api: Api, first: int, returned: int) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner()
    await api.partner()
    # when
    response = await api.gql(PARTNERS, {"first": first}, token=admin)
    # then
    assert response.errors == []
    assert len(response.data["partners"]["edges"]) == returned


@pytest.mark.parametrize(
    "after",
    ["not a cursor", _cursor(["Acme"]), _cursor({"name": "Acme", "id": 1}), "w6k"],
    ids=["text", "wrong-width", "not-a-list", "not-json"],
)
async def test_after_that_is_not_a_cursor_of_this_list_is_bad_user_input(
    api: Api, after: str
) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner()
    # when
    response = await api.gql(PARTNERS, {"after": after}, token=admin)
    # then
    assert response.error_codes == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    "values",
    [["Acme", "not-a-number"], [{"name": "Acme"}, 1], [1, "x"]],
    ids=["text-id", "object-name", "swapped"],
)
async def test_cursor_forged_with_values_of_the_wrong_type_is_bad_user_input(
    api: Api, values: list[Any]
) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner(name="Acme")
    # when
    response = await api.gql(PARTNERS, {"after": _cursor(values)}, token=admin)
    # then
    assert response.error_codes == ["BAD_USER_INPUT"]


async def _queries_to_list_partners_with_contacts(api: Api, app: Any, token: str) -> int:
    with QueryCounter(app) as queries:
        response = await api.gql(PARTNERS_WITH_CONTACTS, token=token)
    assert response.errors == []
    assert queries.count > 0
    return queries.count


async def test_listing_partners_with_their_contacts_costs_the_same_for_more_partners(
    api: Api, app: Any
) -> None:
    # given
    admin, _ = await api.staff()
    for _ in range(2):
        await api.contact(await api.partner(), sign_in=False)
    few = await _queries_to_list_partners_with_contacts(api, app, admin)
    for _ in range(6):
        await api.contact(await api.partner(), sign_in=False)
    # when
    many = await _queries_to_list_partners_with_contacts(api, app, admin)
    # then
    assert many == few
