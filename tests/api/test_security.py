"""Attacks from the security review, each sent as an attacker would and shown refused.

Document limits (schema/documents.py): depth by real field names, a cost limit computed
before execution, selection counts, one sign-in per request, introspection for signed-in
callers; sign-in payloads decided for the principal that just signed in; throttled
sign-in; API-key scopes; channel-manager counts; hidden fields that cannot be used to look
up or filter. Limits and numbers: docs/api.md, "Limits".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import get_introspection_query

from domain.identity.throttle import Limit, MemoryStore, SignInThrottle
from domain.models import AuditEntry, Contact, Partner
from domain.principal import ContactRole, StaffRole
from schema import documents
from schema.documents import MAX_COST, Introspection
from tests.records import count, email_of, runtime_with, snapshot
from tests.support import PASSWORD, Api, create_api_key, create_segment

GOLD = {"field": "partner.tier", "op": "eq", "value": "GOLD"}
GOLD_ONLY = {"anySegments": ["gold"]}
SET_FIELD_POLICY = """
mutation($typeName: String!, $fieldName: String!, $audience: AudienceInput) {
  setFieldPolicy(typeName: $typeName, fieldName: $fieldName, audience: $audience) {
    errors { code }
  }
}
"""
LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    token retryAfter
    viewer {
      id segments { key }
      capabilities { createQuote manageTeam }
      partner { name metrics { engagementScore } }
    }
    errors { path code message }
  }
}
"""
INVITE = """
mutation($partnerId: ID!, $email: String!) {
  inviteContact(partnerId: $partnerId, email: $email, name: "New Person", role: SALES_REP) {
    invitationToken errors { code }
  }
}
"""
ACCEPT = """
mutation($token: String!, $password: String!) {
  acceptInvitation(token: $token, password: $password) {
    token retryAfter
    viewer { id capabilities { createQuote } partner { metrics { engagementScore } } }
    errors { path code message }
  }
}
"""


def _deep_contacts(levels: int, alias: str = "") -> str:
    """viewer { partner { contacts(first: 100) { edges { node { partner { contacts ..."""
    inner = "id"
    for _ in range(levels):
        inner = f"partner {{ contacts(first: 100) {{ edges {{ node {{ {inner} }} }} }} }}"
    return f"{{ {alias}viewer {{ {inner} }} }}"


async def _policy(api: Api, admin: str, type_field: str, audience: Any) -> None:
    type_name, field_name = type_field.split(".")
    response = await api.gql(
        SET_FIELD_POLICY,
        {"typeName": type_name, "fieldName": field_name, "audience": audience},
        token=admin,
    )
    assert response.data["setFieldPolicy"]["errors"] == []


# ---------------------------------------------------------------- depth and cost


async def test_an_alias_starting_with_underscores_does_not_lift_the_depth_limit(api: Api) -> None:
    # given
    token, _ = await api.contact(await api.partner())
    document = _deep_contacts(4, alias="__x: ")
    # when
    response = await api.gql(document, token=token)
    # then
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert "depth" in response.errors[0]["message"]
    assert response.body["data"] is None


async def test_nested_pages_whose_product_is_too_large_are_refused_with_the_cost(
    api: Api,
) -> None:
    # given: within the depth limit, two nested pages of 100 (10,000 contacts x fields)
    token, _ = await api.contact(await api.partner())
    document = _deep_contacts(2)
    # when
    response = await api.gql(document, token=token)
    # then
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    error = response.errors[0]
    assert error["extensions"]["cost"] > MAX_COST
    assert str(error["extensions"]["cost"]) in error["message"]
    assert response.body["data"] is None


async def test_the_cost_counts_page_sizes_given_as_variables(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner()
    document = """
    query($outer: Int, $inner: Int) {
      partners(first: $outer) {
        edges { node { name contacts(first: $inner) { edges { node { id email name } } } } }
      }
    }
    """
    # when
    small = await api.gql(document, {"outer": 10, "inner": 10}, token=admin)
    large = await api.gql(document, {"outer": 100, "inner": 100}, token=admin)
    # then
    assert small.errors == []
    assert large.error_codes == ["GRAPHQL_VALIDATION_FAILED"]


async def test_a_full_staff_page_with_nested_contacts_stays_inside_the_cost_limit(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner()
    document = """
    { partners(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
        id externalId name type tier region country phase verticals joinedAt version
        segments { key name }
        contacts(first: 20) { totalCount edges { node { id email name role title status } } }
    } } } }
    """
    # when
    response = await api.gql(document, token=admin)
    # then
    assert response.errors == []


async def test_more_than_500_selections_are_refused_before_validation(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    document = "{ viewer { " + " ".join(["id"] * 501) + " } }"
    # when
    response = await api.gql(document, token=admin)
    # then
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert "502 fields" in response.errors[0]["message"]  # 501 ids and viewer


async def test_a_document_is_validated_once_however_often_it_is_sent(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    admin, _ = await api.staff()
    validations = 0
    real = documents.validate

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal validations
        validations += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(documents, "validate", counting)
    document = "query OnlyOnce { viewer { id kind } }"
    # when
    responses = [await api.gql(document, token=admin) for _ in range(5)]
    # then
    assert all(r.errors == [] for r in responses)
    assert validations == 1


async def test_more_than_one_sign_in_in_one_request_is_refused_without_a_try(api: Api) -> None:
    # given
    _, staff_id = await api.staff()
    email = await email_of(api, staff_id)
    document = f"""
    mutation {{
      a: login(email: "{email}", password: "wrong password 1") {{ token }}
      b: login(email: "{email}", password: "{PASSWORD}") {{ token }}
    }}
    """
    before = await count(api, AuditEntry)
    # when
    response = await api.gql(document)
    # then
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert response.body["data"] is None
    assert await count(api, AuditEntry) == before


async def test_several_operations_without_an_operation_name_are_refused(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    document = 'query A { viewer { id } }\nmutation B { revokeApiKey(id: "x") { deleted } }'
    # when
    response = await api.gql(document, token=admin)
    # then
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert "operationName" in response.errors[0]["message"]
    assert response.body["data"] is None


async def test_an_unused_variable_is_a_validation_error(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql("query($x: Int) { viewer { id } }", {"x": 1}, token=admin)
    # then
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]


# ---------------------------------------------------------------- introspection


async def test_introspection_needs_a_signed_in_caller_by_default(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    query = get_introspection_query()
    # when
    stranger = await api.gql(query)
    signed_in = await api.gql(query, token=admin)
    typename = await api.gql("{ __typename }")
    # then
    assert stranger.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert stranger.body["data"] is None
    assert signed_in.errors == []
    assert signed_in.data["__schema"]["queryType"]["name"] == "Query"
    assert typename.data == {"__typename": "Query"}


@pytest.mark.parametrize(
    ("setting", "stranger_allowed", "member_allowed"),
    [(Introspection.PUBLIC, True, True), (Introspection.OFF, False, False)],
)
async def test_the_introspection_setting_opens_or_closes_it(
    api: Api,
    app: Any,
    setting: Introspection,
    stranger_allowed: bool,
    member_allowed: bool,
) -> None:
    # given
    admin, _ = await api.staff()
    with runtime_with(app, introspection=setting):
        await _check_introspection(api, admin, stranger_allowed, member_allowed)


async def _check_introspection(
    api: Api, admin: str, stranger_allowed: bool, member_allowed: bool
) -> None:
    query = '{ __type(name: "Partner") { name } }'
    # when
    stranger = await api.gql(query)
    member = await api.gql(query, token=admin)
    # then
    assert (stranger.errors == []) is stranger_allowed
    assert (member.errors == []) is member_allowed


async def test_two_schema_introspections_in_one_request_are_refused(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    document = "{ a: __schema { types { name } } b: __schema { types { name } } }"
    # when
    response = await api.gql(document, token=admin)
    # then
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]


# ---------------------------------------------------------------- sign-in payloads


async def test_the_login_payload_is_decided_for_the_contact_that_signed_in(api: Api) -> None:
    # given: metrics hidden from contacts outside "gold"; quoting only for admins
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await _policy(api, admin, "Partner.metrics", GOLD_ONLY)
    await api.gql(
        "mutation { setActionPolicy(action: CREATE_QUOTE, audience: {roles: [ADMIN]}) "
        "{ errors { code } } }",
        token=admin,
    )
    partner = await api.partner(tier="SILVER")
    _, contact_id = await api.contact(partner, ContactRole.SALES_REP, sign_in=False)
    email = await email_of(api, contact_id)
    # when
    response = await api.gql(LOGIN, {"email": email, "password": PASSWORD})
    # then
    payload = response.data["login"]
    assert payload["errors"] == []
    assert payload["viewer"]["id"] == contact_id
    assert payload["viewer"]["partner"]["metrics"] is None
    assert response.body["extensions"]["hiddenFields"] == ["Partner.metrics"]
    assert payload["viewer"]["capabilities"] == {"createQuote": False, "manageTeam": False}
    assert payload["viewer"]["segments"] == []
    # and the next request answers the same
    follow_up = await api.gql(
        "{ viewer { capabilities { createQuote } partner { metrics { engagementScore } } } }",
        token=payload["token"],
    )
    assert follow_up.data["viewer"]["partner"]["metrics"] is None
    assert follow_up.data["viewer"]["capabilities"]["createQuote"] is False


async def test_the_accept_invitation_payload_is_decided_for_the_new_contact(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await _policy(api, admin, "Partner.metrics", GOLD_ONLY)
    partner = await api.partner(tier="SILVER")
    invited = await api.gql(
        INVITE, {"partnerId": partner, "email": "newbie@partner.example.com"}, token=admin
    )
    token = invited.data["inviteContact"]["invitationToken"]
    # when
    response = await api.gql(ACCEPT, {"token": token, "password": PASSWORD})
    # then
    payload = response.data["acceptInvitation"]
    assert payload["errors"] == []
    assert payload["viewer"]["partner"]["metrics"] is None
    assert response.body["extensions"]["hiddenFields"] == ["Partner.metrics"]


# ---------------------------------------------------------------- throttling


@pytest.fixture
def strict_throttle(app: Any) -> Iterator[SignInThrottle]:
    """3 failures per account, 5 per address, in a fresh store (tests share one app)."""
    throttle = SignInThrottle(MemoryStore(), Limit(3, 900), Limit(5, 900))
    with runtime_with(app, throttle=throttle):
        yield throttle


async def _login(api: Api, email: str, password: str) -> tuple[dict[str, Any], Any]:
    response = await api.gql(LOGIN, {"email": email, "password": password})
    return response.data["login"], response.headers


async def test_repeated_wrong_passwords_lock_the_account_with_a_retry_after(
    api: Api, strict_throttle: SignInThrottle
) -> None:
    # given
    _, staff_id = await api.staff()
    email = await email_of(api, staff_id)
    for _ in range(3):
        failed, _ = await _login(api, email, "wrong password")
        assert [e["code"] for e in failed["errors"]] == ["INVALID_CREDENTIALS"]
    # when: even the right password is refused now, without being checked
    payload, headers = await _login(api, email, PASSWORD)
    # then
    assert [e["code"] for e in payload["errors"]] == ["TOO_MANY_ATTEMPTS"]
    assert payload["token"] is None
    assert 0 < payload["retryAfter"] <= 900
    assert headers["Retry-After"] == str(payload["retryAfter"])
    assert str(payload["retryAfter"]) in payload["errors"][0]["message"]


async def test_the_throttle_answers_the_same_for_an_unknown_email(
    api: Api, strict_throttle: SignInThrottle
) -> None:
    # given
    _, staff_id = await api.staff()
    known = await email_of(api, staff_id)
    answers = {}
    for email in (known, "nobody@nowhere.example.com"):
        for _ in range(3):
            await _login(api, email, "wrong password")
        payload, _ = await _login(api, email, "wrong password")
        answers[email] = ([e["code"] for e in payload["errors"]], payload["errors"][0]["path"])
    # then
    assert answers[known] == answers["nobody@nowhere.example.com"]
    assert answers[known][0] == ["TOO_MANY_ATTEMPTS"]


async def test_a_right_password_clears_the_accounts_failures(
    api: Api, strict_throttle: SignInThrottle
) -> None:
    # given
    _, staff_id = await api.staff()
    email = await email_of(api, staff_id)
    for _ in range(2):
        await _login(api, email, "wrong password")
    assert (await _login(api, email, PASSWORD))[0]["errors"] == []
    # when
    for _ in range(2):
        await _login(api, email, "wrong password")
    payload, _ = await _login(api, email, PASSWORD)
    # then
    assert payload["errors"] == []


async def test_failures_across_many_accounts_lock_the_client_address(
    api: Api, strict_throttle: SignInThrottle
) -> None:
    # given: five wrong guesses, each at another address book entry
    _, staff_id = await api.staff()
    for i in range(5):
        await _login(api, f"guess{i}@partner.example.com", "wrong password")
    # when
    payload, _ = await _login(api, await email_of(api, staff_id), PASSWORD)
    # then
    assert [e["code"] for e in payload["errors"]] == ["TOO_MANY_ATTEMPTS"]


async def test_wrong_invitation_tokens_count_against_the_address(
    api: Api, strict_throttle: SignInThrottle
) -> None:
    # given
    for i in range(5):
        response = await api.gql(ACCEPT, {"token": f"guess-{i}", "password": PASSWORD})
        assert [e["code"] for e in response.data["acceptInvitation"]["errors"]] == ["INVALID_TOKEN"]
    # when
    response = await api.gql(ACCEPT, {"token": "guess-6", "password": PASSWORD})
    # then
    payload = response.data["acceptInvitation"]
    assert [e["code"] for e in payload["errors"]] == ["TOO_MANY_ATTEMPTS"]
    assert payload["retryAfter"] > 0


# ---------------------------------------------------------------- API-key scopes


async def test_a_segments_write_key_cannot_read_partner_data_through_rules_it_writes(
    api: Api,
) -> None:
    # given: a secret-ish fact behind a rule only a partners scope may evaluate for you
    admin, _ = await api.staff()
    partner = await api.partner(tier="GOLD", name="Target Co")
    key = await create_api_key(api, admin, "segments:write")
    probe = {
        "all": [
            {"field": "partner.name", "op": "eq", "value": "Target Co"},
            {"field": "partner.tier", "op": "eq", "value": "GOLD"},
        ]
    }
    # when
    created = await api.gql(
        """
        mutation($rule: JSON!) {
          createSegment(input: {key: "probe", name: "Probe", subject: PARTNER, rule: $rule}) {
            segment { key memberCount members { edges { node { id name } } } }
            errors { code }
          }
        }
        """,
        {"rule": probe},
        api_key=key,
    )
    # then: the segment is saved, but who is in it stays hidden
    assert set(created.error_codes) == {"FORBIDDEN"}
    assert "Target Co" not in json.dumps(created.body)
    assert partner not in json.dumps(created.body)


# ---------------------------------------------------------------- channel-manager scope


async def test_a_channel_manager_counts_and_lists_only_the_members_it_may_see(api: Api) -> None:
    # given: a segment of two partners, and include/exclude lists naming both
    admin, _ = await api.staff()
    manager, manager_id = await api.staff(StaffRole.CHANNEL_MANAGER)
    mine = await api.partner(tier="GOLD", region="EMEA")
    other = await api.partner(tier="GOLD", region="APAC")
    await create_segment(
        api,
        admin,
        "emea",
        {"field": "partner.region", "op": "eq", "value": "EMEA"},
        managerIds=[manager_id],
    )
    await create_segment(api, admin, "gold", GOLD, include=[mine, other])
    await create_segment(api, admin, "not-gold", {"not": GOLD}, exclude=[mine, other])
    query = "{ segments { key memberCount include exclude } }"
    # when
    seen = await api.gql(query, token=manager)
    everything = await api.gql(query, token=admin)
    # then
    by_key = {s["key"]: s for s in seen.data["segments"]}
    assert by_key["gold"]["memberCount"] == 1
    assert by_key["gold"]["include"] == [mine]
    assert by_key["not-gold"]["exclude"] == [mine]
    full = {s["key"]: s for s in everything.data["segments"]}
    assert full["gold"]["memberCount"] == 2
    assert sorted(full["gold"]["include"]) == sorted([mine, other])


# ---------------------------------------------------------------- hidden fields stay hidden


async def test_a_hidden_external_id_cannot_be_used_to_look_a_partner_up(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await _policy(api, admin, "Partner.externalId", GOLD_ONLY)
    partner = await api.partner(tier="SILVER", externalId="CRM-SECRET-1")
    token, _ = await api.contact(partner)
    # when
    right = await api.gql('{ partner(externalId: "CRM-SECRET-1") { id } }', token=token)
    wrong = await api.gql('{ partner(externalId: "CRM-OTHER") { id } }', token=token)
    # then
    assert right.data == wrong.data == {"partner": None}
    assert right.body["extensions"]["hiddenFields"] == ["Partner.externalId"]


async def test_hidden_segments_cannot_be_inferred_from_the_viewer_or_a_filter(api: Api) -> None:
    # given: the contact's company is in "gold", and segments are hidden from non-admins
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await create_segment(
        api,
        admin,
        "admins",
        {"field": "contact.role", "op": "eq", "value": "ADMIN"},
        subject="CONTACT",
    )
    only_admins = {"roles": ["ADMIN"]}
    await _policy(api, admin, "Partner.segments", only_admins)
    await _policy(api, admin, "Contact.segments", {"roles": ["FINANCE"]})
    partner = await api.partner(tier="GOLD")
    rep, _ = await api.contact(partner, ContactRole.SALES_REP)
    boss, _ = await api.contact(partner, ContactRole.ADMIN)
    query = """
    { viewer { segments { key } }
      inGold: partners(filter: {segment: "gold"}) { totalCount }
      inOther: partners(filter: {segment: "no-such-segment"}) { totalCount } }
    """
    # when
    hidden = await api.gql(query, token=rep)
    shown = await api.gql(query, token=boss)
    # then
    assert hidden.data["viewer"]["segments"] == []
    assert hidden.data["inGold"] == hidden.data["inOther"] == {"totalCount": 0}
    assert hidden.body["extensions"]["hiddenFields"] == ["Contact.segments", "Partner.segments"]
    assert shown.data["viewer"]["segments"] == [{"key": "gold"}]
    assert shown.data["inGold"] == {"totalCount": 1}


async def test_nothing_was_written_by_a_refused_cost(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    before = await snapshot(api)
    document = """
    mutation {
      createPartner(input: {name: "Costly", type: "MSP", tier: "GOLD", region: "EMEA",
                            phase: "ACTIVE"}) {
        partner { contacts(first: 100) { edges { node { partner { contacts(first: 100) {
          edges { node { id email name title } } } } } } } }
      }
    }
    """
    # when
    response = await api.gql(document, token=admin)
    # then
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert await snapshot(api) == before
    assert await count(api, Partner) == 0
    assert await count(api, Contact) == 0
