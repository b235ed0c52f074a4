"""Traces, the access line and the domain's metrics, in process (docs/deploy.md, "Observability").

The real server with two workers is in test_served_observability.py.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client import REGISTRY

from domain import telemetry
from domain.db import Database
from server.app import create_app
from server.logs import JsonFormatter
from server.settings import Settings
from server.tracing import REQUEST_ID_ATTRIBUTE
from tests.support import PASSWORD, Api, create_segment

PARTNERS = "query Partners { partners(first: 5) { edges { node { id name } } } }"
LOGIN = (
    "mutation SignIn($email: String!, $password: String!) "
    "{ login(email: $email, password: $password) { token errors { code } } }"
)
UPDATE_PARTNER = """
mutation($id: ID!, $input: PartnerInput!) {
  updatePartner(id: $id, input: $input) { errors { code } }
}
"""
GOLD = {"field": "partner.tier", "op": "eq", "value": "GOLD"}


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
async def traced(
    settings: Settings, db: Database
) -> AsyncIterator[tuple[Api, InMemorySpanExporter]]:
    """An application whose spans are kept in memory, and a client of it."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(settings, tracer_provider=provider)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, db), exporter


def _of_request(spans: tuple[ReadableSpan, ...], request_id: str) -> list[ReadableSpan]:
    return [s for s in spans if (s.attributes or {}).get(REQUEST_ID_ATTRIBUTE) == request_id]


async def test_a_request_is_traced_from_http_through_resolvers_to_sql_with_its_request_id(
    traced: tuple[Api, InMemorySpanExporter],
) -> None:
    # given a staff member and some partners
    api, exporter = traced
    token, _ = await api.staff()
    await api.partner(name="Traced Partner")
    exporter.clear()

    # when it lists partners
    response = await api.client.post(
        "/graphql", json={"query": PARTNERS}, headers={"Authorization": f"Bearer {token}"}
    )

    # then the request, its resolvers and its SQL are spans of one trace with its request id
    assert response.status_code == 200
    spans = _of_request(exporter.get_finished_spans(), response.headers["x-request-id"])
    (request,) = [s for s in spans if s.name == "POST /graphql"]
    assert request.kind is SpanKind.SERVER
    assert (request.attributes or {})["http.response.status_code"] == 200
    resolvers = [s for s in spans if s.name == "GraphQL Resolving: partners"]
    sql = [s for s in spans if "db.statement" in (s.attributes or {})]
    assert len(resolvers) == 1
    assert any("partners" in str((s.attributes or {})["db.statement"]) for s in sql)
    assert request.context is not None
    assert {s.context.trace_id for s in spans if s.context} == {request.context.trace_id}


async def test_a_dataloader_batch_is_a_span_with_its_statements_beneath(
    traced: tuple[Api, InMemorySpanExporter],
) -> None:
    # given two partners with a contact each
    api, exporter = traced
    token, _ = await api.staff()
    for _ in range(2):
        await api.contact(await api.partner(), sign_in=False)
    exporter.clear()

    # when their contacts are listed (one batch for both partners)
    document = (
        "{ partners(first: 5) { edges { node { contacts(first: 2) { edges { node { id } } } } } } }"
    )
    response = await api.client.post(
        "/graphql", json={"query": document}, headers={"Authorization": f"Bearer {token}"}
    )

    # then the batch is one span, and the statement it ran is its child
    assert response.status_code == 200
    spans = _of_request(exporter.get_finished_spans(), response.headers["x-request-id"])
    (batch,) = [s for s in spans if s.name == "batch contact_page_by_partner_id"]
    assert (batch.attributes or {})["partnerscope.batch.keys"] == 2
    assert batch.context is not None
    beneath = [
        s for s in spans if s.parent is not None and s.parent.span_id == batch.context.span_id
    ]
    assert any("contacts" in str((s.attributes or {}).get("db.statement", "")) for s in beneath)


async def test_spans_hold_neither_the_document_nor_argument_values(
    traced: tuple[Api, InMemorySpanExporter],
) -> None:
    # given a contact
    api, exporter = traced
    partner_id = await api.partner()
    _, contact_id = await api.contact(partner_id)
    email = await _email_of(api, contact_id)
    exporter.clear()

    # when it signs in, the password written inline in the document
    document = f'mutation {{ login(email: "{email}", password: "{PASSWORD}") {{ token }} }}'
    response = await api.client.post("/graphql", json={"query": document})

    # then no span attribute holds the password or the document
    assert response.json()["data"]["login"]["token"]
    values = [
        str(value)
        for span in exporter.get_finished_spans()
        for value in (span.attributes or {}).values()
    ]
    assert values
    assert not [v for v in values if PASSWORD in v or "login(" in v]


async def _email_of(api: Api, contact_id: str) -> str:
    from domain import ids
    from domain.models import Contact

    async with api.db.read() as session:
        contact = await session.get(Contact, ids.decode_as(contact_id, "Contact"))
    assert contact is not None
    return str(contact.email)


async def test_the_access_line_is_json_with_who_asked_what_and_no_secret(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    # given a contact that can sign in
    partner_id = await api.partner()
    _, contact_id = await api.contact(partner_id)
    email = await _email_of(api, contact_id)

    # when it signs in (the password a variable) and reads with its token
    with caplog.at_level(logging.INFO, logger="partnerscope.access"):
        login = await api.gql(LOGIN, {"email": email, "password": PASSWORD})
        token = login.data["login"]["token"]
        read = await api.gql(PARTNERS, token=token)
    lines = [
        json.loads(JsonFormatter().format(r))
        for r in caplog.records
        if r.name == "partnerscope.access"
    ]

    # then one JSON line per request names the operation, the principal and the outcome
    assert [(line["operation"], line["principal"], line["outcome"]) for line in lines] == [
        ("SignIn", "anonymous", "ok"),
        ("Partners", "contact", "ok"),
    ]
    assert [line["requestId"] for line in lines] == [
        login.headers["x-request-id"],
        read.headers["x-request-id"],
    ]
    assert {line["status"] for line in lines} == {200}
    assert all(line["durationMs"] >= 0 for line in lines)
    written = json.dumps(lines)
    assert PASSWORD not in written
    assert token not in written
    assert email not in written


async def test_an_error_answer_is_logged_and_counted_with_its_code(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    # given the counters as they are
    before = sample("partnerscope_graphql_errors_total", code="UNAUTHENTICATED")
    requests = sample("partnerscope_requests_total", operation="Partners", outcome="error")

    # when a stranger lists partners
    with caplog.at_level(logging.INFO, logger="partnerscope.access"):
        response = await api.gql(PARTNERS)

    # then the error's code is in the access line and the counters
    assert response.error_codes == ["UNAUTHENTICATED"]
    (record,) = [r for r in caplog.records if r.name == "partnerscope.access"]
    line = json.loads(JsonFormatter().format(record))
    assert (line["outcome"], line["errors"], line["principal"]) == (
        "error",
        ["UNAUTHENTICATED"],
        "anonymous",
    )
    assert sample("partnerscope_graphql_errors_total", code="UNAUTHENTICATED") == before + 1
    assert (
        sample("partnerscope_requests_total", operation="Partners", outcome="error") == requests + 1
    )


async def test_membership_moves_are_counted_by_cause_with_the_rows_written(api: Api) -> None:
    # given three Gold partners and the counters as they are
    token, _ = await api.staff()
    partners = [await api.partner(tier="GOLD") for _ in range(3)]
    joined = sample("partnerscope_membership_moves_total", cause="rule_change", change="joined")
    left = sample("partnerscope_membership_moves_total", cause="attribute_change", change="left")
    recomputes = sample("partnerscope_recompute_duration_seconds_count", cause="rule_change")

    # when a segment of Gold partners is created, and one partner drops to Silver
    await create_segment(api, token, "gold-watch", GOLD)
    response = await api.gql(
        UPDATE_PARTNER, {"id": partners[0], "input": {"tier": "SILVER"}}, token=token
    )

    # then three joins by the rule and one leave by the data change are counted
    assert response.data["updatePartner"]["errors"] == []
    assert (
        sample("partnerscope_membership_moves_total", cause="rule_change", change="joined")
        == joined + 3
    )
    assert (
        sample("partnerscope_membership_moves_total", cause="attribute_change", change="left")
        == left + 1
    )
    assert sample("partnerscope_recompute_duration_seconds_count", cause="rule_change") == (
        recomputes + 1
    )


class Moves:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int]] = []

    def membership_moves(self, cause: str, change: str, count: int) -> None:
        self.seen.append((cause, change, count))

    def recompute_seconds(self, cause: str, seconds: float) -> None:
        return None

    def scheduled_run_seconds(self, seconds: float) -> None:
        return None

    def sign_in_throttled(self, flow: str) -> None:
        return None

    def mutation_errors(self, mutation: str, code: str, count: int) -> None:
        return None


async def _count_then_fail(db: Database) -> None:
    async with db.write() as session:
        telemetry.count_moves(session, "MANUAL", "LEFT", 5)
        raise RuntimeError("changed my mind")


async def test_moves_of_a_transaction_that_rolls_back_are_not_counted(db: Database) -> None:
    # given a recorder
    previous = telemetry.recorder()
    moves = Moves()
    telemetry.install(moves)
    try:
        # when one transaction commits its moves and another rolls them back
        async with db.write() as session:
            telemetry.count_moves(session, "MANUAL", "JOINED", 2)
        with pytest.raises(RuntimeError):
            await _count_then_fail(db)
    finally:
        telemetry.install(previous if previous is not telemetry.NOTHING else None)

    # then only the committed ones are counted, once
    assert moves.seen == [("MANUAL", "JOINED", 2)]


async def test_a_throttled_sign_in_is_counted(api: Api) -> None:
    # given an address that failed too often (the default allows 10 per account)
    before = sample("partnerscope_sign_in_throttled_total", flow="login")
    for _ in range(10):
        await api.gql(LOGIN, {"email": "nobody@example.com", "password": "wrong password"})

    # when it tries again
    response = await api.gql(LOGIN, {"email": "nobody@example.com", "password": "wrong password"})

    # then it is refused and counted
    codes = [e["code"] for e in response.data["login"]["errors"]]
    assert codes == ["TOO_MANY_ATTEMPTS"]
    assert sample("partnerscope_sign_in_throttled_total", flow="login") == before + 1


async def test_metrics_are_open_without_a_token_and_gone_when_turned_off(
    settings: Settings, app: Any
) -> None:
    # given the default application and one with metrics turned off
    off = create_app(settings.model_copy(update={"metrics_enabled": False}))

    # when each is scraped
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        open_scrape = await client.get("/metrics")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=off), base_url="http://testserver"
    ) as client:
        no_scrape = await client.get("/metrics")

    # then the first answers in the Prometheus text format, the second has no such page
    assert open_scrape.status_code == 200
    assert open_scrape.headers["content-type"].startswith("text/plain")
    assert "partnerscope_requests_total" in open_scrape.text
    assert no_scrape.status_code == 404


CREATE_PARTNER = """mutation($input: PartnerInput!) {
  createPartner(input: $input) { partner { id } errors { path code } } }"""


async def test_a_mutation_that_answers_problems_counts_each_by_code(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    invalid = sample(
        "partnerscope_mutation_errors_total", mutation="createPartner", code="INVALID_VALUE"
    )
    required = sample(
        "partnerscope_mutation_errors_total", mutation="createPartner", code="REQUIRED"
    )
    # when: one refused input with two problems of one kind and one of another, and one
    # accepted input
    refused = await api.gql(
        CREATE_PARTNER,
        {"input": {"name": " ", "type": "NOT_A_TYPE", "tier": "NOT_A_TIER", "region": "EMEA"}},
        token=admin,
    )
    accepted = await api.gql(
        CREATE_PARTNER,
        {
            "input": {
                "name": "Counted Ltd",
                "type": "MSP",
                "tier": "GOLD",
                "region": "EMEA",
                "phase": "ACTIVE",
            }
        },
        token=admin,
    )
    # then
    codes = sorted(e["code"] for e in refused.data["createPartner"]["errors"])
    assert accepted.data["createPartner"]["errors"] == []
    assert codes == ["INVALID_VALUE", "INVALID_VALUE", "INVALID_VALUE", "REQUIRED"], codes
    assert sample(
        "partnerscope_mutation_errors_total", mutation="createPartner", code="INVALID_VALUE"
    ) == invalid + codes.count("INVALID_VALUE")
    assert sample(
        "partnerscope_mutation_errors_total", mutation="createPartner", code="REQUIRED"
    ) == required + codes.count("REQUIRED")
