"""A real `partnerscope serve` in a subprocess, for tests that need HTTP (a browser, a script).

The database is a fresh SQLite file migrated (and, on request, demo-seeded) with the
`partnerscope` CLI, exactly as `make demo` does; passwords are hashed at the cheapest cost
so seeding takes seconds.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "server.cli"]
STAFF_EMAIL = "admin@partnerscope.example.com"
STAFF_PASSWORD = "demo-admin-2026"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def environment(database_url: str) -> dict[str, str]:
    """The caller's environment without its PARTNERSCOPE_* settings, plus the test ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERSCOPE_")}
    env.update(
        PARTNERSCOPE_DATABASE_URL=database_url,
        PARTNERSCOPE_SECRET_KEY="live-test-signing-secret",
        PARTNERSCOPE_PASSWORD_TIME_COST="1",
        PARTNERSCOPE_PASSWORD_MEMORY_KIB="1024",
        PARTNERSCOPE_RECOMPUTE_INTERVAL_SECONDS="0",
        PARTNERSCOPE_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def partnerscope(database_url: str, *args: str) -> str:
    """One `partnerscope` command against the database; its standard output."""
    done = subprocess.run(
        [*CLI, *args],
        cwd=ROOT,
        env=environment(database_url),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"partnerscope {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


@dataclass(frozen=True)
class LiveServer:
    url: str
    database_url: str

    @property
    def graphql(self) -> str:
        return f"{self.url}/graphql"

    def gql(self, query: str, variables: dict[str, object] | None = None, token: str = "") -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = httpx.post(
            self.graphql, json={"query": query, "variables": variables or {}}, headers=headers
        )
        body: dict = response.json()
        assert "errors" not in body, body
        return body["data"]

    def login(self, email: str, password: str) -> str:
        query = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
        token: str = self.gql(query, {"e": email, "p": password})["login"]["token"]
        return token


@contextmanager
def live_server(directory: Path, *, demo: bool = True) -> Iterator[LiveServer]:
    """Migrate (and seed) a fresh database in `directory`, serve it, stop it on exit."""
    database_url = f"sqlite+aiosqlite:///{directory / 'partnerscope.db'}"
    partnerscope(database_url, "migrate")
    if demo:
        partnerscope(database_url, "seed", "--demo")
    else:
        partnerscope(
            database_url,
            *("create-staff", "--email", STAFF_EMAIL, "--password", STAFF_PASSWORD),
            *("--role", "VENDOR_ADMIN"),
        )
    port = free_port()
    log_path = directory / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=environment(database_url),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", database_url)
    try:
        _wait_until_healthy(server, process, log_path)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_healthy(
    server: LiveServer, process: subprocess.Popen[bytes], log_path: Path, patience: float = 60
) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not become healthy: {log_path.read_text()[-2000:]}")
