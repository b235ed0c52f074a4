"""Input at the edge: each attack a hostile client can send, and the clear refusal it gets.

Requests GraphQL cannot read are HTTP 400 with the GraphQL error shape and the request id;
values the database cannot hold are refused before they reach it; control and invisible
characters never reach stored text; slow bodies are cut off. docs/api.md, "Limits".
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn

from domain.models import Partner
from resolvers import access as access_resolvers
from server.app import create_app
from server.settings import Settings
from tests.records import count, snapshot
from tests.support import Api

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
