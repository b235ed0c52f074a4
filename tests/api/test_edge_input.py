"""Input at the edge: each attack a hostile client can send, and the clear refusal it gets.

Requests GraphQL cannot read are HTTP 400 with the GraphQL error shape and the request id;
values the database cannot hold are refused before they reach it; control and invisible
characters never reach stored text; slow bodies are cut off. docs/api.md, "Limits".
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn

from domain.models import AuditEntry, Contact, Partner
from domain.principal import ContactRole
from resolvers import access as access_resolvers
from server.app import create_app
from server.settings import Settings
from tests.records import count, email_of, snapshot
from tests.support import Api, create_segment

MiB = 1024 * 1024

# ---------------------------------------------------------------- documents

VIEWER_ID = "{ viewer { id } }"
CREATE_PARTNER = """
mutation M { createPartner(input: {name: "Smuggled", type: "MSP", tier: "GOLD",
                                   region: "EMEA", phase: "ACTIVE"}) { errors { code } } }
"""
ACTION_POLICIES = "{ actionPolicies { action } }"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _deep_array(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def _nested_body(depth: int, query: str = CREATE_PARTNER) -> bytes:
    """A request body whose objects nest `depth` levels deep (the body itself is level 1)."""
    nested: Any = 1
    for _ in range(depth - 2):
        nested = {"a": nested}
    return json.dumps({"query": query, "variables": {"unused": nested}}).encode()


# Bodies a client can post as application/json that hold no single GraphQL request.
UNREADABLE_BODIES: dict[str, bytes] = {
    "a JSON string": b'"x"',
    "a JSON number": b"123",
    "JSON null": b"null",
    "JSON true": b"true",
    "a batch (JSON array)": json.dumps([{"query": CREATE_PARTNER}]).encode(),
    "an empty batch": b"[]",
    "not JSON": b"{query: mutation}",
    "an empty body": b"",
    "Latin-1, not UTF-8": json.dumps({"query": CREATE_PARTNER}).encode()[:-1] + b'"\xe9"}',
    "UTF-16": json.dumps({"query": CREATE_PARTNER}).encode("utf-16"),
    "nested past the parser's recursion limit": _deep_array(100_000),
    "nested past 100 levels": _nested_body(101),
    "query is a number": json.dumps({"query": 1}).encode(),
    "query is a list": json.dumps({"query": [CREATE_PARTNER]}).encode(),
    "query is an object": json.dumps({"query": {"document": CREATE_PARTNER}}).encode(),
    "no query": json.dumps({"variables": {}}).encode(),
    "variables is a list": json.dumps({"query": CREATE_PARTNER, "variables": [1]}).encode(),
    "variables is a string": json.dumps({"query": CREATE_PARTNER, "variables": "{}"}).encode(),
    "operationName is a number": json.dumps({"query": CREATE_PARTNER, "operationName": 1}).encode(),
    "an unknown operationName": json.dumps(
        {"query": CREATE_PARTNER, "operationName": "Other"}
    ).encode(),
    "extensions is a list": json.dumps({"query": CREATE_PARTNER, "extensions": []}).encode(),
    "a number beyond a double": b'{"query": "{ viewer { id } }", "variables": {"x": 1e400}}',
    "NaN": b'{"query": "{ viewer { id } }", "variables": {"x": NaN}}',
    "an integer of 5000 digits": b'{"query": "{ viewer { id } }", "variables": {"x": '
    + b"9" * 5000
    + b"}}",
}


def _refusal(response: httpx.Response, status: int = 400, code: str = "BAD_REQUEST") -> str:
    """The message of a GraphQL-shaped HTTP refusal; checks its status, code and request id."""
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"errors"}
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code
    assert error["extensions"]["requestId"] == response.headers["X-Request-Id"]
    assert len(response.headers["X-Request-Id"]) == 32
    assert "Traceback" not in error["message"]
    return error["message"]


async def _post(api: Api, body: bytes, token: str, content_type: str = "application/json") -> Any:
    return await api.client.post(
        "/graphql", content=body, headers={"Content-Type": content_type, **_bearer(token)}
    )


# ---------------------------------------------------------------- 1. unreadable requests


@pytest.mark.parametrize("body", list(UNREADABLE_BODIES))
async def test_a_body_that_holds_no_single_graphql_request_is_a_400_with_the_error_shape(
    api: Api, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    admin, _ = await api.staff()
    before = await snapshot(api)
    # when
    with caplog.at_level(logging.ERROR):
        response = await _post(api, UNREADABLE_BODIES[body], admin)
    # then
    assert _refusal(response) != ""
    assert await snapshot(api) == before
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"[]", "batched operations are not supported"),
        (b'"x"', "must be a JSON object"),
        (_deep_array(100_000), "nests deeper than 100 levels"),
        (b'{"query": "{ viewer { id } }", "variables": [1]}', "`variables` must be an object"),
        (b'{"query": 1}', "`query` must be a string"),
        (b'{"query": "query A { viewer { id } }", "operationName": "B"}', 'operation named "B"'),
        (b'{"query": "\xff"}', "not UTF-8"),
    ],
    ids=["batch", "string", "deep", "variables", "query", "operation", "utf-8"],
)
async def test_the_refusal_says_what_is_wrong_with_the_request(
    api: Api, body: bytes, says: str
) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await _post(api, body, admin)
    # then
    assert says in _refusal(response)


@pytest.mark.parametrize(
    ("content_type", "preflight"),
    [("text/plain", "1"), ("multipart/form-data; boundary=x", "1"), ("application/xml", "1")],
    ids=["text-plain", "multipart", "xml"],
)
async def test_an_unsupported_content_type_is_a_400_with_the_error_shape(
    api: Api, content_type: str, preflight: str
) -> None:
    # given
    admin, _ = await api.staff()
    before = await snapshot(api)
    # when
    response = await api.client.post(
        "/graphql",
        content=json.dumps({"query": CREATE_PARTNER}).encode(),
        headers={"Content-Type": content_type, "GraphQL-Preflight": preflight, **_bearer(admin)},
    )
    # then
    assert "application/json" in _refusal(response)
    assert await snapshot(api) == before


@pytest.mark.parametrize(
    "params",
    [
        {"query": VIEWER_ID, "variables": "[1]"},
        {"query": VIEWER_ID, "variables": "{not json"},
        {"query": CREATE_PARTNER},
        {"query": VIEWER_ID, "operationName": "Nope"},
    ],
    ids=["variables-list", "variables-not-json", "mutation", "unknown-operation"],
)
async def test_a_get_the_graphql_layer_cannot_run_is_a_400_with_the_error_shape(
    api: Api, params: dict[str, str]
) -> None:
    # given
    admin, _ = await api.staff()
    before = await snapshot(api)
    # when
    response = await api.client.get(
        "/graphql", params=params, headers={"Accept": "application/json", **_bearer(admin)}
    )
    # then
    assert _refusal(response) != ""
    assert await snapshot(api) == before


async def test_a_body_over_the_size_limit_is_413_with_the_error_shape(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    body = json.dumps({"query": CREATE_PARTNER, "variables": {"pad": "x" * (2 * MiB)}})
    # when
    response = await _post(api, body.encode(), admin)
    # then
    assert "2097152 bytes" in _refusal(response, 413, "PAYLOAD_TOO_LARGE")
    assert response.headers["connection"] == "close"
    assert await count(api, Partner) == 0


async def test_a_cross_site_form_post_is_400_with_the_error_shape(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await _post(api, json.dumps({"query": CREATE_PARTNER}).encode(), admin, "text/plain")
    # then
    assert "GraphQL-Preflight" in _refusal(response)
    assert await count(api, Partner) == 0


# ---------------------------------------------------------------- 1. one request id


async def test_the_request_id_of_an_unexpected_error_is_in_the_header_and_the_log(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    admin, _ = await api.staff()

    async def broken(*_args: Any) -> None:
        raise RuntimeError("the policy store is on fire")

    monkeypatch.setattr(access_resolvers, "current_policies", broken)
    # when
    with caplog.at_level(logging.ERROR):
        response = await api.gql(ACTION_POLICIES, token=admin)
    # then
    request_id = response.headers["X-Request-Id"]
    assert response.error_codes == ["INTERNAL_SERVER_ERROR"]
    assert response.errors[0]["extensions"]["requestId"] == request_id
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 1
    assert request_id in logged[0].getMessage()


async def test_every_http_answer_carries_a_fresh_request_id(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    answers = [
        await api.client.get("/healthz"),
        await api.client.get("/graphql", headers={"Accept": "text/html"}),
        await _post(api, b"[]", admin),
        await _post(api, json.dumps({"query": VIEWER_ID}).encode(), admin),
    ]
    # then
    request_ids = [a.headers["X-Request-Id"] for a in answers]
    assert all(len(r) == 32 for r in request_ids)
    assert len(set(request_ids)) == len(answers)


async def test_a_client_cannot_choose_its_request_id(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.client.post(
        "/graphql",
        json={"query": VIEWER_ID},
        headers={"X-Request-Id": "forged-id", **_bearer(admin)},
    )
    # then
    assert response.headers.get_list("X-Request-Id") != ["forged-id"]
    assert len(response.headers.get_list("X-Request-Id")) == 1


async def test_a_body_nested_exactly_100_levels_deep_runs(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await _post(api, _nested_body(100, VIEWER_ID), admin)
    # then
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["id"] != ""


# ---------------------------------------------------------------- 5. slow clients

SLOW_BODY_SECONDS = 0.5


@pytest.fixture
async def impatient_app(settings: Settings, api: Api) -> AsyncIterator[Any]:
    """The app with a half-second body deadline (the default is 10 s)."""
    application = create_app(
        settings.model_copy(update={"body_read_timeout_seconds": SLOW_BODY_SECONDS})
    )
    async with application.router.lifespan_context(application):
        yield application


async def _trickle(body: bytes, every: float) -> AsyncIterator[bytes]:
    for byte in body:
        yield bytes([byte])
        await asyncio.sleep(every)


async def test_a_body_trickled_slower_than_the_deadline_is_408_and_never_runs(
    api: Api, impatient_app: Any
) -> None:
    # given
    admin, _ = await api.staff()
    body = json.dumps({"query": CREATE_PARTNER}).encode()
    transport = httpx.ASGITransport(app=impatient_app)
    # when
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            "/graphql",
            content=_trickle(body, every=0.2),
            headers={"Content-Type": "application/json", **_bearer(admin)},
        )
    # then
    assert "did not arrive within 0.5 s" in _refusal(response, 408, "REQUEST_TIMEOUT")
    assert response.headers["connection"] == "close"
    assert await count(api, Partner) == 0


async def test_a_body_that_arrives_in_time_runs_under_the_deadline(
    api: Api, impatient_app: Any
) -> None:
    # given
    admin, _ = await api.staff()
    body = json.dumps({"query": VIEWER_ID}).encode()
    chunks = [body[: len(body) // 2], body[len(body) // 2 :]]

    async def two_chunks() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk
            await asyncio.sleep(0.1)

    transport = httpx.ASGITransport(app=impatient_app)
    # when
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            "/graphql",
            content=two_chunks(),
            headers={"Content-Type": "application/json", **_bearer(admin)},
        )
    # then
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["id"] != ""


@pytest.fixture
async def impatient_server(impatient_app: Any) -> AsyncIterator[int]:
    """The impatient app behind a real uvicorn on a free port; yields the port."""
    server = uvicorn.Server(
        uvicorn.Config(impatient_app, host="127.0.0.1", port=0, lifespan="off", log_level="error")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn has no event to await for this)
        await asyncio.sleep(0.01)
    yield server.servers[0].sockets[0].getsockname()[1]
    server.should_exit = True
    await serving


async def test_uvicorn_answers_a_trickling_client_408_and_closes_the_connection(
    api: Api, impatient_server: int
) -> None:
    # given
    admin, _ = await api.staff()
    body = json.dumps({"query": CREATE_PARTNER}).encode()
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {admin}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", impatient_server)
    # when: one byte of the body, then another after a while
    writer.write(head + body[:1])
    await writer.drain()
    await asyncio.sleep(0.3)
    writer.write(body[1:2])
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=5)  # returns once the server closes
    writer.close()
    # then
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 408 Request Timeout"
    assert b'"code": "REQUEST_TIMEOUT"' in rest
    assert await count(api, Partner) == 0


# ------------------------------------------------------- 2. values the database cannot hold

PARTNERS_AFTER = "query($after: String) { partners(first: 5, after: $after) { totalCount } }"
CONTACTS_AFTER = """
query($after: String) {
  partners(first: 5) { edges { node { contacts(first: 2, after: $after) { totalCount } } } }
}
"""
AUDIT_AFTER = (
    "query($after: String) { auditLog(first: 5, after: $after) { pageInfo { hasNextPage } } }"
)
SEARCH = "query($search: String) { partners(filter: {search: $search}) { totalCount } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"
BY_EXTERNAL_ID = "query($externalId: String) { partner(externalId: $externalId) { id } }"
CREATE_PARTNER_INPUT = """
mutation($input: PartnerInput!) {
  createPartner(input: $input) { partner { id joinedAt } errors { path code message } }
}
"""
UPDATE_PARTNER = """
mutation($id: ID!, $input: PartnerInput!) {
  updatePartner(id: $id, input: $input) { partner { id } errors { path code message } }
}
"""
UPSERT = """
mutation($inputs: [PartnerInput!]!) {
  upsertPartners(inputs: $inputs) { created errors { path code message } }
}
"""
CREATE_SEGMENT = """
mutation($input: SegmentInput!) {
  createSegment(input: $input) {
    segment { key description memberCount } errors { path code message }
  }
}
"""
PREVIEW = "query($rule: JSON!) { previewSegment(subject: PARTNER, rule: $rule) { count } }"
DEFINE = """
mutation($key: String!, $type: AttributeType!, $label: String) {
  defineAttribute(subject: PARTNER, key: $key, type: $type, label: $label) {
    errors { path code message }
  }
}
"""
SET_TIERS = """
mutation($values: [PicklistValueInput!]!) {
  setPicklist(field: "partner.tier", values: $values) { errors { path code message } }
}
"""
UPDATE_CONTACT = """
mutation($id: ID!, $title: String) {
  updateContact(id: $id, title: $title) { contact { title } errors { path code message } }
}
"""
CREATE_API_KEY = """
mutation($name: String!) {
  createApiKey(name: $name, scopes: ["partners:read"]) { secret errors { path code message } }
}
"""
INVITE = """
mutation($partnerId: ID!, $email: String!, $name: String!) {
  inviteContact(partnerId: $partnerId, email: $email, name: $name, role: SALES_REP) {
    contact { id } errors { path code message }
  }
}
"""
NEW_PARTNER = {"name": "Edge", "type": "MSP", "tier": "GOLD", "region": "EMEA", "phase": "ACTIVE"}
AFTER_YEAR_9999 = "9999-12-31T23:00:00-05:00"  # 10000-01-01T04:00Z
BEFORE_YEAR_1 = "0001-01-01T00:00:00+05:00"  # year 0 in UTC


def _cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _global_id(type_name: str, key: str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode().rstrip("=")


def _payload_errors(response: Any, field: str) -> list[tuple[list[str], str]]:
    assert response.errors == [], response.errors
    return [(e["path"], e["code"]) for e in response.data[field]["errors"]]


@pytest.mark.parametrize(
    ("listing", "cursor"),
    [
        (PARTNERS_AFTER, _cursor(["Acme", 10**30])),
        (PARTNERS_AFTER, _cursor(["Acme", 2**31])),
        (PARTNERS_AFTER, _cursor(["Acme\u0000", 1])),
        (PARTNERS_AFTER, _cursor(["A" * 201, 1])),
        (CONTACTS_AFTER, _cursor([10**30])),
        (CONTACTS_AFTER, _cursor([-(2**63) - 1])),
        (AUDIT_AFTER, _cursor([10**30])),
    ],
    ids=[
        "31-digit-partner-id",
        "partner-id-beyond-integer",
        "name-with-nul",
        "name-longer-than-any",
        "31-digit-contact-id",
        "below-64-bit",
        "31-digit-audit-id",
    ],
)
async def test_a_cursor_holding_what_no_column_can_hold_is_bad_user_input(
    api: Api, listing: str, cursor: str
) -> None:
    # given
    admin, _ = await api.staff()
    await api.contact(await api.partner())
    # when
    response = await api.gql(listing, {"after": cursor}, token=admin)
    # then
    assert response.error_codes == ["BAD_USER_INPUT"]
    assert response.errors[0]["message"] == "`after` is not a cursor from this list."


async def test_a_cursor_at_the_largest_id_is_still_a_cursor(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner()
    # when
    response = await api.gql(PARTNERS_AFTER, {"after": _cursor(["Acme", 2**31 - 1])}, token=admin)
    # then
    assert response.errors == []
    assert response.data["partners"]["totalCount"] == 1


@pytest.mark.parametrize("key", ["2147483648", "99999999999", "999999999999999999"])
async def test_an_id_whose_key_no_column_can_hold_names_nothing(api: Api, key: str) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(NODE, {"id": _global_id("Partner", key)}, token=admin)
    # then
    assert response.errors == []
    assert response.data["node"] is None


async def test_a_search_of_100000_characters_is_bad_user_input(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner()
    # when
    response = await api.gql(SEARCH, {"search": "a" * 100_000}, token=admin)
    # then
    assert response.error_codes == ["BAD_USER_INPUT"]
    assert "at most 200 characters" in response.errors[0]["message"]


async def test_a_search_of_200_characters_runs(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner(name="P" * 200)
    # when
    response = await api.gql(SEARCH, {"search": "P" * 200}, token=admin)
    # then
    assert response.errors == []
    assert response.data["partners"]["totalCount"] == 1


async def test_a_search_holding_nul_is_bad_user_input(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(SEARCH, {"search": "Acme\u0000"}, token=admin)
    # then
    assert response.error_codes == ["BAD_USER_INPUT"]
    assert "NUL" in response.errors[0]["message"]


async def test_a_lookup_by_an_external_id_holding_nul_finds_nothing(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner(externalId="crm-1")
    # when
    response = await api.gql(BY_EXTERNAL_ID, {"externalId": "crm-1\u0000"}, token=admin)
    # then
    assert response.errors == []
    assert response.data["partner"] is None


NUMERIC_METRICS = {
    "money": ("partner.metrics.wonRevenue12m", "92233720368547758.07"),
    "whole number": ("partner.metrics.dealsWon12m", "2147483647"),
    "number": ("partner.metrics.engagementScore", "9007199254740991"),
}


@pytest.mark.parametrize("value", [10**40, -(10**40), "9" * 100_000, "1e400", 1e300])
@pytest.mark.parametrize("kind", list(NUMERIC_METRICS))
async def test_a_rule_number_beyond_what_the_database_compares_is_invalid_rule(
    api: Api, kind: str, value: Any
) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner()
    before = await snapshot(api)
    field, bound = NUMERIC_METRICS[kind]
    rule = {"field": field, "op": "gt", "value": value}
    # when
    created = await api.gql(
        CREATE_SEGMENT,
        {"input": {"key": "big", "name": "Big", "subject": "PARTNER", "rule": rule}},
        token=admin,
    )
    previewed = await api.gql(PREVIEW, {"rule": rule}, token=admin)
    # then
    assert _payload_errors(created, "createSegment") == [
        (["input", "rule", "value"], "INVALID_RULE")
    ]
    assert bound in created.data["createSegment"]["errors"][0]["message"]
    assert previewed.error_codes == ["INVALID_RULE"]
    assert previewed.errors[0]["extensions"]["errors"][0]["path"] == ["rule", "value"]
    assert await snapshot(api) == before


@pytest.mark.parametrize("sign", ["", "-"])
@pytest.mark.parametrize("kind", list(NUMERIC_METRICS))
async def test_a_rule_number_at_the_bound_is_compared_by_the_database(
    api: Api, kind: str, sign: str
) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner()
    field, bound = NUMERIC_METRICS[kind]
    op = "lt" if sign == "" else "gt"
    # when: every partner's metric (0) lies inside the bounds
    segment = await create_segment(
        api, admin, "at-the-bound", {"field": field, "op": op, "value": sign + bound}
    )
    previewed = await api.gql(
        PREVIEW, {"rule": {"field": field, "op": op, "value": sign + bound}}, token=admin
    )
    # then
    assert segment["memberCount"] == 1
    assert previewed.data["previewSegment"]["count"] == 1


@pytest.mark.parametrize(
    ("value", "says"),
    [("x" * 2001, "at most 2000 characters"), ("x" * 1_000_000, "at most 2000 characters")],
    ids=["one-over", "a-megabyte"],
)
async def test_a_rule_text_longer_than_any_stored_text_is_invalid_rule(
    api: Api, value: str, says: str
) -> None:
    # given
    admin, _ = await api.staff()
    before = await snapshot(api)
    rule = {"field": "partner.name", "op": "contains", "value": value}
    # when
    response = await api.gql(
        CREATE_SEGMENT,
        {"input": {"key": "long", "name": "Long", "subject": "PARTNER", "rule": rule}},
        token=admin,
    )
    # then
    assert _payload_errors(response, "createSegment") == [
        (["input", "rule", "value"], "INVALID_RULE")
    ]
    assert says in response.data["createSegment"]["errors"][0]["message"]
    assert await snapshot(api) == before


@pytest.mark.parametrize("value", [AFTER_YEAR_9999, BEFORE_YEAR_1])
async def test_a_rule_date_time_outside_years_1_to_9999_in_utc_is_invalid_rule(
    api: Api, value: str
) -> None:
    # given
    admin, _ = await api.staff()
    before = await snapshot(api)
    rule = {"field": "partner.joinedAt", "op": "gt", "value": value}
    # when
    response = await api.gql(
        CREATE_SEGMENT,
        {"input": {"key": "when", "name": "When", "subject": "PARTNER", "rule": rule}},
        token=admin,
    )
    # then
    assert _payload_errors(response, "createSegment") == [
        (["input", "rule", "value"], "INVALID_RULE")
    ]
    assert "year 1 to 9999" in response.data["createSegment"]["errors"][0]["message"]
    assert await snapshot(api) == before


@pytest.mark.parametrize(("op", "members"), [("eq", 1), ("lte", 1), ("gt", 0), ("lt", 0)])
async def test_the_last_day_of_year_9999_works_as_a_rule_date(
    api: Api, op: str, members: int
) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner(joinedAt="9999-12-31T23:59:59.999999+00:00")
    # when
    segment = await create_segment(
        api, admin, "last-day", {"field": "partner.joinedAt", "op": op, "value": "9999-12-31"}
    )
    # then
    assert segment["memberCount"] == members


@pytest.mark.parametrize("value", [AFTER_YEAR_9999, BEFORE_YEAR_1])
async def test_a_joined_at_outside_years_1_to_9999_in_utc_is_invalid_value_everywhere(
    api: Api, value: str
) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner(externalId="crm-1")
    before = await snapshot(api)
    # when
    created = await api.gql(
        CREATE_PARTNER_INPUT, {"input": {**NEW_PARTNER, "joinedAt": value}}, token=admin
    )
    updated = await api.gql(
        UPDATE_PARTNER, {"id": partner_id, "input": {"joinedAt": value}}, token=admin
    )
    upserted = await api.gql(
        UPSERT,
        {
            "inputs": [
                {**NEW_PARTNER, "externalId": "crm-2"},
                {"externalId": "crm-1", "joinedAt": value},
            ]
        },
        token=admin,
    )
    # then
    assert _payload_errors(created, "createPartner") == [(["input", "joinedAt"], "INVALID_VALUE")]
    assert _payload_errors(updated, "updatePartner") == [(["input", "joinedAt"], "INVALID_VALUE")]
    assert _payload_errors(upserted, "upsertPartners") == [
        (["inputs", "1", "joinedAt"], "INVALID_VALUE")
    ]
    assert value in created.data["createPartner"]["errors"][0]["message"]
    assert await snapshot(api) == before


@pytest.mark.parametrize(
    "joined_at", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"], ids=["first", "last"]
)
async def test_the_first_and_last_instants_of_the_calendar_are_stored(
    api: Api, joined_at: str
) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(
        CREATE_PARTNER_INPUT, {"input": {**NEW_PARTNER, "joinedAt": joined_at}}, token=admin
    )
    # then
    assert response.data["createPartner"]["errors"] == []
    assert response.data["createPartner"]["partner"]["joinedAt"] == joined_at


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("NUMBER", 10**40),
        ("NUMBER", "1e400"),
        ("NUMBER", 2**53),
        ("DATE", AFTER_YEAR_9999),
        ("DATE", BEFORE_YEAR_1),
    ],
    ids=[
        "number-1e40",
        "number-1e400-text",
        "number-2-to-the-53",
        "date-after-9999",
        "date-before-1",
    ],
)
async def test_an_attribute_value_the_database_cannot_hold_is_invalid_value(
    api: Api, kind: str, value: Any
) -> None:
    # given
    admin, _ = await api.staff()
    assert (await api.gql(DEFINE, {"key": "figure", "type": kind}, token=admin)).errors == []
    partner_id = await api.partner()
    before = await snapshot(api)
    # when
    response = await api.gql(
        UPDATE_PARTNER, {"id": partner_id, "input": {"attributes": {"figure": value}}}, token=admin
    )
    # then
    assert _payload_errors(response, "updatePartner") == [
        (["input", "attributes", "figure"], "INVALID_VALUE")
    ]
    assert await snapshot(api) == before


# ------------------------------------------------------- 2./3. free text: length and characters


@dataclass(frozen=True)
class TextInput:
    """One free-text input: how to send a value through the API, and where a refusal points."""

    document: str
    payload: str
    path: list[str]
    variables: Callable[[dict[str, str], str], dict[str, Any]]
    max_length: int
    multiline: bool = False


def _tiers(label: str) -> dict[str, Any]:
    rest = [{"value": v} for v in ("SILVER", "GOLD", "PLATINUM")]
    return {"values": [{"value": "REGISTERED", "label": label}, *rest]}


TEXT_INPUTS: dict[str, TextInput] = {
    "partner name": TextInput(
        CREATE_PARTNER_INPUT,
        "createPartner",
        ["input", "name"],
        lambda _, v: {"input": {**NEW_PARTNER, "name": v}},
        200,
    ),
    "partner externalId": TextInput(
        CREATE_PARTNER_INPUT,
        "createPartner",
        ["input", "externalId"],
        lambda _, v: {"input": {**NEW_PARTNER, "externalId": v}},
        128,
    ),
    "upserted externalId": TextInput(
        UPSERT,
        "upsertPartners",
        ["inputs", "0", "externalId"],
        lambda _, v: {"inputs": [{**NEW_PARTNER, "externalId": v}]},
        128,
    ),
    "partner vertical": TextInput(
        CREATE_PARTNER_INPUT,
        "createPartner",
        ["input", "verticals"],
        lambda _, v: {"input": {**NEW_PARTNER, "verticals": [v]}},
        100,
    ),
    "contact title": TextInput(
        UPDATE_CONTACT,
        "updateContact",
        ["title"],
        lambda ids, v: {"id": ids["contact"], "title": v},
        200,
    ),
    "segment name": TextInput(
        CREATE_SEGMENT,
        "createSegment",
        ["input", "name"],
        lambda _, v: {"input": {"key": "text", "name": v, "subject": "PARTNER"}},
        200,
    ),
    "segment description": TextInput(
        CREATE_SEGMENT,
        "createSegment",
        ["input", "description"],
        lambda _, v: {
            "input": {"key": "text", "name": "T", "subject": "PARTNER", "description": v}
        },
        2000,
        multiline=True,
    ),
    "picklist label": TextInput(
        SET_TIERS, "setPicklist", ["values", "0", "label"], lambda _, v: _tiers(v), 200
    ),
    "attribute label": TextInput(
        DEFINE,
        "defineAttribute",
        ["label"],
        lambda _, v: {"key": "region2", "type": "STRING", "label": v},
        200,
    ),
    "STRING attribute value": TextInput(
        UPDATE_PARTNER,
        "updatePartner",
        ["input", "attributes", "note"],
        lambda ids, v: {"id": ids["partner"], "input": {"attributes": {"note": v}}},
        2000,
        multiline=True,
    ),
    "STRING_LIST attribute item": TextInput(
        UPDATE_PARTNER,
        "updatePartner",
        ["input", "attributes", "labels"],
        lambda ids, v: {"id": ids["partner"], "input": {"attributes": {"labels": [v]}}},
        200,
    ),
    "API key name": TextInput(
        CREATE_API_KEY, "createApiKey", ["name"], lambda _, v: {"name": v}, 200
    ),
    "invited contact name": TextInput(
        INVITE,
        "inviteContact",
        ["name"],
        lambda ids, v: {"partnerId": ids["partner"], "email": "new@partner.example.com", "name": v},
        200,
    ),
}


@pytest.fixture
async def text_world(api: Api) -> tuple[str, dict[str, str]]:
    """(admin token, ids): a partner with a contact, and the attributes the inputs write."""
    admin, _ = await api.staff()
    for key, kind in (("note", "STRING"), ("labels", "STRING_LIST")):
        assert (await api.gql(DEFINE, {"key": key, "type": kind}, token=admin)).errors == []
    partner_id = await api.partner()
    _, contact_id = await api.contact(partner_id)
    return admin, {"partner": partner_id, "contact": contact_id}


async def _send(api: Api, admin: str, ids: dict[str, str], name: str, value: str) -> Any:
    field = TEXT_INPUTS[name]
    return await api.gql(field.document, field.variables(ids, value), token=admin)


@pytest.mark.parametrize("name", list(TEXT_INPUTS))
async def test_free_text_one_character_over_its_maximum_is_invalid_value(
    api: Api, text_world: tuple[str, dict[str, str]], name: str
) -> None:
    # given
    admin, ids = text_world
    field = TEXT_INPUTS[name]
    before = await snapshot(api)
    # when
    response = await _send(api, admin, ids, name, "x" * (field.max_length + 1))
    # then
    assert _payload_errors(response, field.payload) == [(field.path, "INVALID_VALUE")]
    assert (
        f"at most {field.max_length} characters"
        in response.data[field.payload]["errors"][0]["message"]
    )
    assert await snapshot(api) == before


@pytest.mark.parametrize("name", list(TEXT_INPUTS))
async def test_free_text_at_its_maximum_is_stored(
    api: Api, text_world: tuple[str, dict[str, str]], name: str
) -> None:
    # given
    admin, ids = text_world
    field = TEXT_INPUTS[name]
    # when
    response = await _send(api, admin, ids, name, "x" * field.max_length)
    # then
    assert response.errors == []
    assert response.data[field.payload]["errors"] == []


REFUSED_CHARACTERS = {
    "NUL": "\u0000",
    "BEL": "\u0007",
    "ESC": "\u001b",
    "DEL": "\u007f",
    "C1 NEL": "\u0085",
    "bidi override": "\u202e",
    "bidi isolate": "\u2066",
    "zero-width space": "\u200b",
    "byte order mark": "\ufeff",
    "line separator": "\u2028",
}


@pytest.mark.parametrize("character", ["NUL", "bidi override"])
@pytest.mark.parametrize("name", list(TEXT_INPUTS))
async def test_control_and_invisible_characters_are_refused_in_every_free_text_input(
    api: Api, text_world: tuple[str, dict[str, str]], name: str, character: str
) -> None:
    # given
    admin, ids = text_world
    field = TEXT_INPUTS[name]
    code_point = f"U+{ord(REFUSED_CHARACTERS[character]):04X}"
    before = await snapshot(api)
    # when
    response = await _send(api, admin, ids, name, f"Acme{REFUSED_CHARACTERS[character]}Corp")
    # then
    assert _payload_errors(response, field.payload) == [(field.path, "INVALID_VALUE")]
    message = response.data[field.payload]["errors"][0]["message"]
    assert code_point in message
    assert "control or invisible formatting characters" in message
    assert await snapshot(api) == before


@pytest.mark.parametrize("character", list(REFUSED_CHARACTERS))
async def test_each_kind_of_control_or_invisible_character_is_refused_in_a_name(
    api: Api, text_world: tuple[str, dict[str, str]], character: str
) -> None:
    # given
    admin, ids = text_world
    before = await snapshot(api)
    # when
    response = await _send(
        api, admin, ids, "partner name", f"Acme{REFUSED_CHARACTERS[character]}Corp"
    )
    # then
    assert _payload_errors(response, "createPartner") == [(["input", "name"], "INVALID_VALUE")]
    assert (
        f"U+{ord(REFUSED_CHARACTERS[character]):04X}"
        in (response.data["createPartner"]["errors"][0]["message"])
    )
    assert await snapshot(api) == before


@pytest.mark.parametrize("name", [n for n, f in TEXT_INPUTS.items() if not f.multiline])
async def test_tab_and_line_break_are_refused_in_single_line_text(
    api: Api, text_world: tuple[str, dict[str, str]], name: str
) -> None:
    # given
    admin, ids = text_world
    field = TEXT_INPUTS[name]
    # when
    tabbed = await _send(api, admin, ids, name, "Acme\tCorp")
    broken = await _send(api, admin, ids, name, "Acme\nCorp")
    # then
    assert _payload_errors(tabbed, field.payload) == [(field.path, "INVALID_VALUE")]
    assert _payload_errors(broken, field.payload) == [(field.path, "INVALID_VALUE")]


async def test_a_segment_description_keeps_its_tabs_and_line_breaks(
    api: Api, text_world: tuple[str, dict[str, str]]
) -> None:
    # given
    admin, ids = text_world
    description = "Gold partners in EMEA.\n\tRenewals: Q3.\r\nOwner: channel team."
    # when
    response = await _send(api, admin, ids, "segment description", description)
    # then
    assert response.data["createSegment"]["errors"] == []
    assert response.data["createSegment"]["segment"]["description"] == (
        "Gold partners in EMEA.\n\tRenewals: Q3.\nOwner: channel team."
    )


async def test_a_multi_line_description_still_refuses_a_bidi_override(
    api: Api, text_world: tuple[str, dict[str, str]]
) -> None:
    # given
    admin, ids = text_world
    # when
    response = await _send(api, admin, ids, "segment description", "Line one\nexe.\u202etxt")
    # then
    assert _payload_errors(response, "createSegment") == [
        (["input", "description"], "INVALID_VALUE")
    ]
    assert "other than tab and line break" in response.data["createSegment"]["errors"][0]["message"]


async def test_a_name_may_hold_the_zero_width_joiner_emoji_and_scripts_need(
    api: Api, text_world: tuple[str, dict[str, str]]
) -> None:
    # given
    admin, ids = text_world
    name = (
        "\U0001f469\u200d\U0001f4bb Dev Partners \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    )
    # when
    response = await _send(api, admin, ids, "partner name", name)
    # then
    assert response.data["createPartner"]["errors"] == []


@pytest.mark.parametrize(
    ("document", "variables", "payload", "path"),
    [
        (
            CREATE_PARTNER_INPUT,
            {"input": {**NEW_PARTNER, "externalId": "crm\u200d1"}},
            "createPartner",
            ["input", "externalId"],
        ),
        (
            CREATE_SEGMENT,
            {"input": {"key": "gold\n", "name": "Gold", "subject": "PARTNER"}},
            "createSegment",
            ["input", "key"],
        ),
        (DEFINE, {"key": "note\n", "type": "STRING"}, "defineAttribute", ["key"]),
        (
            SET_TIERS,
            {"values": [{"value": v} for v in ("REGISTERED\n", "SILVER", "GOLD", "PLATINUM")]},
            "setPicklist",
            ["values", "0", "value"],
        ),
        (
            CREATE_PARTNER_INPUT,
            {"input": {**NEW_PARTNER, "externalId": "crm\u00001"}},
            "createPartner",
            ["input", "externalId"],
        ),
    ],
    ids=[
        "external-id-joiner",
        "segment-key-newline",
        "attribute-key-newline",
        "picklist-value-newline",
        "external-id-nul",
    ],
)
async def test_identifiers_refuse_any_invisible_character_even_a_trailing_newline(
    api: Api, document: str, variables: dict[str, Any], payload: str, path: list[str]
) -> None:
    # given
    admin, _ = await api.staff()
    before = await snapshot(api)
    # when
    response = await api.gql(document, variables, token=admin)
    # then
    assert _payload_errors(response, payload) == [(path, "INVALID_VALUE")]
    assert await snapshot(api) == before


@pytest.mark.parametrize(
    "email",
    [
        "pat\u0000@partner.example.com",
        "pat\u202e@partner.example.com",
        "p\u200dat@partner.example.com",
    ],
    ids=["nul", "bidi-override", "joiner"],
)
async def test_an_email_with_a_control_or_invisible_character_is_invalid_value(
    api: Api, email: str
) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner()
    before = await snapshot(api)
    # when
    response = await api.gql(
        INVITE, {"partnerId": partner_id, "email": email, "name": "Pat"}, token=admin
    )
    # then
    assert _payload_errors(response, "inviteContact") == [(["email"], "INVALID_VALUE")]
    assert "U+" in response.data["inviteContact"]["errors"][0]["message"]
    assert await snapshot(api) == before


# ---------------------------------------------------------------- 4. inviting: no account probing

NOT_INVITABLE = (
    "This address cannot be invited from the partner portal; ask your channel manager to add "
    "this person."
)


def _invitation(partner_id: str, email: str, name: str = "New Person") -> dict[str, str]:
    return {"partnerId": partner_id, "email": email, "name": name}


async def test_an_invalid_name_is_reported_without_checking_the_address(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner()
    _, existing = await api.contact(partner_id)
    before = await snapshot(api)
    # when
    response = await api.gql(
        INVITE, _invitation(partner_id, await email_of(api, existing), name="  "), token=admin
    )
    # then
    assert _payload_errors(response, "inviteContact") == [(["name"], "INVALID_VALUE")]
    assert await snapshot(api) == before


async def test_a_partner_admin_cannot_learn_that_an_address_has_an_account_elsewhere(
    api: Api,
) -> None:
    # given
    own_company = await api.partner()
    admin_token, _ = await api.contact(own_company, ContactRole.ADMIN)
    _, elsewhere = await api.contact(await api.partner())
    _, staff_id = await api.staff()
    before = await snapshot(api)
    # when
    other_company = await api.gql(
        INVITE, _invitation(own_company, await email_of(api, elsewhere)), token=admin_token
    )
    staff_member = await api.gql(
        INVITE, _invitation(own_company, await email_of(api, staff_id)), token=admin_token
    )
    # then
    for response in (other_company, staff_member):
        assert _payload_errors(response, "inviteContact") == [(["email"], "INVALID_VALUE")]
        assert response.data["inviteContact"]["errors"][0]["message"] == NOT_INVITABLE
    assert await snapshot(api) == before


async def test_a_partner_admin_cannot_learn_that_an_address_is_invited_elsewhere(
    api: Api,
) -> None:
    # given
    own_company = await api.partner()
    admin_token, _ = await api.contact(own_company, ContactRole.ADMIN)
    staff_token, _ = await api.staff()
    other_company = await api.partner()
    invited = await api.gql(
        INVITE, _invitation(other_company, "wanted@partner.example.com"), token=staff_token
    )
    assert invited.data["inviteContact"]["errors"] == []
    before = await snapshot(api)
    # when
    response = await api.gql(
        INVITE, _invitation(own_company, "wanted@partner.example.com"), token=admin_token
    )
    # then
    assert _payload_errors(response, "inviteContact") == [(["email"], "INVALID_VALUE")]
    assert response.data["inviteContact"]["errors"][0]["message"] == NOT_INVITABLE
    assert await snapshot(api) == before


async def test_a_partner_admin_hears_duplicate_for_an_address_of_its_own_company(
    api: Api,
) -> None:
    # given
    own_company = await api.partner()
    admin_token, _ = await api.contact(own_company, ContactRole.ADMIN)
    _, colleague = await api.contact(own_company)
    before = await snapshot(api)
    # when
    response = await api.gql(
        INVITE, _invitation(own_company, await email_of(api, colleague)), token=admin_token
    )
    # then
    assert _payload_errors(response, "inviteContact") == [(["email"], "DUPLICATE")]
    assert await snapshot(api) == before


async def test_staff_still_hear_duplicate_for_an_address_used_in_another_company(
    api: Api,
) -> None:
    # given
    staff_token, _ = await api.staff()
    _, elsewhere = await api.contact(await api.partner())
    target = await api.partner()
    # when
    response = await api.gql(
        INVITE, _invitation(target, await email_of(api, elsewhere)), token=staff_token
    )
    # then
    assert _payload_errors(response, "inviteContact") == [(["email"], "DUPLICATE")]
    assert await count(api, Contact) == 1


async def test_a_partner_admin_reinviting_a_still_invited_colleague_renews_the_invitation(
    api: Api,
) -> None:
    # given
    own_company = await api.partner()
    admin_token, _ = await api.contact(own_company, ContactRole.ADMIN)
    first = await api.gql(
        INVITE, _invitation(own_company, "new@partner.example.com"), token=admin_token
    )
    # when
    second = await api.gql(
        INVITE, _invitation(own_company, "new@partner.example.com"), token=admin_token
    )
    # then
    assert second.data["inviteContact"]["errors"] == []
    assert (
        second.data["inviteContact"]["contact"]["id"]
        == first.data["inviteContact"]["contact"]["id"]
    )
    assert await count(api, Contact) == 2


async def test_an_unpaired_surrogate_is_refused_and_the_refusal_is_still_audited(
    api: Api,
) -> None:
    # given: JSON can escape half of a UTF-16 pair, which no database text can hold
    admin, _ = await api.staff()
    before = await snapshot(api)
    document = CREATE_PARTNER_INPUT.replace("\n", " ")
    body = json.dumps({"query": document, "variables": {"input": {**NEW_PARTNER, "name": "X"}}})
    body = body.replace('"name": "X"', '"name": "Acme \\ud800 Corp"')
    # when
    response = await _post(api, body.encode(), admin)
    # then
    errors = response.json()["data"]["createPartner"]["errors"]
    assert [(e["path"], e["code"]) for e in errors] == [(["input", "name"], "INVALID_VALUE")]
    assert "U+D800 (an unpaired surrogate)" in errors[0]["message"]
    assert await snapshot(api) == before
    assert await count(api, AuditEntry, AuditEntry.outcome == "REFUSED") == 1
