"""Prometheus metrics: every definition, the domain's recorder, and the /metrics endpoint.

With several uvicorn workers, each worker writes its samples to files in
PROMETHEUS_MULTIPROC_DIR (`partnerscope serve --workers N` makes one when it is not set)
and a scrape, whichever worker answers it, reads and sums them all (prometheus_client's
multiprocess mode). With one worker and no directory, the process's own registry answers.
docs/deploy.md lists the metrics and what each label means.
"""

from __future__ import annotations

import hmac
import os
import re
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response

from domain import telemetry

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
# Request latency buckets (seconds), up to the default request deadline (30 s).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
# Recomputes take milliseconds for a small segment and minutes for everything at scale.
RECOMPUTE_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900)
# Operation names are the client's choice: only GraphQL names, at most this many distinct
# ones per worker; later newcomers are counted as "(other)" so a client cannot explode the
# number of series.
MAX_OPERATION_NAMES = 200
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")

REQUESTS = Counter(
    "partnerscope_requests",
    "GraphQL requests by operation name and outcome (ok, error, refused, failed).",
    ["operation", "outcome"],
)
REQUEST_SECONDS = Histogram(
    "partnerscope_request_duration_seconds",
    "Time from a /graphql request's arrival to the end of its answer.",
    ["operation"],
    buckets=LATENCY_BUCKETS,
)
ERRORS = Counter(
    "partnerscope_graphql_errors",
    "Top-level GraphQL errors answered, by extensions.code.",
    ["code"],
)
REFUSALS = Counter(
    "partnerscope_refusals",
    "Requests answered with an HTTP error status (body limits, CSRF, bad JSON, deadline, "
    "database unavailable), by status and extensions.code.",
    ["status", "code"],
)
DB_IN_USE = Gauge(
    "partnerscope_db_connections_in_use",
    "Database connections checked out of the pool right now (summed over live workers).",
    multiprocess_mode="livesum",
)
DB_CHECKOUTS = Counter(
    "partnerscope_db_checkouts",
    "Database connections checked out of the pool.",
)
MEMBERSHIP_MOVES = Counter(
    "partnerscope_membership_moves",
    "Segment membership joins and leaves committed, by cause (attribute_change, "
    "rule_change, manual, time, dependency) and change (joined, left).",
    ["cause", "change"],
)
RECOMPUTE_SECONDS = Histogram(
    "partnerscope_recompute_duration_seconds",
    "Set-based segment recomputes (a rule save, a catalogue change, a scheduled run's "
    "segments), by the cause of the segments they started from.",
    ["cause"],
    buckets=RECOMPUTE_BUCKETS,
)
SCHEDULED_SECONDS = Histogram(
    "partnerscope_scheduled_run_duration_seconds",
    "The periodic re-evaluation of time-based metrics and segments, when this worker ran it.",
    buckets=RECOMPUTE_BUCKETS,
)
MUTATION_ERRORS = Counter(
    "partnerscope_mutation_errors",
    "Problems mutations answered in their payload's errors (nothing written), by mutation "
    "and code (INVALID_VALUE, REQUIRED, NOT_FOUND, DUPLICATE...).",
    ["mutation", "code"],
)
SIGN_IN_THROTTLED = Counter(
    "partnerscope_sign_in_throttled",
    "Sign-ins (login) and invitation redemptions (invitation) refused by the throttle.",
    ["flow"],
)


class PrometheusRecorder:
    """What the domain reports, as Prometheus samples (domain.telemetry.Recorder)."""

    def membership_moves(self, cause: str, change: str, count: int) -> None:
        MEMBERSHIP_MOVES.labels(cause.lower(), change.lower()).inc(count)

    def recompute_seconds(self, cause: str, seconds: float) -> None:
        RECOMPUTE_SECONDS.labels(cause.lower()).observe(seconds)

    def scheduled_run_seconds(self, seconds: float) -> None:
        SCHEDULED_SECONDS.observe(seconds)

    def sign_in_throttled(self, flow: str) -> None:
        SIGN_IN_THROTTLED.labels(flow).inc()

    def mutation_errors(self, mutation: str, code: str, count: int) -> None:
        MUTATION_ERRORS.labels(mutation, code).inc(count)


_operations: set[str] = set()


def operation_label(name: str | None) -> str:
    """A bounded label for a client-chosen operation name."""
    if not name:
        return "(anonymous)"
    if not _NAME.fullmatch(name):
        return "(invalid)"
    if name not in _operations:
        if len(_operations) >= MAX_OPERATION_NAMES:
            return "(other)"
        _operations.add(name)
    return name


def observe_request(
    operation: str, outcome: str, seconds: float, status: int, codes: list[str]
) -> None:
    REQUESTS.labels(operation, outcome).inc()
    REQUEST_SECONDS.labels(operation).observe(seconds)
    for code in codes:
        ERRORS.labels(code).inc()
    if status >= 400:
        REFUSALS.labels(str(status), codes[0] if codes else "-").inc()


def watch_pool(engine: AsyncEngine) -> None:
    """Count the engine's pool checkouts and the connections it has lent out."""

    def checked_out(*_: Any) -> None:
        DB_IN_USE.inc()
        DB_CHECKOUTS.inc()

    def checked_in(*_: Any) -> None:
        DB_IN_USE.dec()

    event.listen(engine.sync_engine, "checkout", checked_out)
    event.listen(engine.sync_engine, "checkin", checked_in)


# ---------------------------------------------------------------- several workers


def multiprocess_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_DIR)
    return Path(value) if value else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def forget_dead_workers(directory: Path) -> None:
    """Drop the live gauges of workers that are gone (a crashed worker uvicorn replaced)."""
    pids = {
        int(m.group(1)) for f in directory.glob("gauge_live*_*.db") if (m := _PID.search(f.name))
    }
    for pid in pids:
        if not _alive(pid):
            multiprocess.mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]


_PID = re.compile(r"_(\d+)\.db$")
_SAMPLE_FILES = ("counter_*.db", "gauge_*.db", "histogram_*.db", "summary_*.db")


def wipe(directory: Path) -> None:
    """Remove the sample files a previous run left (prometheus_client asks for it)."""
    for pattern in _SAMPLE_FILES:
        for path in directory.glob(pattern):
            path.unlink(missing_ok=True)


def worker_stopped() -> None:
    directory = multiprocess_dir()
    if directory is not None:
        multiprocess.mark_process_dead(os.getpid(), str(directory))  # type: ignore[no-untyped-call]


# ---------------------------------------------------------------- the endpoint


def install() -> None:
    """Start recording (the domain's moves, recomputes and throttling included)."""
    telemetry.install(PrometheusRecorder())


def exposition() -> bytes:
    directory = multiprocess_dir()
    if directory is None:
        return generate_latest(REGISTRY)
    forget_dead_workers(directory)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, str(directory))  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def metrics_endpoint(token: str | None) -> Any:
    """GET /metrics; with a token set, only for `Authorization: Bearer <token>`."""
    expected = f"Bearer {token}".encode() if token else None

    async def metrics(request: Request) -> Response:
        if expected is not None:
            sent = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(sent, expected):
                return Response(
                    "A bearer token is required for /metrics (PARTNERSCOPE_METRICS_TOKEN).\n",
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                    media_type="text/plain",
                )
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    return metrics
