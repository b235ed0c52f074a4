"""explainAccess: may this contact take an action or see a field, and why (segments, roles).

Contract: schema `AccessDecision`, README "Audiences" and "Actions and fields".
"""

from __future__ import annotations

from typing import Any

import pytest

from domain import ids
from domain.principal import ContactRole, StaffRole
from tests.support import Api, create_segment

EXPLAIN = """
query($contactId: ID!, $action: Action, $typeName: String, $fieldName: String) {
  explainAccess(contactId: $contactId, action: $action, typeName: $typeName,
                fieldName: $fieldName) {
    allowed reason
    viewerSegments { key name }
    audience { anySegments allSegments noneSegments roles }
  }
}
"""
SET_ACTION_POLICY = """
mutation($action: Action!, $audience: AudienceInput) {
  setActionPolicy(action: $action, audience: $audience) { errors { path code } }
}
"""
SET_FIELD_POLICY = """
mutation($typeName: String!, $fieldName: String!, $audience: AudienceInput) {
  setFieldPolicy(typeName: $typeName, fieldName: $fieldName, audience: $audience) {
    errors { path code }
  }
}
"""
CAPABILITIES = """
{ viewer { capabilities { createQuote registerDeal editPartnerProfile manageTeam } } }
"""
OWN_METRICS = "{ viewer { partner { metrics { dealsWon12m } } } }"

GOLD = {"field": "partner.tier", "op": "eq", "value": "GOLD"}
PLATINUM = {"field": "partner.tier", "op": "eq", "value": "PLATINUM"}
EMEA = {"field": "partner.region", "op": "eq", "value": "EMEA"}
RESELLERS = {"field": "partner.type", "op": "eq", "value": "RESELLER"}
EMPTY_AUDIENCE: dict[str, list[str]] = {
    "anySegments": [],
    "allSegments": [],
    "noneSegments": [],
    "roles": [],
}
CAPABILITY_OF = {
    "CREATE_QUOTE": "createQuote",
    "REGISTER_DEAL": "registerDeal",
    "EDIT_PARTNER_PROFILE": "editPartnerProfile",
    "MANAGE_TEAM": "manageTeam",
}


async def _programme(api: Api, admin: str) -> None:
    """Segments gold, platinum, emea and resellers (an EMEA Silver reseller is in the last two)."""
    for key, rule in [
        ("gold", GOLD),
        ("platinum", PLATINUM),
        ("emea", EMEA),
        ("resellers", RESELLERS),
    ]:
        await create_segment(api, admin, key, rule)


async def _set_action_policy(api: Api, admin: str, action: str, audience: Any) -> None:
    response = await api.gql(
        SET_ACTION_POLICY, {"action": action, "audience": audience}, token=admin
    )
    assert response.data["setActionPolicy"]["errors"] == []


async def _set_field_policy(api: Api, admin: str, type_field: str, audience: Any) -> None:
    type_name, field_name = type_field.split(".")
    response = await api.gql(
        SET_FIELD_POLICY,
        {"typeName": type_name, "fieldName": field_name, "audience": audience},
        token=admin,
    )
    assert response.data["setFieldPolicy"]["errors"] == []


def _audience(**lists: list[str]) -> dict[str, list[str]]:
    return {**EMPTY_AUDIENCE, **lists}


# ---------------------------------------------------------------- actions


async def test_contact_outside_an_action_audience_is_told_which_segments_it_needs_and_has(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    await _programme(api, admin)
    await _set_action_policy(api, admin, "CREATE_QUOTE", {"anySegments": ["gold", "platinum"]})
    _, contact_id = await api.contact(await api.partner(tier="SILVER", region="EMEA"))
    # when
    response = await api.gql(
        EXPLAIN, {"contactId": contact_id, "action": "CREATE_QUOTE"}, token=admin
    )
    # then
    assert response.errors == []
    decision = response.data["explainAccess"]
    assert decision["allowed"] is False
    assert "needs any of segments [gold, platinum]" in decision["reason"]
    assert "emea" in decision["reason"]
    assert "resellers" in decision["reason"]
    assert sorted(s["key"] for s in decision["viewerSegments"]) == ["emea", "resellers"]
    assert decision["audience"] == _audience(anySegments=["gold", "platinum"])


async def test_contact_inside_an_action_audience_is_allowed(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _programme(api, admin)
    await _set_action_policy(api, admin, "CREATE_QUOTE", {"anySegments": ["gold", "platinum"]})
    _, contact_id = await api.contact(await api.partner(tier="GOLD", region="APAC", type="MSP"))
    # when
    response = await api.gql(
        EXPLAIN, {"contactId": contact_id, "action": "CREATE_QUOTE"}, token=admin
    )
    # then
    decision = response.data["explainAccess"]
    assert decision["allowed"] is True
    assert "gold" in decision["reason"]
    assert [s["key"] for s in decision["viewerSegments"]] == ["gold"]
    assert decision["audience"] == _audience(anySegments=["gold", "platinum"])


async def test_default_team_management_policy_is_explained_by_the_contacts_role(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    _, contact_id = await api.contact(await api.partner(), ContactRole.SALES_REP)
    # when
    response = await api.gql(
        EXPLAIN, {"contactId": contact_id, "action": "MANAGE_TEAM"}, token=admin
    )
    # then
    decision = response.data["explainAccess"]
    assert decision["allowed"] is False
    assert "ADMIN" in decision["reason"]
    assert "SALES_REP" in decision["reason"]
    assert decision["audience"] == _audience(roles=["ADMIN"])


async def test_action_with_no_policy_is_allowed_to_every_contact(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    _, contact_id = await api.contact(await api.partner(), ContactRole.FINANCE)
    # when
    response = await api.gql(
        EXPLAIN, {"contactId": contact_id, "action": "REGISTER_DEAL"}, token=admin
    )
    # then
    decision = response.data["explainAccess"]
    assert decision["allowed"] is True
    assert "every partner contact" in decision["reason"]
    assert decision["audience"] is None


async def test_unmet_role_and_all_segments_are_both_named(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _programme(api, admin)
    await _set_action_policy(
        api, admin, "REGISTER_DEAL", {"allSegments": ["emea", "gold"], "roles": ["ADMIN"]}
    )
    _, contact_id = await api.contact(await api.partner(tier="SILVER", region="EMEA"))
    # when
    response = await api.gql(
        EXPLAIN, {"contactId": contact_id, "action": "REGISTER_DEAL"}, token=admin
    )
    # then
    decision = response.data["explainAccess"]
    assert decision["allowed"] is False
    assert "gold" in decision["reason"]
    assert "ADMIN" in decision["reason"]
    assert "SALES_REP" in decision["reason"]


async def test_contact_segments_count_for_the_contact_they_hold(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner()
    _, champion_id = await api.contact(partner_id)
    _, colleague_id = await api.contact(partner_id)
    await create_segment(api, admin, "champions", None, subject="CONTACT", include=[champion_id])
    await _set_action_policy(api, admin, "CREATE_QUOTE", {"anySegments": ["champions"]})
    # when
    champion = await api.gql(
        EXPLAIN, {"contactId": champion_id, "action": "CREATE_QUOTE"}, token=admin
    )
    colleague = await api.gql(
        EXPLAIN, {"contactId": colleague_id, "action": "CREATE_QUOTE"}, token=admin
    )
    # then
    assert champion.data["explainAccess"]["allowed"] is True
    assert champion.data["explainAccess"]["viewerSegments"] == [
        {"key": "champions", "name": "Champions"}
    ]
    assert colleague.data["explainAccess"]["allowed"] is False
    assert colleague.data["explainAccess"]["viewerSegments"] == []
    assert "champions" in colleague.data["explainAccess"]["reason"]


@pytest.mark.parametrize("role", [ContactRole.ADMIN, ContactRole.SALES_REP])
async def test_explanations_agree_with_the_contacts_own_capabilities(
    api: Api, role: ContactRole
) -> None:
    # given
    admin, _ = await api.staff()
    await _programme(api, admin)
    await _set_action_policy(api, admin, "CREATE_QUOTE", {"noneSegments": ["emea"]})
    await _set_action_policy(api, admin, "REGISTER_DEAL", {"anySegments": ["resellers"]})
    token, contact_id = await api.contact(await api.partner(region="EMEA"), role)
    capabilities = (await api.gql(CAPABILITIES, token=token)).data["viewer"]["capabilities"]
    # when
    explained = {}
    for action in CAPABILITY_OF:
        response = await api.gql(EXPLAIN, {"contactId": contact_id, "action": action}, token=admin)
        explained[CAPABILITY_OF[action]] = response.data["explainAccess"]["allowed"]
    # then
    assert explained == capabilities
    assert explained["createQuote"] is False
    assert explained["registerDeal"] is True
    assert explained["manageTeam"] is (role is ContactRole.ADMIN)


# ---------------------------------------------------------------- fields


async def test_field_hidden_from_a_contact_is_explained_with_needed_and_held_segments(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    await _programme(api, admin)
    await _set_field_policy(api, admin, "Partner.metrics", {"anySegments": ["gold"]})
    token, contact_id = await api.contact(await api.partner(tier="SILVER", region="EMEA"))
    seen = await api.gql(OWN_METRICS, token=token)
    # when
    response = await api.gql(
        EXPLAIN,
        {"contactId": contact_id, "typeName": "Partner", "fieldName": "metrics"},
        token=admin,
    )
    # then
    decision = response.data["explainAccess"]
    assert decision["allowed"] is False
    assert "needs any of segments [gold" in decision["reason"]
    assert "emea" in decision["reason"]
    assert "resellers" in decision["reason"]
    assert decision["audience"] == _audience(anySegments=["gold"])
    assert seen.data["viewer"]["partner"]["metrics"] is None


async def test_field_a_contact_may_see_is_explained_as_allowed(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _programme(api, admin)
    await _set_field_policy(api, admin, "Partner.metrics", {"anySegments": ["gold"]})
    token, contact_id = await api.contact(await api.partner(tier="GOLD"))
    seen = await api.gql(OWN_METRICS, token=token)
    # when
    response = await api.gql(
        EXPLAIN,
        {"contactId": contact_id, "typeName": "Partner", "fieldName": "metrics"},
        token=admin,
    )
    # then
    assert response.data["explainAccess"]["allowed"] is True
    assert seen.data["viewer"]["partner"]["metrics"] is not None


async def test_field_without_a_policy_is_allowed_with_a_reason_saying_there_is_none(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    _, contact_id = await api.contact(await api.partner())
    # when
    response = await api.gql(
        EXPLAIN,
        {"contactId": contact_id, "typeName": "Partner", "fieldName": "country"},
        token=admin,
    )
    # then
    decision = response.data["explainAccess"]
    assert decision["allowed"] is True
    assert "no field policy" in decision["reason"]
    assert decision["audience"] is None


# ---------------------------------------------------------------- bad questions, wrong callers


@pytest.mark.parametrize(
    "question",
    [
        {"action": "CREATE_QUOTE", "typeName": "Partner", "fieldName": "metrics"},
        {},
        {"typeName": "Partner"},
        {"fieldName": "metrics"},
        {"action": "CREATE_QUOTE", "fieldName": "metrics"},
    ],
    ids=["action-and-field", "neither", "type-only", "field-only", "action-and-field-name"],
)
async def test_asking_about_both_an_action_and_a_field_or_neither_is_bad_user_input(
    api: Api, question: dict[str, str]
) -> None:
    # given
    admin, _ = await api.staff()
    _, contact_id = await api.contact(await api.partner())
    # when
    response = await api.gql(EXPLAIN, {"contactId": contact_id, **question}, token=admin)
    # then
    assert response.error_codes == ["BAD_USER_INPUT"]
    assert response.body["data"] is None


async def test_channel_manager_asking_about_a_contact_it_may_not_see_gets_not_found(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    manager, manager_id = await api.staff(StaffRole.CHANNEL_MANAGER)
    _, managed_id = await api.contact(await api.partner(region="EMEA"))
    _, elsewhere_id = await api.contact(await api.partner(region="APAC"))
    await create_segment(api, admin, "emea", EMEA, managerIds=[manager_id])
    # when
    managed = await api.gql(
        EXPLAIN, {"contactId": managed_id, "action": "CREATE_QUOTE"}, token=manager
    )
    elsewhere = await api.gql(
        EXPLAIN, {"contactId": elsewhere_id, "action": "CREATE_QUOTE"}, token=manager
    )
    # then
    assert managed.errors == []
    assert managed.data["explainAccess"]["allowed"] is True
    assert elsewhere.error_codes == ["NOT_FOUND"]
    assert elsewhere.body["data"] is None


@pytest.mark.parametrize(
    "contact_id",
    [ids.encode("Contact", 987654), "garbage", ids.encode("Partner", 1)],
    ids=["unknown-contact", "garbage", "partner-id"],
)
async def test_asking_about_a_contact_that_does_not_exist_is_not_found(
    api: Api, contact_id: str
) -> None:
    # given
    admin, _ = await api.staff()
    await api.contact(await api.partner())
    # when
    response = await api.gql(
        EXPLAIN, {"contactId": contact_id, "action": "CREATE_QUOTE"}, token=admin
    )
    # then
    assert response.error_codes == ["NOT_FOUND"]
    assert response.body["data"] is None


async def test_analysts_may_ask_about_any_contact(api: Api) -> None:
    # given
    analyst, _ = await api.staff(StaffRole.ANALYST)
    _, contact_id = await api.contact(await api.partner(), ContactRole.ADMIN)
    # when
    response = await api.gql(
        EXPLAIN, {"contactId": contact_id, "action": "MANAGE_TEAM"}, token=analyst
    )
    # then
    assert response.errors == []
    assert response.data["explainAccess"]["allowed"] is True


@pytest.mark.parametrize("role", [ContactRole.ADMIN, ContactRole.SALES_REP])
async def test_contacts_may_not_explain_access_even_about_themselves(
    api: Api, role: ContactRole
) -> None:
    # given
    token, contact_id = await api.contact(await api.partner(), role)
    # when
    response = await api.gql(
        EXPLAIN, {"contactId": contact_id, "action": "MANAGE_TEAM"}, token=token
    )
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
