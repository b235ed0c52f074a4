"""A database that goes away or stops answering: every request ends within its bound, with
the contract's error shape and a request id, and service resumes by itself afterwards.

PostgreSQL only: the app under test reaches the test database through a TCP proxy
(tests/faulty_link.py) that can cut the link (an outage) or freeze it (a stall), and runs
with short bounds (docs/api.md, "When the database fails").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from domain.models import Partner
from server.app import HEALTH_CHECK_SECONDS, create_app
from server.settings import Settings
from tests.faulty_link import FaultyLink
from tests.records import pk
from tests.support import Api, create_api_key

STATEMENT_SECONDS = 1.0
REQUEST_SECONDS = 2.5
# Wall-clock slack on every bound: these are bounds, not benchmarks.
MARGIN_SECONDS = 1.5

VIEWER = "{ viewer { id } }"
TYPENAME = "{ __typename }"
LOGIN = """
mutation { login(email: "nobody@vendor.example.com", password: "irrelevant") { token } }
"""
RENAME = """
mutation($id: ID!) { updatePartner(id: $id, input: {name: "Renamed"}) { errors { code } } }
"""


@pytest.fixture
async def link(settings: Settings) -> AsyncIterator[FaultyLink]:
    """A proxy in front of the test database's PostgreSQL server."""
    url = make_url(settings.database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("fault tests run on PostgreSQL (PARTNERSCOPE_TEST_DATABASE_URL)")
    proxy = FaultyLink(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.fixture
async def client(settings: Settings, link: FaultyLink, api: Api) -> AsyncIterator[Any]:
    """The app, reaching the test database through `link`, with short bounds."""
    through_link = make_url(settings.database_url).set(host="127.0.0.1", port=link.port)
    application = create_app(
        settings.model_copy(
            update={
                "database_url": through_link.render_as_string(hide_password=False),
                "database_statement_timeout_seconds": STATEMENT_SECONDS,
                "database_connect_timeout_seconds": 1.0,
                "database_pool_timeout_seconds": 1.0,
                "request_timeout_seconds": REQUEST_SECONDS,
                "recompute_interval_seconds": 0,
            }
        )
    )
    transport = httpx.ASGITransport(app=application)
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        yield http


async def _post(client: httpx.AsyncClient, query: str, credential: str | None = None) -> Any:
    headers = {"Authorization": credential} if credential else {}
    return await client.post("/graphql", json={"query": query}, headers=headers)


async def _timed(request: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await request
    return response, time.monotonic() - started


def _unavailable(response: httpx.Response) -> str:
    """The message of a 503 in the contract's error shape; checks the code and request id."""
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    body = response.json()
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": response.headers["X-Request-Id"],
    }
    return error["message"]


async def _credentials(api: Api) -> dict[str, str]:
    admin, _ = await api.staff()
    return {
        "bearer token": f"Bearer {admin}",
        "API key": f"ApiKey {await create_api_key(api, admin, 'partners:read')}",
    }


# ---------------------------------------------------------------- outage


async def test_during_an_outage_signed_in_requests_are_a_503_with_the_request_id(
    api: Api, link: FaultyLink, client: httpx.AsyncClient
) -> None:
    # given
    credentials = await _credentials(api)
    for credential in credentials.values():
        assert (await _post(client, VIEWER, credential)).status_code == 200
    # when
    await link.cut()
    answers = {kind: await _post(client, VIEWER, c) for kind, c in credentials.items()}
    # then
    for answer in answers.values():
        assert "database is unavailable" in _unavailable(answer)


async def test_during_an_outage_requests_that_need_no_database_still_work(
    link: FaultyLink, client: httpx.AsyncClient
) -> None:
    # given
    await link.cut()
    # when
    typename = await _post(client, TYPENAME)
    graphiql = await client.get("/graphql", headers={"Accept": "text/html"})
    # then
    assert typename.status_code == 200
    assert typename.json() == {"data": {"__typename": "Query"}}
    assert graphiql.status_code == 200
    assert "graphiql" in graphiql.text.lower()


async def test_during_an_outage_a_field_that_needs_the_database_is_an_internal_error(
    link: FaultyLink, client: httpx.AsyncClient
) -> None:
    # given
    await link.cut()
    # when
    response = await _post(client, LOGIN)
    # then
    (error,) = response.json()["errors"]
    assert error["path"] == ["login"]
    assert error["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": response.headers["X-Request-Id"],
    }


async def test_during_an_outage_healthz_answers_503_at_once(
    link: FaultyLink, client: httpx.AsyncClient
) -> None:
    # given
    await link.cut()
    # when
    response, seconds = await _timed(client.get("/healthz"))
    # then
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    assert seconds < HEALTH_CHECK_SECONDS


async def test_requests_succeed_again_once_an_outage_ends(
    api: Api, link: FaultyLink, client: httpx.AsyncClient
) -> None:
    # given: pooled connections that the outage closed
    credential = (await _credentials(api))["bearer token"]
    assert (await _post(client, VIEWER, credential)).status_code == 200
    await link.cut()
    _unavailable(await _post(client, VIEWER, credential))
    # when
    await link.resume()
    response = await _post(client, VIEWER, credential)
    # then
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["id"] != ""
    assert (await client.get("/healthz")).status_code == 200


# ---------------------------------------------------------------- stall


async def test_during_a_stall_requests_and_healthz_answer_within_their_bounds(
    api: Api, link: FaultyLink, client: httpx.AsyncClient
) -> None:
    # given: a pooled connection, then a network that delivers nothing
    credential = (await _credentials(api))["bearer token"]
    assert (await _post(client, VIEWER, credential)).status_code == 200
    link.freeze()
    # when
    (signed_in, signed_in_s), (health, health_s), (typename, typename_s) = await asyncio.gather(
        _timed(_post(client, VIEWER, credential)),
        _timed(client.get("/healthz")),
        _timed(_post(client, TYPENAME)),
    )
    # then
    _unavailable(signed_in)
    assert signed_in_s < REQUEST_SECONDS + MARGIN_SECONDS
    assert health.status_code == 503
    assert health_s < HEALTH_CHECK_SECONDS + MARGIN_SECONDS
    assert typename.json() == {"data": {"__typename": "Query"}}
    assert typename_s < MARGIN_SECONDS


async def test_requests_succeed_again_once_a_stall_ends(
    api: Api, link: FaultyLink, client: httpx.AsyncClient
) -> None:
    # given: a request that gave up on a stalled connection
    credential = (await _credentials(api))["bearer token"]
    assert (await _post(client, VIEWER, credential)).status_code == 200
    link.freeze()
    _unavailable(await _post(client, VIEWER, credential))
    # when
    await link.resume()
    response = await _post(client, VIEWER, credential)
    # then
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["id"] != ""


# ---------------------------------------------------------------- slow statement


async def test_a_statement_stuck_behind_a_lock_ends_at_the_statement_timeout(
    api: Api, client: httpx.AsyncClient
) -> None:
    # given: another transaction holds the partner's row lock
    admin = (await _credentials(api))["bearer token"]
    partner_id = await api.partner(name="Locked")
    async with api.db.engine.connect() as holder:
        await holder.execute(
            select(Partner.id).where(Partner.id == pk(partner_id)).with_for_update()
        )
        # when
        response, seconds = await _timed(
            client.post(
                "/graphql",
                json={"query": RENAME, "variables": {"id": partner_id}},
                headers={"Authorization": admin},
            )
        )
        await holder.rollback()
    # then
    (error,) = response.json()["errors"]
    assert error["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": response.headers["X-Request-Id"],
    }
    assert seconds < STATEMENT_SECONDS + MARGIN_SECONDS
    async with api.db.read() as session:
        assert await session.scalar(select(Partner.name).where(Partner.id == pk(partner_id))) == (
            "Locked"
        )
