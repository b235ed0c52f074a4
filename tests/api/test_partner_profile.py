"""updatePartnerProfile: a partner's contacts edit their own company through their
PARTNER_PROFILE layout, as EDIT_PARTNER_PROFILE allows; capabilities say what they may edit.

Contract: README "Actions and fields" (EDIT_PARTNER_PROFILE defaults to ADMIN; layouts decide
which values a contact may send; editableProfileFields), "Forms, layouts, numbers";
docs/api.md "Portal shell".
"""

from __future__ import annotations

from typing import Any

from domain.principal import ContactRole
from tests.records import audit_entries, snapshot
from tests.support import Api, create_api_key, create_segment

UPDATE = """
mutation($values: JSON!, $expectedVersion: Int) {
  updatePartnerProfile(values: $values, expectedVersion: $expectedVersion) {
    partner { name country verticals attributes version segments { key } }
    errors { path code message }
  }
}
"""
CAPABILITIES = "{ viewer { capabilities { editPartnerProfile editableProfileFields } } }"
CREATE_LAYOUT = """
mutation($input: LayoutInput!) { createLayout(input: $input) { id errors { path code } } }
"""
SET_POLICY = """
mutation($audience: AudienceInput) {
  setActionPolicy(action: EDIT_PARTNER_PROFILE, audience: $audience) { errors { code } }
}
"""
DEFINE = """
mutation { defineAttribute(subject: PARTNER, key: "employeeCount", type: NUMBER) {
  errors { code } } }
"""
HISTORY = """
{ segment(key: "german") { history(first: 5) { edges { node { subjectId change cause } } } } }
"""
PROFILE_FIELDS: list[dict[str, Any]] = [
    {"name": "name", "required": True},
    {"name": "country"},
    {"name": "verticals", "readOnly": True},
    {"name": "employeeCount"},
    {"name": "tier", "readOnly": True},
]


async def _layout(api: Api, admin: str, fields: list[dict[str, Any]], **extra: Any) -> None:
    spec = {
        "entity": "PARTNER_PROFILE",
        "recordType": "default",
        "label": "Company profile",
        "fields": fields,
        **extra,
    }
    response = await api.gql(CREATE_LAYOUT, {"input": spec}, token=admin)
    assert response.data["createLayout"]["errors"] == []


async def _programme(api: Api) -> tuple[str, str]:
    """(admin token, partner id): a profile layout and a partner to edit."""
    admin, _ = await api.staff()
    await api.gql(DEFINE, token=admin)
    await _layout(api, admin, PROFILE_FIELDS)
    partner_id = await api.partner(name="Acme", country="FR", verticals=["iot"])
    return admin, partner_id


def _errors(response: Any) -> list[tuple[list[str], str]]:
    return [(e["path"], e["code"]) for e in response.data["updatePartnerProfile"]["errors"]]


async def test_a_partner_admin_edits_the_writable_fields_of_its_profile(api: Api) -> None:
    # given
    admin, partner_id = await _programme(api)
    await create_segment(
        api, admin, "german", {"field": "partner.country", "op": "eq", "value": "DE"}
    )
    token, _ = await api.contact(partner_id, ContactRole.ADMIN)
    capabilities = await api.gql(CAPABILITIES, token=token)
    # when
    response = await api.gql(
        UPDATE,
        {
            "values": {"country": "de", "employeeCount": "250", "name": " Acme GmbH "},
            "expectedVersion": 1,
        },
        token=token,
    )
    # then
    assert capabilities.data["viewer"]["capabilities"] == {
        "editPartnerProfile": True,
        "editableProfileFields": ["name", "country", "employeeCount"],
    }
    payload = response.data["updatePartnerProfile"]
    assert payload["errors"] == []
    assert payload["partner"] == {
        "name": "Acme GmbH",
        "country": "DE",
        "verticals": ["iot"],
        "attributes": {"employeeCount": 250},
        "version": 2,
        "segments": [{"key": "german"}],
    }
    history = await api.gql(HISTORY, token=admin)
    assert [e["node"] for e in history.data["segment"]["history"]["edges"]] == [
        {"subjectId": partner_id, "change": "JOINED", "cause": "ATTRIBUTE_CHANGE"}
    ]
    entry = (await audit_entries(api))[-1]
    assert (entry.action, entry.outcome, entry.target) == (
        "updatePartnerProfile",
        "OK",
        f"Partner:{partner_id}",
    )
    assert entry.detail["country"] == {"before": "FR", "after": "DE"}


async def test_every_profile_problem_is_reported_at_once_and_nothing_is_written(
    api: Api,
) -> None:
    # given
    _, partner_id = await _programme(api)
    token, _ = await api.contact(partner_id, ContactRole.ADMIN)
    before = await snapshot(api)
    values = {
        "website": "https://acme.example",
        "verticals": ["health"],
        "tier": "PLATINUM",
        "name": "   ",
        "country": "Germany",
        "employeeCount": "many",
        "region": "APAC",
    }
    # when
    response = await api.gql(UPDATE, {"values": values}, token=token)
    cleared = await api.gql(UPDATE, {"values": {"name": None}}, token=token)
    not_an_object = await api.gql(UPDATE, {"values": "country=DE"}, token=token)
    # then
    assert _errors(response) == [
        (["values", "website"], "UNKNOWN_FIELD"),
        (["values", "verticals"], "READ_ONLY"),
        (["values", "tier"], "READ_ONLY"),
        (["values", "name"], "REQUIRED"),
        (["values", "region"], "UNKNOWN_FIELD"),
        (["values", "country"], "INVALID_VALUE"),
        (["values", "employeeCount"], "INVALID_VALUE"),
    ]
    assert response.data["updatePartnerProfile"]["partner"] is None
    assert _errors(cleared) == [(["values", "name"], "REQUIRED")]
    assert _errors(not_an_object) == [(["values"], "INVALID_VALUE")]
    assert await snapshot(api) == before


async def test_a_stale_version_is_a_version_conflict(api: Api) -> None:
    _, partner_id = await _programme(api)
    token, _ = await api.contact(partner_id, ContactRole.ADMIN)
    first = await api.gql(UPDATE, {"values": {"country": "DE"}, "expectedVersion": 1}, token=token)
    stale = await api.gql(UPDATE, {"values": {"country": "NL"}, "expectedVersion": 1}, token=token)
    assert first.data["updatePartnerProfile"]["partner"]["country"] == "DE"
    assert _errors(stale) == [(["expectedVersion"], "VERSION_CONFLICT")]


async def test_a_sales_rep_is_forbidden_by_default_and_may_edit_nothing(api: Api) -> None:
    _, partner_id = await _programme(api)
    token, _ = await api.contact(partner_id, ContactRole.SALES_REP)
    before = await snapshot(api)
    capabilities = await api.gql(CAPABILITIES, token=token)
    response = await api.gql(UPDATE, {"values": {"country": "DE"}}, token=token)
    assert capabilities.data["viewer"]["capabilities"] == {
        "editPartnerProfile": False,
        "editableProfileFields": [],
    }
    assert response.error_codes == ["FORBIDDEN"]
    assert await snapshot(api) == before


async def test_roles_with_a_read_only_layout_may_edit_nothing_though_the_policy_allows(
    api: Api,
) -> None:
    # given: everyone may edit, but marketers get a read-only layout
    admin, partner_id = await _programme(api)
    await api.gql(SET_POLICY, {"audience": None}, token=admin)
    await _layout(
        api,
        admin,
        [{"name": "name", "readOnly": True}, {"name": "country", "readOnly": True}],
        priority=10,
        audience={"roles": ["MARKETING"]},
    )
    marketer, _ = await api.contact(partner_id, ContactRole.MARKETING)
    rep, _ = await api.contact(partner_id, ContactRole.SALES_REP)
    # when
    marketer_capabilities = await api.gql(CAPABILITIES, token=marketer)
    refused = await api.gql(UPDATE, {"values": {"country": "DE"}}, token=marketer)
    rep_capabilities = await api.gql(CAPABILITIES, token=rep)
    allowed = await api.gql(UPDATE, {"values": {"country": "DE"}}, token=rep)
    # then
    assert marketer_capabilities.data["viewer"]["capabilities"] == {
        "editPartnerProfile": True,
        "editableProfileFields": [],
    }
    assert _errors(refused) == [(["values", "country"], "READ_ONLY")]
    assert rep_capabilities.data["viewer"]["capabilities"]["editableProfileFields"] == [
        "name",
        "country",
        "employeeCount",
    ]
    assert allowed.data["updatePartnerProfile"]["partner"]["country"] == "DE"


async def test_without_a_profile_layout_every_field_is_unknown(api: Api) -> None:
    token, _ = await api.contact(await api.partner(), ContactRole.ADMIN)
    capabilities = await api.gql(CAPABILITIES, token=token)
    response = await api.gql(UPDATE, {"values": {"country": "DE", "name": "X"}}, token=token)
    assert capabilities.data["viewer"]["capabilities"]["editableProfileFields"] == []
    assert _errors(response) == [
        (["values", "country"], "UNKNOWN_FIELD"),
        (["values", "name"], "UNKNOWN_FIELD"),
    ]


async def test_staff_and_api_keys_have_no_profile_to_edit(api: Api) -> None:
    admin, _ = await _programme(api)
    key = await create_api_key(api, admin, "partners:write")
    by_staff = await api.gql(UPDATE, {"values": {"country": "DE"}}, token=admin)
    by_key = await api.gql(UPDATE, {"values": {"country": "DE"}}, api_key=key)
    staff_capabilities = await api.gql(CAPABILITIES, token=admin)
    assert by_staff.error_codes == ["FORBIDDEN"]
    assert by_key.error_codes == ["FORBIDDEN"]
    assert staff_capabilities.data["viewer"]["capabilities"]["editableProfileFields"] == []
