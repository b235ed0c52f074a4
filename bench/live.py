"""A real PartnerScope server for benchmarks, and the clients that measure it.

`partnerscope serve` runs in a subprocess on a free loopback port, with the settings it
ships with (only the database URL and the signing key are set), against a benchmark
database migrated and seeded with the `partnerscope` CLI. `SteadyLoad` sends ordinary
requests at a fixed rate for the whole run, so any window of it (alone, during an attack,
during a burst) can be summarised from the same stream. `Server.cpu_seconds()` reads the
server's CPU time (every worker process) from /proc.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.support import DATA, PG_SERVER, percentiles

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "server.cli"]

CONTACT = ("sales@bluestone-networks.example.com", "demo-partner-2026")
STAFF = ("admin@partnerscope.example.com", "demo-admin-2026")
# A contact's portal home: its company and the first page of its colleagues.
ORDINARY = "{ viewer { id partner { name contacts(first: 20) { edges { node { id name } } } } } }"
LOGIN = (
    "mutation($email: String!, $password: String!) "
    "{ login(email: $email, password: $password) { token errors { code message } } }"
)


# ---------------------------------------------------------------- databases


async def fresh_database(kind: str, name: str) -> str:
    """An empty database for one run; its SQLAlchemy URL."""
    if kind == "sqlite":
        DATA.mkdir(exist_ok=True)
        path = DATA / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)  # noqa: ASYNC240 (setup)
        return f"sqlite+aiosqlite:///{path}"
    database = f"partnerscope_bench_{name}"
    admin = await asyncpg.connect(f"{PG_SERVER}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    return pg_url(database)


async def copy_database(kind: str, source: str, name: str) -> str:
    """A copy of a kept benchmark dataset (file copy, or CREATE DATABASE ... TEMPLATE)."""
    if kind == "sqlite":
        target = DATA / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)  # noqa: ASYNC240 (setup)
        shutil.copyfile(DATA / f"{source}.db", target)
        return f"sqlite+aiosqlite:///{target}"
    database = f"partnerscope_bench_{name}"
    admin = await asyncpg.connect(f"{PG_SERVER}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{database}" TEMPLATE "partnerscope_bench_{source}"')
    finally:
        await admin.close()
    return pg_url(database)


def pg_url(database: str) -> str:
    return f"{PG_SERVER.replace('postgresql://', 'postgresql+asyncpg://')}/{database}"


def server_environment(database_url: str, secret: str) -> dict[str, str]:
    """The caller's environment without any PARTNERSCOPE_* setting, plus URL and key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERSCOPE_")}
    env.update(
        PARTNERSCOPE_DATABASE_URL=database_url,
        PARTNERSCOPE_SECRET_KEY=secret,
        PYTHONPATH=str(ROOT),
    )
    return env


def partnerscope(database_url: str, *args: str) -> str:
    """Run one `partnerscope` command against the database; its standard output."""
    done = subprocess.run(
        [*CLI, *args],
        cwd=ROOT,
        env=server_environment(database_url, "bench-cli"),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"partnerscope {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


async def demo_database(kind: str, name: str) -> str:
    """A fresh database with `partnerscope migrate` and `partnerscope seed --demo` run."""
    url = await fresh_database(kind, name)
    partnerscope(url, "migrate")
    partnerscope(url, "seed", "--demo")
    return url


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _cpu_ticks(pid: int) -> tuple[int, int]:
    """(parent pid, utime + stime in clock ticks) of one process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


class Server:
    """`partnerscope serve` in a subprocess; stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, database_url: str, workers: int = 1, log_name: str = "server") -> None:
        self.database_url = database_url
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = DATA / f"{log_name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def _spawn(self) -> None:
        DATA.mkdir(exist_ok=True)
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [*CLI, *args, "--workers", str(self.workers)],
                cwd=ROOT,
                env=server_environment(self.database_url, secrets.token_urlsafe(32)),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def __aenter__(self) -> Server:
        self._spawn()
        await self._wait_until_healthy()
        return self

    async def _wait_until_healthy(self, patience: float = 60) -> None:
        deadline = time.monotonic() + patience
        async with httpx.AsyncClient(base_url=self.url) as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"the server exited; see {self.log_path}")
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        await asyncio.sleep(1 if self.workers > 1 else 0)  # every worker up
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(f"the server did not become healthy; see {self.log_path}")

    async def __aexit__(self, *_exc: object) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(self.process.wait, 30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the server and every process it started."""
        assert self.process is not None
        table: dict[int, tuple[int, int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    table[int(entry.name)] = _cpu_ticks(int(entry.name))
                except (OSError, IndexError, ValueError):
                    continue  # exited meanwhile
        ours = {self.process.pid}
        changed = True
        while changed:
            before = len(ours)
            ours |= {pid for pid, (parent, _) in table.items() if parent in ours}
            changed = len(ours) != before
        ticks = sum(table[pid][1] for pid in ours if pid in table)
        return ticks / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- clients


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    ms: float
    sent: float  # wall-clock time (time.time()) when it was sent

    @property
    def codes(self) -> list[str]:
        """Top-level error codes, then payload error codes anywhere in `data`."""
        found = [
            (e.get("extensions") or {}).get("code", "NO_CODE") for e in self.body.get("errors", [])
        ]
        return found + list(_payload_codes(self.body.get("data")))

    @property
    def outcome(self) -> str:
        """`HTTP 200 OK`, or the status with the first error code (e.g. `HTTP 200 ...`)."""
        codes = self.codes
        return f"HTTP {self.status} {codes[0] if codes else 'OK'}"


def _payload_codes(data: Any) -> list[str]:
    if isinstance(data, dict):
        found = []
        for key, value in data.items():
            if key == "errors" and isinstance(value, list):
                found += [e.get("code", "NO_CODE") for e in value if isinstance(e, dict)]
            else:
                found += _payload_codes(value)
        return found
    if isinstance(data, list):
        return [code for item in data for code in _payload_codes(item)]
    return []


async def post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> Answer:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    sent = time.time()
    started = time.perf_counter()
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    ms = (time.perf_counter() - started) * 1000
    try:
        body = response.json()
    except ValueError:
        body = {"errors": [{"message": response.text[:200], "extensions": {"code": "NOT_JSON"}}]}
    return Answer(response.status_code, body, ms, sent)


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> str:
    answer = await post(client, LOGIN, {"email": email, "password": password})
    token = ((answer.body.get("data") or {}).get("login") or {}).get("token")
    if not token:
        raise RuntimeError(f"cannot sign in as {email}: {answer.body}")
    return token


def client(url: str, connections: int = 20, timeout: float = 120) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=url,
        timeout=timeout,
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )


# ---------------------------------------------------------------- steady load


@dataclass
class Sample:
    sent: float  # time.perf_counter() when it was sent
    ms: float
    ok: bool
    outcome: str


@dataclass
class SteadyLoad:
    """Ordinary requests at `rate` per second, open loop: each one is sent on schedule
    whether or not earlier ones have answered, so a stalled server shows as latency."""

    url: str
    token: str
    rate: float = 20
    query: str = ORDINARY
    samples: list[Sample] = field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        async with client(self.url, connections=100) as http:
            pending: set[asyncio.Task[None]] = set()
            start = time.perf_counter()
            n = 0
            while not stop.is_set():
                due = start + n / self.rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                task = asyncio.create_task(self._one(http))
                pending.add(task)
                task.add_done_callback(pending.discard)
                n += 1
            await asyncio.gather(*pending)

    async def _one(self, http: httpx.AsyncClient) -> None:
        sent = time.perf_counter()
        try:
            answer = await post(http, self.query, token=self.token)
            ok = answer.status == 200 and not answer.codes
            self.samples.append(Sample(sent, answer.ms, ok, answer.outcome))
        except httpx.HTTPError as exc:
            ms = (time.perf_counter() - sent) * 1000
            self.samples.append(Sample(sent, ms, False, type(exc).__name__))

    def window(self, start: float, end: float) -> dict[str, Any]:
        """Latency of the requests sent in [start, end), and what failed."""
        chosen = [s for s in self.samples if start <= s.sent < end]
        if len(chosen) < 2:
            return {"samples": len(chosen)}
        summary: dict[str, Any] = percentiles([s.ms for s in chosen])
        failures = Counter(s.outcome for s in chosen if not s.ok)
        summary["failures"] = sum(failures.values())
        if failures:
            summary["failure_outcomes"] = dict(failures)
        return summary


class Running:
    """A SteadyLoad running in the background for the length of a `with` block."""

    def __init__(self, load: SteadyLoad) -> None:
        self.load = load
        self.stop = asyncio.Event()

    async def __aenter__(self) -> SteadyLoad:
        self.task = asyncio.create_task(self.load.run(self.stop))
        return self.load

    async def __aexit__(self, *_exc: object) -> None:
        self.stop.set()
        await self.task


def brief(summary: dict[str, Any]) -> str:
    if "p50_ms" not in summary:
        return f"{summary.get('samples', 0)} samples"
    failures = summary.get("failures", 0)
    return (
        f"p50 {summary['p50_ms']:.1f} ms, p99 {summary['p99_ms']:.1f} ms, "
        f"max {summary['max_ms']:.1f} ms ({summary['samples']} requests"
        + (f", {failures} failed" if failures else "")
        + ")"
    )


def conditions() -> dict[str, Any]:
    """What else the shared machine was doing: the application commit and the load average."""
    return {
        "application_commit": application_commit(),
        "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
    }


def application_commit() -> str:
    """The commit whose application code this run measured (noting uncommitted changes)."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench", ":!*.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return f"{head or 'unknown'}{' with uncommitted changes' if changed else ''}"
