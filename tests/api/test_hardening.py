"""Hardening: each limit, tested with the attack it stops; errors that reveal nothing.

Limits (schema/build.py, docs/api.md "Limits"): depth 12, 30 aliases, 5000 tokens,
`first` 0-100, 2 MiB bodies; non-JSON posts need a preflight header; mutations never run
over GET. Contract: README "Errors" (`first`, INTERNAL_SERVER_ERROR with a request id).
"""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from graphql import IntrospectionQuery, build_client_schema, get_introspection_query
from sqlalchemy.exc import ProgrammingError

from domain import policies as domain_policies
from domain.models import ActionPolicy, AuditEntry, Partner
from resolvers import access as access_resolvers
from tests.records import count, snapshot
from tests.support import Api

MiB = 1024 * 1024

# ---------------------------------------------------------------- documents


def _chain(levels: int, leaf: str) -> str:
    """viewer { partner { contacts { edges { node { partner { ... } } } } } }, `levels` deep."""
    cycle = ["partner", "contacts", "edges", "node"]
    names = ["viewer"] + [cycle[i % 4] for i in range(levels - 1)]
    selection = leaf
    for name in reversed(names):
        selection = f"{name} {{ {selection} }}"
    return "{ " + selection + " }"


# Depth counts nested selection sets below the root field: `{ viewer { id } }` is depth 1.
AT_DEPTH_LIMIT = _chain(12, "cursor")  # viewer ... edges { cursor }: depth 12
OVER_DEPTH_LIMIT = _chain(13, "id")  # viewer ... node { id }: depth 13
DEEP_MUTATION = """
mutation {
  createPartner(input: {name: "Deep", type: "MSP", tier: "GOLD", region: "EMEA",
                        phase: "ACTIVE"}) {
    partner { contacts { edges { node { partner { contacts { edges { node {
      partner { contacts { edges { node { id } } } }
    } } } } } } } }
  }
}
"""
DEEP_THROUGH_FRAGMENTS = """
query { viewer { partner { ...Team } } }
fragment Team on Partner { contacts { edges { node { partner { ...Again } } } } }
fragment Again on Partner { contacts { edges { node { partner { ...Deeper } } } } }
fragment Deeper on Partner { contacts { edges { node { id } } } }
"""
CIRCULAR_INTROSPECTION = """
{ __schema { types { fields { type { ofType { fields { type { ofType { fields { type {
  ofType { fields { name } } } } } } } } } } } } }
"""
VIEWER_ID = "{ viewer { id } }"
PARTNER_COUNT = "{ partners { totalCount } }"
CREATE_PARTNER = """
mutation { createPartner(input: {name: "Smuggled", type: "MSP", tier: "GOLD", region: "EMEA",
                                 phase: "ACTIVE"}) { errors { code } } }
"""
CREATE_PARTNER_WITH_PADDING = """
mutation($padding: String) {
  createPartner(input: {name: "Padded", type: "MSP", tier: "GOLD", region: "EMEA",
                        phase: "ACTIVE", country: $padding}) { errors { code } }
}
"""
QUERY_AND_MUTATION = "query Look { partners { totalCount } }\n" + CREATE_PARTNER.replace(
    "mutation", "mutation M"
)
ACTION_POLICIES = "{ actionPolicies { action audience { roles } } }"
SET_ACTION_POLICY = """
mutation { setActionPolicy(action: CREATE_QUOTE, audience: {roles: [ADMIN]}) { errors { code } } }
"""
PAGED_LISTS = {
    "partners": "query($first: Int) { partners(first: $first) { totalCount } }",
    "auditLog": "query($first: Int) { auditLog(first: $first) { pageInfo { hasNextPage } } }",
    "partner.contacts": """
        query($first: Int) {
          partners(first: 5) { edges { node { contacts(first: $first) { totalCount } } } }
        }
    """,
}
MISSPELLED = {
    "field": "{ viewr { id } }",
    "argument": "{ partners(frist: 3) { totalCount } }",
    "type condition": "{ viewer { ... on Viewr { id } } }",
    "nested field": "{ partners { edges { node { nmae } } } }",
}
WRONG_VARIABLES: dict[str, tuple[str, dict[str, Any]]] = {
    "unknown input field": (
        "mutation($input: PartnerInput!) { createPartner(input: $input) { errors { code } } }",
        {"input": {"nam": "Acme"}},
    ),
    "wrong scalar type": (
        "query($first: Int) { partners(first: $first) { totalCount } }",
        {"first": "ten"},
    ),
    "missing required variable": (
        "query($first: Int!) { partners(first: $first) { totalCount } }",
        {},
    ),
    "unknown enum value": (
        'query($a: Action) { explainAccess(contactId: "x", action: $a) { allowed } }',
        {"a": "CREATE_QUOT"},
    ),
}


def _aliases(field: str, how_many: int) -> str:
    return "{ " + " ".join(f"a{i}: {field}" for i in range(how_many)) + " }"


def _logins(how_many: int, email: str) -> str:
    attempts = " ".join(
        f'try{i}: login(email: "{email}", password: "guess-{i}") {{ token }}'
        for i in range(how_many)
    )
    return "mutation { " + attempts + " }"


def _tokens(document_with_hole: str, extra_fields: int) -> str:
    """The document with `extra_fields` repetitions of `__typename` in its hole."""
    return document_with_hole.replace("HOLE", "__typename " * extra_fields)


def _big_preview(conditions: int, values_each: int) -> str:
    """A previewSegment whose rule literal holds about conditions x values_each tokens."""
    values = " ".join('"GOLD"' for _ in range(values_each))
    condition = f'{{field: "partner.tier", op: "in", value: [{values}]}}'
    rule = "{any: [" + " ".join([condition] * conditions) + "]}"
    return f"{{ previewSegment(subject: PARTNER, rule: {rule}) {{ count }} }}"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ---------------------------------------------------------------- depth


async def test_a_query_at_the_depth_limit_runs(api: Api) -> None:
    # given
    partner_id = await api.partner()
    token, _ = await api.contact(partner_id)
    # when
    response = await api.gql(AT_DEPTH_LIMIT, token=token)
    # then
    assert response.errors == []
    assert response.data["viewer"]["partner"]["contacts"]["edges"] != []


async def test_a_query_nested_deeper_than_12_is_refused_before_anything_resolves(
    api: Api,
) -> None:
    # given
    token, _ = await api.contact(await api.partner())
    # when
    response = await api.gql(OVER_DEPTH_LIMIT, token=token)
    # then
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert "depth" in response.errors[0]["message"]
    assert response.body["data"] is None


async def test_a_deep_mutation_is_refused_and_never_runs(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(DEEP_MUTATION, token=admin)
    # then
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert response.body["data"] is None
    assert await count(api, Partner) == 0


async def test_depth_hidden_in_fragments_is_still_counted(api: Api) -> None:
    # given
    token, _ = await api.contact(await api.partner())
    # when
    response = await api.gql(DEEP_THROUGH_FRAGMENTS, token=token)
    # then
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert response.body["data"] is None


async def test_the_standard_graphiql_introspection_query_still_works(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    introspection = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    # when
    response = await api.gql(introspection, token=admin)
    # then
    assert response.errors == []
    served = build_client_schema(cast(IntrospectionQuery, response.data))
    assert served.query_type is not None
    assert served.query_type.name == "Query"
    assert "explainAccess" in served.query_type.fields
    assert "Partner" in served.type_map


async def test_circular_introspection_is_refused(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(CIRCULAR_INTROSPECTION, token=admin)
    # then
    assert response.errors != []
    assert response.body["data"] is None


# ---------------------------------------------------------------- aliases


async def test_thirty_aliases_of_one_field_are_allowed(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(_aliases("viewer { id }", 30), token=admin)
    # then
    assert response.errors == []
    assert len(response.data) == 30


async def test_more_than_thirty_aliases_of_one_field_are_refused(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(_aliases("viewer { id }", 31), token=admin)
    # then
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert response.body["data"] is None


async def test_a_password_guessing_batch_of_aliased_logins_is_refused_without_a_single_try(
    api: Api,
) -> None:
    # given
    await api.staff()
    before = await count(api, AuditEntry)
    # when
    response = await api.gql(_logins(31, "victim@vendor.example.com"))
    # then: refused for its aliases and for signing in more than once
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"] * 2
    assert response.body["data"] is None
    assert await count(api, AuditEntry) == before


# ---------------------------------------------------------------- tokens


async def test_a_large_document_just_under_5000_tokens_runs(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner(tier="GOLD")
    document = _big_preview(conditions=5, values_each=960)
    # when
    response = await api.gql(document, token=admin)
    # then
    assert response.errors == []
    assert response.data["previewSegment"]["count"] == 1


async def test_a_document_over_5000_tokens_is_refused_and_nothing_runs(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    document = _tokens(CREATE_PARTNER.replace("errors { code }", "errors { code } HOLE"), 5000)
    # when
    response = await api.gql(document, token=admin)
    # then
    assert len(response.errors) == 1
    assert "5000" in response.errors[0]["message"]
    assert response.body["data"] is None
    assert await count(api, Partner) == 0


async def test_one_field_repeated_a_thousand_times_is_refused(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    document = _tokens("{ viewer { id HOLE } }", 1000)
    # when
    response = await api.gql(document, token=admin)
    # then
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert response.body["data"] is None


# ---------------------------------------------------------------- page size


@pytest.mark.parametrize("first", [101, -1, 10_000])
@pytest.mark.parametrize("listing", list(PAGED_LISTS))
async def test_first_outside_0_to_100_is_bad_user_input(api: Api, listing: str, first: int) -> None:
    # given
    admin, _ = await api.staff()
    await api.contact(await api.partner())
    # when
    response = await api.gql(PAGED_LISTS[listing], {"first": first}, token=admin)
    # then
    assert response.error_codes == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("listing", list(PAGED_LISTS))
async def test_first_of_100_is_allowed(api: Api, listing: str) -> None:
    # given
    admin, _ = await api.staff()
    await api.contact(await api.partner())
    # when
    response = await api.gql(PAGED_LISTS[listing], {"first": 100}, token=admin)
    # then
    assert response.errors == []


# ---------------------------------------------------------------- request body


async def _post_json(api: Api, body: bytes, token: str, **headers: str) -> Any:
    return await api.client.post(
        "/graphql",
        content=body,
        headers={"Content-Type": "application/json", **_bearer(token), **headers},
    )


async def test_a_request_body_over_2_mib_is_413_and_nothing_runs(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    body = json.dumps(
        {"query": CREATE_PARTNER_WITH_PADDING, "variables": {"padding": "x" * (2 * MiB)}}
    ).encode()
    # when
    response = await _post_json(api, body, admin)
    # then
    assert response.status_code == 413
    assert await count(api, Partner) == 0


async def test_a_streamed_body_over_2_mib_without_a_length_is_413_and_nothing_runs(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    document = json.dumps({"query": CREATE_PARTNER}).encode()

    async def chunks() -> Any:
        for _ in range(3):
            yield b" " * MiB
        yield document

    # when
    response = await api.client.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json", **_bearer(admin)}
    )
    # then
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert response.status_code == 413
    assert await count(api, Partner) == 0


async def test_a_body_just_under_2_mib_is_accepted(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    body = json.dumps({"query": VIEWER_ID, "variables": {"unused": "x" * (2 * MiB - 200)}})
    # when
    response = await _post_json(api, body.encode(), admin)
    # then
    assert len(body) < 2 * MiB
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["id"] != ""


# ---------------------------------------------------------------- cross-site posts


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", None],
    ids=["text-plain", "text-plain-charset", "form-urlencoded", "no-content-type"],
)
async def test_a_post_a_browser_form_could_send_is_400_and_its_mutation_never_runs(
    api: Api, content_type: str | None
) -> None:
    # given
    admin, _ = await api.staff()
    headers = _bearer(admin)
    if content_type is not None:
        headers["Content-Type"] = content_type
    # when
    response = await api.client.post(
        "/graphql", content=json.dumps({"query": CREATE_PARTNER}).encode(), headers=headers
    )
    # then
    assert response.status_code == 400
    assert await count(api, Partner) == 0


async def test_a_multipart_post_without_preflight_is_400_and_its_mutation_never_runs(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.client.post(
        "/graphql",
        files={"operations": (None, json.dumps({"query": CREATE_PARTNER})), "map": (None, "{}")},
        headers=_bearer(admin),
    )
    # then
    assert response.status_code == 400
    assert await count(api, Partner) == 0


async def test_json_with_a_charset_needs_no_preflight(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    body = json.dumps({"query": VIEWER_ID}).encode()
    # when
    response = await _post_json(
        api, body, admin, **{"Content-Type": "application/json; charset=utf-8"}
    )
    # then
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["id"] != ""


# ---------------------------------------------------------------- GET


async def test_a_query_over_get_runs(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.client.get(
        "/graphql",
        params={"query": VIEWER_ID},
        headers={"Accept": "application/json", **_bearer(admin)},
    )
    # then
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["id"] != ""


@pytest.mark.parametrize(
    "params",
    [{"query": CREATE_PARTNER}, {"query": QUERY_AND_MUTATION, "operationName": "M"}],
    ids=["mutation", "mutation-chosen-by-operation-name"],
)
async def test_a_mutation_over_get_never_runs(api: Api, params: dict[str, str]) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner()
    before = await count(api, Partner)
    # when
    response = await api.client.get(
        "/graphql", params=params, headers={"Accept": "application/json", **_bearer(admin)}
    )
    # then
    assert response.status_code >= 400
    assert await count(api, Partner) == before == 1


# ---------------------------------------------------------------- unexpected errors


def _leaks(body: dict[str, Any]) -> list[str]:
    answered = json.dumps(body)
    tell_tales = ["secret_sauce", "SELECT", "ProgrammingError", "Traceback", ".py", "sqlalchemy"]
    return [word for word in tell_tales if word in answered]


async def test_an_unexpected_error_is_internal_server_error_with_the_request_id_and_no_sql(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    admin, _ = await api.staff()

    async def broken(*_args: Any) -> None:
        raise ProgrammingError(
            "SELECT secret_sauce FROM field_policies WHERE id = %(id)s",
            {"id": 1},
            Exception('relation "secret_sauce" does not exist'),
        )

    monkeypatch.setattr(access_resolvers, "current_policies", broken)
    # when
    response = await api.gql(ACTION_POLICIES, token=admin)
    # then
    assert response.error_codes == ["INTERNAL_SERVER_ERROR"]
    request_id = response.errors[0]["extensions"]["requestId"]
    assert request_id == response.headers["X-Request-Id"]
    assert request_id != ""
    assert response.body["data"] is None
    assert _leaks(response.body) == []


async def test_every_response_has_its_own_request_id(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    first = await api.gql(VIEWER_ID, token=admin)
    second = await api.gql(VIEWER_ID, token=admin)
    # then
    assert first.headers["X-Request-Id"] != ""
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


async def test_a_mutation_that_fails_unexpectedly_half_way_writes_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    admin, _ = await api.staff()
    real = domain_policies.set_action_policy

    async def half_way(*args: Any) -> None:
        await real(*args)
        raise RuntimeError("the disk caught fire after the write")

    monkeypatch.setattr(domain_policies, "set_action_policy", half_way)
    before = await snapshot(api)
    # when
    response = await api.gql(SET_ACTION_POLICY, token=admin)
    # then
    assert response.error_codes == ["INTERNAL_SERVER_ERROR"]
    assert "disk" not in json.dumps(response.body)
    assert await count(api, ActionPolicy) == 0
    assert await snapshot(api) == before


# ---------------------------------------------------------------- error codes and suggestions


@pytest.mark.parametrize(
    "document",
    ["{ viewer { id ", "{ viewer { id } } }", "query { viewer(", "{ viewer { id } } !"],
    ids=["unclosed", "extra-brace", "unclosed-arguments", "stray-bang"],
)
async def test_a_syntax_error_has_code_graphql_parse_failed(api: Api, document: str) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(document, token=admin)
    # then
    assert response.body["data"] is None
    assert response.error_codes == ["GRAPHQL_PARSE_FAILED"]


async def test_a_document_over_the_token_limit_has_code_graphql_parse_failed(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(_tokens("{ viewer { id HOLE } }", 5000), token=admin)
    # then
    assert response.error_codes == ["GRAPHQL_PARSE_FAILED"]


@pytest.mark.parametrize("mistake", list(MISSPELLED))
async def test_an_invalid_document_has_code_graphql_validation_failed(
    api: Api, mistake: str
) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(MISSPELLED[mistake], token=admin)
    # then
    assert response.body["data"] is None
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]


@pytest.mark.parametrize("mistake", list(MISSPELLED))
async def test_an_unauthenticated_caller_gets_no_did_you_mean_suggestions(
    api: Api, mistake: str
) -> None:
    # given
    await api.staff()
    # when
    response = await api.gql(MISSPELLED[mistake])
    # then
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Did you mean" not in json.dumps(response.body)


async def test_a_caller_with_a_bad_token_gets_no_did_you_mean_suggestions(api: Api) -> None:
    # given
    await api.staff()
    # when
    response = await api.gql(MISSPELLED["field"], token="not.a.valid-token")
    # then
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Did you mean" not in json.dumps(response.body)


@pytest.mark.parametrize("mistake", ["field", "argument", "type condition"])
async def test_an_authenticated_staff_member_gets_the_suggestion(api: Api, mistake: str) -> None:
    # given
    admin, _ = await api.staff()
    anonymous = await api.gql(MISSPELLED[mistake])
    # when
    response = await api.gql(MISSPELLED[mistake], token=admin)
    # then
    assert response.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Did you mean" in response.errors[0]["message"]
    assert response.errors[0]["message"].startswith(anonymous.errors[0]["message"].rstrip("."))


@pytest.mark.parametrize("mistake", list(WRONG_VARIABLES))
async def test_variables_of_the_wrong_shape_are_a_client_error_not_an_internal_one(
    api: Api, mistake: str
) -> None:
    # given
    admin, _ = await api.staff()
    document, variables = WRONG_VARIABLES[mistake]
    # when
    response = await api.gql(document, variables, token=admin)
    # then
    assert response.body["data"] is None
    assert response.error_codes in (["BAD_USER_INPUT"], ["GRAPHQL_VALIDATION_FAILED"])
    assert "$" in response.errors[0]["message"]


async def test_an_unauthenticated_caller_gets_no_suggestion_for_an_unknown_input_field(
    api: Api,
) -> None:
    # given
    document, variables = WRONG_VARIABLES["unknown input field"]
    # when
    response = await api.gql(document, variables)
    # then
    assert response.error_codes in (["BAD_USER_INPUT"], ["GRAPHQL_VALIDATION_FAILED"])
    assert "Did you mean" not in json.dumps(response.body)
