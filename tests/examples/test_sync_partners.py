"""examples/sync_partners.py against a real server: an integrator's CSV sync with an API key.

Contract: `upsertPartners` (keyed by externalId, all or nothing), API keys with
`partners:write`; docs/api.md "Identity" and "Limits".
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import ROOT, STAFF_EMAIL, STAFF_PASSWORD, LiveServer, live_server

pytest.importorskip("gql", reason="the example needs gql[httpx]: pip install -e '.[dev]'")
from examples.sync_partners import Problem, run

SCRIPT = ROOT / "examples" / "sync_partners.py"
SAMPLE = ROOT / "examples" / "partners.csv"
CREATE_KEY = """
mutation { createApiKey(name: "CRM sync", scopes: ["partners:write"]) { secret errors { code } } }
"""
PARTNERS = """
{ partners(first: 100) { edges { node { externalId name tier verticals } } } }
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("integrator"), demo=False) as live:
        yield live


@pytest.fixture(scope="module")
def staff_token(server: LiveServer) -> str:
    return server.login(STAFF_EMAIL, STAFF_PASSWORD)


@pytest.fixture(scope="module")
def api_key(server: LiveServer, staff_token: str) -> str:
    payload = server.gql(CREATE_KEY, token=staff_token)["createApiKey"]
    assert payload["errors"] == []
    secret: str = payload["secret"]
    return secret


def partners_by_external_id(server: LiveServer, token: str) -> dict[str, dict[str, object]]:
    edges = server.gql(PARTNERS, token=token)["partners"]["edges"]
    return {e["node"]["externalId"]: e["node"] for e in edges}


def test_sample_export_syncs_every_good_row_and_reports_the_bad_one_by_its_line(
    server: LiveServer, staff_token: str, api_key: str
) -> None:
    # when: the script runs as an integrator would, in batches of two
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(SAMPLE), "--url", server.graphql, "--batch-size", "2"],
        env={"PARTNERSCOPE_API_KEY": api_key, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    # then: crm-1004 (line 5, tier BRONZE) is refused; its batch-mate crm-1003 still synced
    assert done.returncode == 1, done.stderr
    assert "created 4, updated 0, refused 1 row" in done.stdout
    assert "row 5 (crm-1004): tier: INVALID_VALUE:" in done.stdout
    partners = partners_by_external_id(server, staff_token)
    assert {"crm-1001", "crm-1002", "crm-1003", "crm-1005"} <= partners.keys()
    assert "crm-1004" not in partners
    assert partners["crm-1001"]["verticals"] == ["Manufacturing", "Retail"]


async def test_throttled_requests_are_retried_after_what_retry_after_asks(
    server: LiveServer, staff_token: str, api_key: str, tmp_path: Path
) -> None:
    # given: a proxy that refuses the first two requests (429, then 503) with Retry-After
    export = tmp_path / "export.csv"
    export.write_text(
        "externalId,name,type,tier,region,phase\n"
        "crm-2001,Fjord Analytics,ISV,SILVER,EMEA,ACTIVE\n"
        "crm-2002,Glacier IT,MSP,GOLD,EMEA,ACTIVE\n"
        "crm-2001,Fjord Analytics AS,ISV,GOLD,EMEA,ACTIVE\n"
    )
    upstream = httpx.AsyncHTTPTransport()
    refusals = [429, 503]
    seen: list[int] = []

    async def handle(request: httpx.Request) -> httpx.Response:
        if refusals:
            status = refusals.pop(0)
            seen.append(status)
            return httpx.Response(status, headers={"Retry-After": "0"}, text="slow down")
        response = await upstream.handle_async_request(request)
        seen.append(response.status_code)
        return response

    # when
    report = await run(
        export, server.graphql, api_key, batch_size=2, http_transport=httpx.MockTransport(handle)
    )
    # then
    assert seen == [429, 503, 200, 200]
    assert (report.created, report.updated, report.retries, report.problems) == (2, 1, 2, [])
    partners = partners_by_external_id(server, staff_token)
    assert partners["crm-2001"]["name"] == "Fjord Analytics AS"
    assert partners["crm-2001"]["tier"] == "GOLD"


async def test_every_refused_row_is_reported_with_its_line_and_field(
    server: LiveServer, api_key: str, tmp_path: Path
) -> None:
    # given: two bad rows in one batch, after a row whose quoted cell spans two lines
    export = tmp_path / "export.csv"
    export.write_text(
        "externalId,name,type,tier,region,phase,verticals\n"
        'crm-3001,Harbor Consulting,RESELLER,GOLD,EMEA,ACTIVE,"Retail;\nHealthcare"\n'
        "crm-3002,Isle Systems,RESELLER,GOLD,MOON,ACTIVE\n"
        ",No Id Ltd,RESELLER,GOLD,EMEA,ACTIVE\n"
    )
    # when
    report = await run(export, server.graphql, api_key, batch_size=10)
    # then
    assert report.created == 1
    assert [(p.line, p.external_id, p.field, p.code) for p in report.problems] == [
        (4, "crm-3002", "region", "INVALID_VALUE"),
        (5, None, "externalId", "REQUIRED"),
    ]
    assert all(isinstance(p, Problem) for p in report.problems)
