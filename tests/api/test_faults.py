"""A database that goes away or stops answering: every request ends within its bound, with
the contract's error shape and a request id, and service resumes by itself afterwards.

The app under test runs with short bounds (docs/api.md, "When the database fails"). For
outages and stalls (PostgreSQL only) it reaches the test database through a TCP proxy
(tests/faulty_link.py) that can cut the link or freeze it; the request deadline is also
tested on SQLite.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from domain.models import Partner
from domain.services import partners as partner_service
from server.app import HEALTH_CHECK_SECONDS, create_app
from server.settings import Settings
from tests.faulty_link import FaultyLink
from tests.records import count, pk
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
CREATE = """
mutation { createPartner(input: {name: "Late", type: "MSP", tier: "GOLD", region: "EMEA",
                                 phase: "ACTIVE"}) { errors { code } } }
"""


def _bounded(settings: Settings, **update: Any) -> Settings:
    """`settings` with the short bounds of these tests."""
    return settings.model_copy(
        update={
            "database_statement_timeout_seconds": STATEMENT_SECONDS,
            "database_connect_timeout_seconds": 1.0,
            "database_pool_timeout_seconds": 1.0,
            "request_timeout_seconds": REQUEST_SECONDS,
            "recompute_interval_seconds": 0,
            **update,
        }
    )


@asynccontextmanager
async def _serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings)
    transport = httpx.ASGITransport(app=application)
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        yield http


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
async def client(
    settings: Settings, link: FaultyLink, api: Api
) -> AsyncIterator[httpx.AsyncClient]:
    """The app, reaching the test database through `link`, with short bounds."""
    through_link = make_url(settings.database_url).set(host="127.0.0.1", port=link.port)
    url = through_link.render_as_string(hide_password=False)
    async with _serving(_bounded(settings, database_url=url)) as http:
        yield http


async def _post(
    client: httpx.AsyncClient, query: str, credential: str | None = None
) -> httpx.Response:
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


async def _bearer(api: Api) -> str:
    """The Authorization header of a new vendor admin."""
    token, _ = await api.staff()
    return f"Bearer {token}"


# ---------------------------------------------------------------- outage


async def test_during_an_outage_signed_in_requests_are_a_503_with_the_request_id(
    api: Api, link: FaultyLink, client: httpx.AsyncClient
) -> None:
    # given: both kinds of credentials are checked against the database
    bearer = await _bearer(api)
    api_key = await create_api_key(api, bearer.removeprefix("Bearer "), "partners:read")
    credentials = {"bearer token": bearer, "API key": f"ApiKey {api_key}"}
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
    credential = await _bearer(api)
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


async def test_during_a_stall_healthz_answers_503_within_its_bound(
    link: FaultyLink, client: httpx.AsyncClient
) -> None:
    # given: a pooled connection, then a network that delivers nothing
    assert (await client.get("/healthz")).status_code == 200
    link.freeze()
    # when
    response, seconds = await _timed(client.get("/healthz"))
    # then
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    assert seconds < HEALTH_CHECK_SECONDS + MARGIN_SECONDS


async def test_during_a_stall_requests_answer_within_the_request_deadline(
    api: Api, link: FaultyLink, client: httpx.AsyncClient
) -> None:
    # given: a pooled connection, then a network that delivers nothing
    credential = await _bearer(api)
    assert (await _post(client, VIEWER, credential)).status_code == 200
    link.freeze()
    # when
    (signed_in, signed_in_s), (typename, typename_s) = await asyncio.gather(
        _timed(_post(client, VIEWER, credential)), _timed(_post(client, TYPENAME))
    )
    # then: the signed-in one is stopped; the one that needs no database is not held up
    _unavailable(signed_in)
    assert signed_in_s < REQUEST_SECONDS + MARGIN_SECONDS
    assert typename.json() == {"data": {"__typename": "Query"}}
    assert typename_s < MARGIN_SECONDS


async def test_requests_succeed_again_once_a_stall_ends(
    api: Api, link: FaultyLink, client: httpx.AsyncClient
) -> None:
    # given: a request that gave up on a stalled connection
    credential = await _bearer(api)
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
    admin = await _bearer(api)
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
    # then: the field reports it (not the request deadline), and nothing was written
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error["path"] == ["updatePartner"]
    assert error["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": response.headers["X-Request-Id"],
    }
    assert seconds < STATEMENT_SECONDS + MARGIN_SECONDS
    async with api.db.read() as session:
        name = await session.scalar(select(Partner.name).where(Partner.id == pk(partner_id)))
    assert name == "Locked"


# ---------------------------------------------------------------- request deadline


async def test_a_request_past_its_deadline_is_a_503_and_writes_nothing(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: creating a partner that writes, then stalls inside its transaction
    admin = await _bearer(api)
    create = partner_service.create_partner

    async def create_then_stall(uow: Any, patch: Any) -> Any:
        created = await create(uow, patch)
        await uow.session.flush()
        await asyncio.sleep(60)
        return created

    monkeypatch.setattr(partner_service, "create_partner", create_then_stall)
    async with _serving(_bounded(settings, request_timeout_seconds=0.5)) as client:
        # when
        response, seconds = await _timed(_post(client, CREATE, admin))
        after = await _post(client, VIEWER, admin)
    # then
    assert "did not complete within 0.5 s" in _unavailable(response)
    assert seconds < 0.5 + MARGIN_SECONDS
    assert await count(api, Partner) == 0
    assert after.status_code == 200
