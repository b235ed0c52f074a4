"""Action and field policies: who may set them, what they store, and what they hide.

Contract: README "Audiences", "Actions and fields", "Errors" (hidden fields) and "Roles"
(staff and API keys are not subject to field policies; partner contacts always are).
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.models import Audience, Contact, FieldPolicy, Segment
from domain.principal import ContactRole, StaffRole
from tests.records import change, count, snapshot
from tests.support import EVERY_SCOPE, Api, Credentials, create_api_key, create_segment

ACTION_POLICIES = """
{ actionPolicies { action audience { anySegments allSegments noneSegments roles } } }
"""
FIELD_POLICIES = """
{ fieldPolicies { typeName fieldName audience { anySegments allSegments noneSegments roles } } }
"""
SET_ACTION_POLICY = """
mutation($action: Action!, $audience: AudienceInput) {
  setActionPolicy(action: $action, audience: $audience) { id errors { path code message } }
}
"""
SET_FIELD_POLICY = """
mutation($typeName: String!, $fieldName: String!, $audience: AudienceInput) {
  setFieldPolicy(typeName: $typeName, fieldName: $fieldName, audience: $audience) {
    id errors { path code message }
  }
}
"""
DELETE_SEGMENT = """
mutation($key: String!) { deleteSegment(key: $key) { deleted errors { path code message } } }
"""
CAPABILITIES = "{ viewer { capabilities { manageTeam createQuote } } }"
OWN_COUNTRY = "{ viewer { partner { country } } }"
OWN_NAME_AND_COUNTRY = "{ viewer { partner { name country } } }"
OWN_ATTRIBUTES = "{ viewer { partner { attributes } } }"
PARTNER_GUARDED = """
query($id: ID!) { partner(id: $id) { country verticals metrics { dealsWon12m } } }
"""
PROMOTE_TO_GOLD = """
mutation($id: ID!) { updatePartner(id: $id, input: {tier: "GOLD"}) { errors { code } } }
"""
PORTAL = """
query Portal($partnerId: ID!) {
  viewer {
    partner {
      name country verticals metrics { dealsWon12m }
      contacts(first: 10) { edges { node { name title } } }
    }
  }
  partner(id: $partnerId) { country verticals metrics { dealsWon12m } }
}
"""

GOLD = {"field": "partner.tier", "op": "eq", "value": "GOLD"}
EMEA = {"field": "partner.region", "op": "eq", "value": "EMEA"}
EMPTY_AUDIENCE: dict[str, list[str]] = {
    "anySegments": [],
    "allSegments": [],
    "noneSegments": [],
    "roles": [],
}
GOLD_ONLY = {"anySegments": ["gold"]}
# An API key's last-use stamp moves whatever it asks; the audit log records the refusal.
CALLER_BOOKKEEPING = frozenset({"audit_log", "api_keys"})
GUARDED = ["Partner.country", "Partner.verticals", "Partner.metrics", "Contact.title"]


def _audience(**lists: list[str]) -> dict[str, list[str]]:
    return {**EMPTY_AUDIENCE, **lists}


async def _set_field_policy(
    api: Api, token: str, type_field: str, audience: dict[str, Any] | None
) -> dict[str, Any]:
    type_name, field_name = type_field.split(".")
    response = await api.gql(
        SET_FIELD_POLICY,
        {"typeName": type_name, "fieldName": field_name, "audience": audience},
        token=token,
    )
    return response.data["setFieldPolicy"]


async def _guard_fields_for_gold(api: Api, admin: str) -> None:
    await create_segment(api, admin, "gold", GOLD)
    for type_field in GUARDED:
        assert (await _set_field_policy(api, admin, type_field, GOLD_ONLY))["errors"] == []


async def _partner_with_two_titled_contacts(api: Api, tier: str) -> tuple[str, str]:
    """(token of a contact, partner id): a partner with two contacts who both have a title."""
    partner_id = await api.partner(tier=tier, country="DE", verticals=["cloud", "security"])
    token, contact_id = await api.contact(partner_id)
    _, colleague_id = await api.contact(partner_id, ContactRole.ADMIN)
    await change(api, Contact, contact_id, title="Sales Lead")
    await change(api, Contact, colleague_id, title="Managing Director")
    return token, partner_id


# ---------------------------------------------------------------- action policies


async def test_action_policies_list_all_four_actions_with_their_defaults(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(ACTION_POLICIES, token=admin)
    # then
    assert response.errors == []
    listed = {p["action"]: p["audience"] for p in response.data["actionPolicies"]}
    assert listed == {
        "CREATE_QUOTE": None,
        "REGISTER_DEAL": None,
        "EDIT_PARTNER_PROFILE": _audience(roles=["ADMIN"]),
        "MANAGE_TEAM": _audience(roles=["ADMIN"]),
    }
    assert len(response.data["actionPolicies"]) == 4


async def test_changed_action_policy_is_listed_with_its_audience(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await create_segment(api, admin, "emea", EMEA)
    audience = {"anySegments": ["gold"], "noneSegments": ["emea"], "roles": ["SALES_REP"]}
    # when
    response = await api.gql(
        SET_ACTION_POLICY, {"action": "CREATE_QUOTE", "audience": audience}, token=admin
    )
    # then
    assert response.data["setActionPolicy"]["errors"] == []
    listed = await api.gql(ACTION_POLICIES, token=admin)
    by_action = {p["action"]: p["audience"] for p in listed.data["actionPolicies"]}
    assert by_action["CREATE_QUOTE"] == _audience(
        anySegments=["gold"], noneSegments=["emea"], roles=["SALES_REP"]
    )
    assert by_action["REGISTER_DEAL"] is None
    assert by_action["MANAGE_TEAM"] == _audience(roles=["ADMIN"])


async def test_action_policy_with_null_audience_opens_the_action_to_every_contact(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner()
    sales_rep, _ = await api.contact(partner_id, ContactRole.SALES_REP)
    before = await api.gql(CAPABILITIES, token=sales_rep)
    # when
    response = await api.gql(
        SET_ACTION_POLICY, {"action": "MANAGE_TEAM", "audience": None}, token=admin
    )
    # then
    assert response.data["setActionPolicy"]["errors"] == []
    listed = await api.gql(ACTION_POLICIES, token=admin)
    by_action = {p["action"]: p["audience"] for p in listed.data["actionPolicies"]}
    assert by_action["MANAGE_TEAM"] is None
    assert before.data["viewer"]["capabilities"]["manageTeam"] is False
    after = await api.gql(CAPABILITIES, token=sales_rep)
    assert after.data["viewer"]["capabilities"]["manageTeam"] is True


# ---------------------------------------------------------------- field policies: input


async def test_field_policy_is_listed_with_its_audience(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    # when
    payload = await _set_field_policy(
        api, admin, "Contact.title", {"allSegments": ["gold"], "roles": ["ADMIN"]}
    )
    # then
    assert payload["errors"] == []
    listed = await api.gql(FIELD_POLICIES, token=admin)
    assert listed.data["fieldPolicies"] == [
        {
            "typeName": "Contact",
            "fieldName": "title",
            "audience": _audience(allSegments=["gold"], roles=["ADMIN"]),
        }
    ]


async def test_field_policy_on_an_unknown_type_is_invalid_value_at_type_name(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    # when
    payload = await _set_field_policy(api, admin, "Spaceship.name", GOLD_ONLY)
    # then
    assert [(e["path"], e["code"]) for e in payload["errors"]] == [(["typeName"], "INVALID_VALUE")]
    assert payload["id"] is None
    assert await count(api, FieldPolicy) == 0


@pytest.mark.parametrize(
    "type_field",
    ["Partner.name", "Partner.tier", "Partner.id", "Contact.email", "Partner.nickname"],
    ids=["required-name", "required-tier", "required-id", "required-contact-email", "unknown"],
)
async def test_field_policy_on_a_required_or_unknown_field_is_invalid_value_at_field_name(
    api: Api, type_field: str
) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    # when
    payload = await _set_field_policy(api, admin, type_field, GOLD_ONLY)
    # then
    assert [(e["path"], e["code"]) for e in payload["errors"]] == [(["fieldName"], "INVALID_VALUE")]
    assert await count(api, FieldPolicy) == 0


@pytest.mark.parametrize("slot", ["anySegments", "allSegments", "noneSegments"])
@pytest.mark.parametrize("mutation", ["setFieldPolicy", "setActionPolicy"])
async def test_audience_naming_an_unknown_segment_is_unknown_segment_at_its_index(
    api: Api, mutation: str, slot: str
) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    audience = {slot: ["gold", "no-such-segment"]}
    before = await snapshot(api)
    # when
    if mutation == "setFieldPolicy":
        payload = await _set_field_policy(api, admin, "Partner.metrics", audience)
    else:
        response = await api.gql(
            SET_ACTION_POLICY, {"action": "CREATE_QUOTE", "audience": audience}, token=admin
        )
        payload = response.data["setActionPolicy"]
    # then
    assert [(e["path"], e["code"]) for e in payload["errors"]] == [
        (["audience", slot, "1"], "UNKNOWN_SEGMENT")
    ]
    assert "no-such-segment" in payload["errors"][0]["message"]
    assert await snapshot(api) == before


async def test_field_policy_with_null_audience_removes_the_policy(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await _set_field_policy(api, admin, "Partner.metrics", GOLD_ONLY)
    await _set_field_policy(api, admin, "Partner.country", GOLD_ONLY)
    # when
    payload = await _set_field_policy(api, admin, "Partner.metrics", None)
    # then
    assert payload["errors"] == []
    listed = await api.gql(FIELD_POLICIES, token=admin)
    assert [(p["typeName"], p["fieldName"]) for p in listed.data["fieldPolicies"]] == [
        ("Partner", "country")
    ]
    assert await count(api, FieldPolicy) == 1


# ---------------------------------------------------------------- who may set policies


async def _caller(api: Api, who: str) -> Credentials:
    """Credentials (keyword arguments of Api.gql) for each kind of caller but VENDOR_ADMIN."""
    if who in {"ANALYST", "CHANNEL_MANAGER"}:
        token, _ = await api.staff(StaffRole(who))
        return {"token": token}
    if who == "partner ADMIN":
        token, _ = await api.contact(await api.partner(), ContactRole.ADMIN)
        return {"token": token}
    admin, _ = await api.staff()
    return {"api_key": await create_api_key(api, admin, *EVERY_SCOPE)}


@pytest.mark.parametrize("who", ["ANALYST", "CHANNEL_MANAGER", "partner ADMIN", "API key"])
async def test_only_vendor_admins_may_set_action_policies(api: Api, who: str) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    credentials = await _caller(api, who)
    before = await snapshot(api, ignore=CALLER_BOOKKEEPING)
    # when
    response = await api.gql(
        SET_ACTION_POLICY,
        {"action": "CREATE_QUOTE", "audience": GOLD_ONLY},
        **credentials,
    )
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
    assert await snapshot(api, ignore=CALLER_BOOKKEEPING) == before


@pytest.mark.parametrize("who", ["ANALYST", "CHANNEL_MANAGER", "partner ADMIN", "API key"])
async def test_only_vendor_admins_may_set_field_policies(api: Api, who: str) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    credentials = await _caller(api, who)
    before = await snapshot(api, ignore=CALLER_BOOKKEEPING)
    # when
    response = await api.gql(
        SET_FIELD_POLICY,
        {"typeName": "Partner", "fieldName": "metrics", "audience": GOLD_ONLY},
        **credentials,
    )
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
    assert await snapshot(api, ignore=CALLER_BOOKKEEPING) == before


async def test_policies_cannot_be_set_without_credentials(api: Api) -> None:
    # given
    before = await snapshot(api)
    # when
    response = await api.gql(SET_ACTION_POLICY, {"action": "MANAGE_TEAM", "audience": None})
    # then
    assert response.error_codes == ["UNAUTHENTICATED"]
    assert await snapshot(api) == before


async def test_analysts_read_every_policy(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await _set_field_policy(api, admin, "Partner.metrics", GOLD_ONLY)
    analyst, _ = await api.staff(StaffRole.ANALYST)
    # when
    actions = await api.gql(ACTION_POLICIES, token=analyst)
    fields = await api.gql(FIELD_POLICIES, token=analyst)
    # then
    assert actions.errors == fields.errors == []
    assert len(actions.data["actionPolicies"]) == 4
    assert fields.data["fieldPolicies"] == [
        {"typeName": "Partner", "fieldName": "metrics", "audience": _audience(anySegments=["gold"])}
    ]


# ---------------------------------------------------------------- stored audiences


async def test_identical_audiences_are_stored_once(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await create_segment(api, admin, "emea", EMEA)
    one_order = {"anySegments": ["gold", "emea"], "roles": ["ADMIN", "FINANCE"]}
    other_order = {"anySegments": ["emea", "gold"], "roles": ["FINANCE", "ADMIN"]}
    # when
    await _set_field_policy(api, admin, "Partner.metrics", one_order)
    await _set_field_policy(api, admin, "Contact.title", other_order)
    await api.gql(SET_ACTION_POLICY, {"action": "CREATE_QUOTE", "audience": one_order}, token=admin)
    # then
    assert await count(api, Audience) == 1
    assert await count(api, FieldPolicy) == 2


async def test_different_audiences_are_stored_separately(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    # when
    await _set_field_policy(api, admin, "Partner.metrics", {"anySegments": ["gold"]})
    await _set_field_policy(api, admin, "Contact.title", {"allSegments": ["gold"]})
    # then
    assert await count(api, Audience) == 2


@pytest.mark.parametrize(
    ("mutation", "named_as"),
    [("setFieldPolicy", "Partner.metrics"), ("setActionPolicy", "CREATE_QUOTE")],
)
async def test_segment_named_by_a_policy_audience_cannot_be_deleted(
    api: Api, mutation: str, named_as: str
) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    if mutation == "setFieldPolicy":
        await _set_field_policy(api, admin, "Partner.metrics", {"noneSegments": ["gold"]})
    else:
        await api.gql(
            SET_ACTION_POLICY,
            {"action": "CREATE_QUOTE", "audience": {"noneSegments": ["gold"]}},
            token=admin,
        )
    before = await snapshot(api)
    # when
    response = await api.gql(DELETE_SEGMENT, {"key": "gold"}, token=admin)
    # then
    payload = response.data["deleteSegment"]
    assert payload["deleted"] is False
    assert [e["code"] for e in payload["errors"]] == ["SEGMENT_IN_USE"]
    assert named_as in payload["errors"][0]["message"]
    assert await count(api, Segment, Segment.key == "gold") == 1
    assert await snapshot(api) == before


async def test_segment_can_be_deleted_once_the_policy_naming_it_is_removed(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await _set_field_policy(api, admin, "Partner.metrics", GOLD_ONLY)
    await _set_field_policy(api, admin, "Partner.metrics", None)
    # when
    response = await api.gql(DELETE_SEGMENT, {"key": "gold"}, token=admin)
    # then
    assert response.data["deleteSegment"] == {"deleted": True, "errors": []}
    assert await count(api, Segment, Segment.key == "gold") == 0


# ---------------------------------------------------------------- hidden fields


async def test_contact_outside_the_audience_gets_empty_values_and_each_hidden_field_once(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    await _guard_fields_for_gold(api, admin)
    token, partner_id = await _partner_with_two_titled_contacts(api, tier="SILVER")
    # when
    response = await api.gql(PORTAL, {"partnerId": partner_id}, token=token)
    # then
    assert response.errors == []
    own = response.data["viewer"]["partner"]
    assert (own["country"], own["verticals"], own["metrics"]) == (None, [], None)
    assert own["name"] != ""
    assert [edge["node"]["title"] for edge in own["contacts"]["edges"]] == [None, None]
    assert response.data["partner"] == {"country": None, "verticals": [], "metrics": None}
    assert response.body["extensions"]["hiddenFields"] == sorted(GUARDED)


async def test_hidden_fields_list_only_the_fields_the_response_hid(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _guard_fields_for_gold(api, admin)
    token, _ = await _partner_with_two_titled_contacts(api, tier="SILVER")
    # when
    response = await api.gql(OWN_NAME_AND_COUNTRY, token=token)
    # then
    assert response.data["viewer"]["partner"]["country"] is None
    assert response.body["extensions"]["hiddenFields"] == ["Partner.country"]


async def test_hidden_required_json_field_answers_an_empty_object(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await _set_field_policy(api, admin, "Partner.attributes", GOLD_ONLY)
    partner_id = await api.partner(tier="SILVER")
    token, _ = await api.contact(partner_id)
    # when
    response = await api.gql(OWN_ATTRIBUTES, token=token)
    # then
    assert response.data["viewer"]["partner"]["attributes"] == {}
    assert response.body["extensions"]["hiddenFields"] == ["Partner.attributes"]


async def test_contact_inside_the_audience_sees_the_values_and_nothing_is_reported_hidden(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    await _guard_fields_for_gold(api, admin)
    token, partner_id = await _partner_with_two_titled_contacts(api, tier="GOLD")
    # when
    response = await api.gql(PORTAL, {"partnerId": partner_id}, token=token)
    # then
    assert response.errors == []
    own = response.data["viewer"]["partner"]
    assert (own["country"], own["verticals"]) == ("DE", ["cloud", "security"])
    assert own["metrics"] is not None
    titles = sorted(edge["node"]["title"] for edge in own["contacts"]["edges"])
    assert titles == ["Managing Director", "Sales Lead"]
    assert "hiddenFields" not in (response.body.get("extensions") or {})


@pytest.mark.parametrize("role", list(StaffRole))
async def test_staff_always_see_fields_a_policy_hides_from_contacts(
    api: Api, role: StaffRole
) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    partner_id = await api.partner(tier="SILVER", country="DE", verticals=["cloud"])
    for type_field in GUARDED:
        await _set_field_policy(api, admin, type_field, GOLD_ONLY)
    staff, staff_id = await api.staff(role)
    managers = [staff_id] if role is StaffRole.CHANNEL_MANAGER else []
    await create_segment(api, admin, "mine", None, include=[partner_id], managerIds=managers)
    # when
    response = await api.gql(PARTNER_GUARDED, {"id": partner_id}, token=staff)
    # then
    assert response.errors == []
    seen = response.data["partner"]
    assert (seen["country"], seen["verticals"]) == ("DE", ["cloud"])
    assert seen["metrics"] is not None
    assert "hiddenFields" not in (response.body.get("extensions") or {})


async def test_api_keys_see_fields_a_policy_hides_from_contacts(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _guard_fields_for_gold(api, admin)
    partner_id = await api.partner(tier="SILVER", country="DE", verticals=["cloud"])
    key = await create_api_key(api, admin, "partners:read")
    # when
    response = await api.gql(
        PARTNER_GUARDED,
        {"id": partner_id},
        api_key=key,
    )
    # then
    assert response.errors == []
    seen = response.data["partner"]
    assert (seen["country"], seen["verticals"]) == ("DE", ["cloud"])
    assert seen["metrics"] is not None
    assert "hiddenFields" not in (response.body.get("extensions") or {})


async def test_a_field_policy_change_takes_effect_on_the_very_next_request(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    partner_id = await api.partner(tier="SILVER", country="DE")
    token, _ = await api.contact(partner_id)
    shown = await api.gql(OWN_COUNTRY, token=token)
    # when
    await _set_field_policy(api, admin, "Partner.country", GOLD_ONLY)
    hidden = await api.gql(OWN_COUNTRY, token=token)
    await _set_field_policy(api, admin, "Partner.country", None)
    shown_again = await api.gql(OWN_COUNTRY, token=token)
    # then
    assert shown.data["viewer"]["partner"]["country"] == "DE"
    assert hidden.data["viewer"]["partner"]["country"] is None
    assert hidden.body["extensions"]["hiddenFields"] == ["Partner.country"]
    assert shown_again.data["viewer"]["partner"]["country"] == "DE"
    assert "hiddenFields" not in (shown_again.body.get("extensions") or {})


async def test_an_action_policy_change_takes_effect_on_the_very_next_request(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    partner_id = await api.partner(tier="SILVER")
    token, _ = await api.contact(partner_id, ContactRole.ADMIN)
    before = await api.gql(CAPABILITIES, token=token)
    # when
    await api.gql(SET_ACTION_POLICY, {"action": "CREATE_QUOTE", "audience": GOLD_ONLY}, token=admin)
    after = await api.gql(CAPABILITIES, token=token)
    # then
    assert before.data["viewer"]["capabilities"] == {"manageTeam": True, "createQuote": True}
    assert after.data["viewer"]["capabilities"] == {"manageTeam": True, "createQuote": False}


async def test_a_contact_moving_into_the_audience_sees_the_field_on_its_next_request(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await _set_field_policy(api, admin, "Partner.country", GOLD_ONLY)
    partner_id = await api.partner(tier="SILVER", country="DE")
    token, _ = await api.contact(partner_id)
    hidden = await api.gql(OWN_COUNTRY, token=token)
    # when
    moved = await api.gql(PROMOTE_TO_GOLD, {"id": partner_id}, token=admin)
    shown = await api.gql(OWN_COUNTRY, token=token)
    # then
    assert moved.data["updatePartner"]["errors"] == []
    assert hidden.data["viewer"]["partner"]["country"] is None
    assert shown.data["viewer"]["partner"]["country"] == "DE"
