"""The ASGI application: /graphql, /healthz, /portal, and the lifespan that owns the database."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from domain.db import Database, open_database
from domain.identity import passwords
from domain.identity.throttle import create_throttle
from domain.identity.tokens import TokenIssuer
from domain.segments import schedule
from resolvers.context import Runtime
from schema.build import build_schema
from server.graphql_app import PartnerScopeGraphQL
from server.middleware import BodyLimits, CsrfGuard, RequestDeadline, RequestId, stop
from server.observability import Observability, Observed
from server.settings import Settings
from server.web import portal_app

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

log = logging.getLogger("partnerscope")
# /healthz answers within this, whatever the database does (probes often allow 2 s or less).
HEALTH_CHECK_SECONDS = 1.5


def _unhealthy() -> JSONResponse:
    return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)


async def _select_one(db: Database) -> None:
    async with db.read() as session:
        await session.execute(text("SELECT 1"))


async def healthz(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    check = asyncio.create_task(_select_one(runtime.db))
    await asyncio.wait({check}, timeout=HEALTH_CHECK_SECONDS)
    if not check.done():
        stop(check)  # its cleanup may wait on a stalled connection; the answer does not
        log.warning("health check failed: no answer within %g s", HEALTH_CHECK_SECONDS)
        return _unhealthy()
    try:
        check.result()
    except Exception as exc:  # any database failure means "not healthy", with the reason logged
        log.warning("health check failed: %r", exc)
        return _unhealthy()
    return JSONResponse({"status": "ok", "database": runtime.db.dialect})


async def _every(seconds: int, db: Database) -> None:
    """The periodic re-evaluation of time-dependent segments and metrics."""
    while True:
        await asyncio.sleep(seconds)
        try:
            log.info("%s", await schedule.scheduled(db))
        except Exception:  # keep the schedule alive; the next run may well succeed
            log.exception("scheduled re-evaluation failed")


# The collector's first threshold (CPython's default: 700 allocations): see _settle_heap.
GC_FIRST_THRESHOLD = 20_000


def _settle_heap() -> None:
    """Keep the collector off the long-lived heap. Once the application is up, the objects
    alive (modules, the schema, the engine) stay for the process's life: `gc.freeze()` moves
    them where collections never scan them (`gc.unfreeze()` at shutdown gives them back).
    A request allocates thousands of short-lived objects that reference counting frees;
    a larger first threshold lets them go before a collection visits them, so fewer
    collections run and fewer survivors reach the older generations. About 10% of a
    request's CPU went to collections before (bench/RESULTS.md)."""
    gc.collect()
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(GC_FIRST_THRESHOLD, second, third)


def create_app(
    settings: Settings | None = None, *, tracer_provider: TracerProvider | None = None
) -> Starlette:
    """The application; traces go to `tracer_provider` (default: as OTEL_* says, or none)."""
    settings = settings or Settings()
    observability = Observability(settings, tracer_provider)
    passwords.configure(
        time_cost=settings.password_time_cost,
        memory_cost_kib=settings.password_memory_kib,
        threads=settings.password_hash_threads,
    )
    secret = settings.signing_secret()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = open_database(settings.database_url, settings.database_timeouts())
        observability.started(db)
        app.state.runtime = Runtime(
            db=db,
            tokens=TokenIssuer(secret, timedelta(seconds=settings.token_ttl_seconds)),
            invitation_ttl=timedelta(hours=settings.invitation_ttl_hours),
            throttle=create_throttle(
                settings.redis_url,
                settings.sign_in_window_seconds,
                settings.sign_in_failures_per_account,
                settings.sign_in_failures_per_address,
            ),
            introspection=settings.introspection,
        )
        ticker = (
            asyncio.create_task(_every(settings.recompute_interval_seconds, db))
            if settings.recompute_interval_seconds > 0
            else None
        )
        _settle_heap()
        try:
            yield
        finally:
            gc.unfreeze()
            if ticker is not None:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
            await db.dispose()
            observability.stopped()

    graphql = PartnerScopeGraphQL(observability.schema(build_schema()), graphql_ide="graphiql")
    guarded = RequestDeadline(
        BodyLimits(CsrfGuard(graphql), settings.max_body_bytes, settings.body_read_timeout_seconds),
        settings.request_timeout_seconds,
    )
    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/graphql", guarded, methods=["GET", "POST"]),
            *observability.routes(),
            Mount("/portal", portal_app(), name="portal"),
        ],
        middleware=[Middleware(RequestId), Middleware(Observed, observability=observability)],
        lifespan=lifespan,
    )
