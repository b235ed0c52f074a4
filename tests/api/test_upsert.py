"""CRM upsert: partners created or updated by externalId, all or nothing, errors by index."""

from __future__ import annotations

from typing import Any

from domain.models import Partner
from tests.records import count, snapshot
from tests.support import Api

UPSERT = """
mutation($inputs: [PartnerInput!]!) {
  upsertPartners(inputs: $inputs) {
    partners { id externalId name tier attributes version }
    created
    updated
    errors { path code message }
  }
}
"""
DEFINE = """
mutation($key: String!, $type: AttributeType!) {
  defineAttribute(subject: PARTNER, key: $key, type: $type) { errors { path code } }
}
"""
BY_EXTERNAL_ID = "query($x: String!) { partner(externalId: $x) { id name tier attributes } }"

ACME = {"name": "Acme", "type": "MSP", "tier": "GOLD", "region": "EMEA", "phase": "ACTIVE"}


def _new(external_id: str, **fields: Any) -> dict[str, Any]:
    return {**ACME, "externalId": external_id, "name": f"Partner {external_id}", **fields}


def _errors(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["path"], e["code"]) for e in payload["errors"]]


async def test_upsert_creates_and_updates_by_external_id_in_input_order(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    existing = await api.partner(externalId="crm-2", name="Old name", tier="SILVER")
    # when
    response = await api.gql(
        UPSERT,
        {
            "inputs": [
                _new("crm-1"),
                {"externalId": "crm-2", "tier": "PLATINUM"},
                _new("crm-3", tier="REGISTERED"),
            ]
        },
        token=admin,
    )
    # then
    payload = response.data["upsertPartners"]
    assert payload["errors"] == []
    assert (payload["created"], payload["updated"]) == (2, 1)
    assert [p["externalId"] for p in payload["partners"]] == ["crm-1", "crm-2", "crm-3"]
    updated = payload["partners"][1]
    assert updated["id"] == existing
    assert (updated["name"], updated["tier"], updated["version"]) == ("Old name", "PLATINUM", 2)
    assert await count(api, Partner) == 3


async def test_upsert_of_a_new_partner_needs_every_required_field(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(
        UPSERT, {"inputs": [{"externalId": "crm-1", "name": "Acme"}]}, token=admin
    )
    # then
    assert sorted(_errors(response.data["upsertPartners"])) == [
        (["inputs", "0", field], "REQUIRED") for field in ["phase", "region", "tier", "type"]
    ]
    assert await count(api, Partner) == 0


async def test_batch_with_two_bad_inputs_writes_nothing_and_reports_both_by_index(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner(externalId="crm-0", tier="SILVER")
    before = await snapshot(api)
    inputs = [
        {"externalId": "crm-0", "tier": "GOLD"},
        _new("crm-1", tier="BRONZE"),
        _new("crm-2"),
        {k: v for k, v in _new("ignored").items() if k != "externalId"},
    ]
    # when
    response = await api.gql(UPSERT, {"inputs": inputs}, token=admin)
    # then
    payload = response.data["upsertPartners"]
    assert (payload["partners"], payload["created"], payload["updated"]) == ([], 0, 0)
    assert sorted(_errors(payload)) == [
        (["inputs", "1", "tier"], "INVALID_VALUE"),
        (["inputs", "3", "externalId"], "REQUIRED"),
    ]
    assert await snapshot(api) == before


async def test_missing_or_null_external_id_is_required(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    without = {k: v for k, v in _new("ignored").items() if k != "externalId"}
    # when
    response = await api.gql(
        UPSERT,
        {"inputs": [without, {**without, "externalId": None}]},
        token=admin,
    )
    # then
    assert _errors(response.data["upsertPartners"]) == [
        (["inputs", str(i), "externalId"], "REQUIRED") for i in range(2)
    ]
    assert await count(api, Partner) == 0


async def test_same_external_id_twice_in_one_batch_is_duplicate(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(
        UPSERT, {"inputs": [_new("crm-1"), _new("crm-2"), _new("crm-1")]}, token=admin
    )
    # then
    assert _errors(response.data["upsertPartners"]) == [
        (["inputs", "2", "externalId"], "DUPLICATE")
    ]
    assert await count(api, Partner) == 0


async def test_attributes_are_merged_key_by_key_and_null_removes_a_key(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    for key, kind in [("employees", "NUMBER"), ("website", "STRING"), ("certified", "BOOLEAN")]:
        defined = await api.gql(DEFINE, {"key": key, "type": kind}, token=admin)
        assert defined.data["defineAttribute"]["errors"] == []
    first = {"employees": 40, "website": "acme.example.com", "certified": True}
    await api.gql(UPSERT, {"inputs": [_new("crm-1", attributes=first)]}, token=admin)
    # when
    response = await api.gql(
        UPSERT,
        {"inputs": [{"externalId": "crm-1", "attributes": {"employees": 45, "website": None}}]},
        token=admin,
    )
    # then
    payload = response.data["upsertPartners"]
    assert payload["errors"] == []
    assert payload["partners"][0]["attributes"] == {"employees": 45, "certified": True}
    stored = await api.gql(BY_EXTERNAL_ID, {"x": "crm-1"}, token=admin)
    assert stored.data["partner"]["attributes"] == {"employees": 45, "certified": True}


async def test_attribute_problems_carry_the_input_index(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.gql(DEFINE, {"key": "employees", "type": "NUMBER"}, token=admin)
    # when
    response = await api.gql(
        UPSERT,
        {"inputs": [_new("crm-1"), _new("crm-2", attributes={"employees": "many"})]},
        token=admin,
    )
    # then
    assert _errors(response.data["upsertPartners"]) == [
        (["inputs", "1", "attributes", "employees"], "INVALID_VALUE")
    ]
    assert await count(api, Partner) == 0


async def test_upserting_the_same_data_again_creates_nothing(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    batch = {"inputs": [_new("crm-1"), _new("crm-2")]}
    first = await api.gql(UPSERT, batch, token=admin)
    # when
    again = await api.gql(UPSERT, batch, token=admin)
    # then
    assert (again.data["upsertPartners"]["created"], again.data["upsertPartners"]["updated"]) == (
        0,
        2,
    )
    first_ids = [p["id"] for p in first.data["upsertPartners"]["partners"]]
    assert [p["id"] for p in again.data["upsertPartners"]["partners"]] == first_ids
    assert await count(api, Partner) == 2
