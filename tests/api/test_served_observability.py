"""`partnerscope serve --workers 2` for real: /metrics sums both workers, the access log is
one JSON line per request without secrets, and a metrics token keeps scrapers out.

The server runs in a subprocess on a free loopback port against its own SQLite database,
migrated and seeded with the command line (docs/deploy.md, "Observability").
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "server.cli"]
METRICS_TOKEN = "scrape-token-for-the-test"
CONTACT = ("sales@bluestone-networks.example.com", "demo-partner-2026")
LOGIN = (
    "mutation SignIn($email: String!, $password: String!) "
    "{ login(email: $email, password: $password) { token errors { code } } }"
)
PORTAL = "query Portal { viewer { id } }"
BROKEN = "query Broken { noSuchField }"
STARTUP_SECONDS = 120


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    def access_lines(self) -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in list(self.stderr) if line.startswith("{")]
        return [line for line in lines if line["logger"] == "partnerscope.access"]

    def wait_for(self, what: str, seconds: float, check: Any) -> None:
        deadline = time.monotonic() + seconds
        while not check():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{what}; stderr:\n" + "".join(self.stderr[-30:]))
            time.sleep(0.1)


def _environment(database_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PARTNERSCOPE_", "OTEL_", "PROMETHEUS_"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        PARTNERSCOPE_DATABASE_URL=database_url,
        PARTNERSCOPE_SECRET_KEY="served-observability-test",
        PARTNERSCOPE_PASSWORD_TIME_COST="1",
        PARTNERSCOPE_PASSWORD_MEMORY_KIB="1024",
        PARTNERSCOPE_RECOMPUTE_INTERVAL_SECONDS="0",
        PARTNERSCOPE_METRICS_TOKEN=METRICS_TOKEN,
    )
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _follow(stream: Any, into: list[str]) -> None:
    for line in stream:
        into.append(line)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    database = tmp_path_factory.mktemp("served") / "partnerscope.db"
    env = _environment(f"sqlite+aiosqlite:///{database}")
    for command in (["migrate"], ["seed", "--demo"]):
        subprocess.run([*CLI, *command], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    process = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = Served(f"http://127.0.0.1:{port}", process)
    for stream, lines in ((process.stdout, server.stdout), (process.stderr, server.stderr)):
        threading.Thread(target=_follow, args=(stream, lines), daemon=True).start()
    try:
        server.wait_for(
            "two workers did not start",
            STARTUP_SECONDS,
            lambda: sum("Application startup complete" in line for line in server.stderr) >= 2,
        )
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _post(
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    # A fresh connection per request, so the kernel hands requests to both workers.
    with httpx.Client(base_url=url, timeout=30) as client:
        return client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {}
        )


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_count_the_requests_of_both_workers(served: Served) -> None:
    # given a contact's token
    login = _post(served.url, LOGIN, {"email": CONTACT[0], "password": CONTACT[1]})
    token = login.json()["data"]["login"]["token"]
    bearer = {"Authorization": f"Bearer {token}"}

    # when requests are sent until each worker has served some
    sent = 0
    with ThreadPoolExecutor(8) as pool:
        for _ in range(25):
            answers = list(pool.map(lambda _: _post(served.url, PORTAL, headers=bearer), range(16)))
            assert [a.status_code for a in answers] == [200] * 16
            sent += 16
            served.wait_for(
                "access lines missing",
                30,
                lambda sent=sent: (
                    sum(a["operation"] == "Portal" for a in served.access_lines()) == sent
                ),
            )
            if len({a["pid"] for a in served.access_lines() if a["operation"] == "Portal"}) == 2:
                break
    for _ in range(3):
        _post(served.url, BROKEN, headers=bearer)
    refused = httpx.post(
        f"{served.url}/graphql", content="{}", headers={"Content-Type": "text/plain"}
    )
    scrape = httpx.get(
        f"{served.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )

    # then one scrape, whichever worker answers it, counts every request of both
    pids = {a["pid"] for a in served.access_lines() if a["operation"] == "Portal"}
    assert len(pids) == 2
    assert refused.status_code == 400
    assert scrape.status_code == 200
    samples = _samples(scrape.text)
    ok = (("operation", "Portal"), ("outcome", "ok"))
    assert samples[("partnerscope_requests_total", ok)] == sent
    assert samples[("partnerscope_request_duration_seconds_count", (("operation", "Portal"),))] == (
        sent
    )
    failed_validation = (("operation", "Broken"), ("outcome", "error"))
    assert samples[("partnerscope_requests_total", failed_validation)] == 3
    assert (
        samples[("partnerscope_graphql_errors_total", (("code", "GRAPHQL_VALIDATION_FAILED"),))]
        == 3
    )
    assert (
        samples[("partnerscope_refusals_total", (("code", "BAD_REQUEST"), ("status", "400")))] == 1
    )
    assert samples[("partnerscope_db_checkouts_total", ())] >= sent
    assert samples[("partnerscope_db_connections_in_use", ())] == 0


def test_metrics_refuse_a_scraper_without_the_token(served: Served) -> None:
    # when /metrics is asked without the token, or with another one
    anonymous = httpx.get(f"{served.url}/metrics")
    wrong = httpx.get(f"{served.url}/metrics", headers={"Authorization": "Bearer guess"})

    # then both are refused with a challenge and no sample
    for answer in (anonymous, wrong):
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert "partnerscope_requests_total" not in answer.text


def test_each_request_writes_one_json_access_line_without_secrets(served: Served) -> None:
    # given a sign-in (its password a variable) and a request carrying its token
    login = _post(served.url, LOGIN, {"email": CONTACT[0], "password": CONTACT[1]})
    token = login.json()["data"]["login"]["token"]
    portal = _post(served.url, PORTAL, headers={"Authorization": f"Bearer {token}"})

    # when the server has written their access lines
    ids = {login.headers["x-request-id"], portal.headers["x-request-id"]}
    served.wait_for(
        "access lines missing",
        30,
        lambda: ids <= {a["requestId"] for a in served.access_lines()},
    )
    lines = {a["requestId"]: a for a in served.access_lines() if a["requestId"] in ids}

    # then each says who asked what, how it ended and how long it took
    sign_in = lines[login.headers["x-request-id"]]
    assert sign_in["operation"] == "SignIn"
    assert sign_in["principal"] == "anonymous"
    assert (sign_in["method"], sign_in["path"], sign_in["status"]) == ("POST", "/graphql", 200)
    assert (sign_in["outcome"], sign_in["errors"]) == ("ok", [])
    assert sign_in["durationMs"] > 0
    read = lines[portal.headers["x-request-id"]]
    assert (read["operation"], read["principal"], read["outcome"]) == ("Portal", "contact", "ok")
    # and nothing written by the server holds the password or the token
    everything = "".join(served.stderr) + "".join(served.stdout)
    assert CONTACT[1] not in everything
    assert token not in everything
    assert re.search(r"eyJ[\w-]+\.[\w-]+\.", everything) is None  # no JWT of any kind


def test_the_workers_meet_in_a_directory_the_server_removes_when_it_stops(
    tmp_path: Path,
) -> None:
    # given a server with two workers started without PROMETHEUS_MULTIPROC_DIR
    database = tmp_path / "partnerscope.db"
    env = _environment(f"sqlite+aiosqlite:///{database}")
    subprocess.run([*CLI, "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    process = subprocess.Popen(
        [*CLI, "serve", "--port", str(_free_port()), "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = Served("", process)
    for stream, lines in ((process.stdout, server.stdout), (process.stderr, server.stderr)):
        threading.Thread(target=_follow, args=(stream, lines), daemon=True).start()
    try:
        server.wait_for(
            "two workers did not start",
            STARTUP_SECONDS,
            lambda: sum("Application startup complete" in line for line in server.stderr) >= 2,
        )
        announced = next(line for line in server.stdout if "meet in" in line)
        directory = Path(re.search(r"meet in (\S+)", announced).group(1))  # type: ignore[union-attr]
        assert directory.is_dir()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)

    # then it is gone once the server has stopped
    assert not directory.exists()
