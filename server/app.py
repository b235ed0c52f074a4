"""The ASGI application: /graphql, /healthz, and the lifespan that owns the database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.db import Database, open_database
from domain.identity import passwords
from domain.identity.throttle import create_throttle
from domain.identity.tokens import TokenIssuer
from domain.segments import schedule
from resolvers.context import Runtime
from schema.build import build_schema
from server.graphql_app import PartnerScopeGraphQL
from server.middleware import BodyLimits, CsrfGuard, RequestId
from server.settings import Settings

log = logging.getLogger("partnerscope")


async def healthz(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    try:
        async with runtime.db.read() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:  # any database failure means "not healthy", with the reason logged
        log.warning("health check failed: %s", exc)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": runtime.db.dialect})


async def _every(seconds: int, db: Database) -> None:
    """The periodic re-evaluation of time-dependent segments and metrics."""
    while True:
        await asyncio.sleep(seconds)
        try:
            log.info("%s", await schedule.scheduled(db))
        except Exception:  # keep the schedule alive; the next run may well succeed
            log.exception("scheduled re-evaluation failed")


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    passwords.configure(
        time_cost=settings.password_time_cost,
        memory_cost_kib=settings.password_memory_kib,
        threads=settings.password_hash_threads,
    )
    secret = settings.signing_secret()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = open_database(settings.database_url)
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
        try:
            yield
        finally:
            if ticker is not None:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
            await db.dispose()

    graphql = PartnerScopeGraphQL(build_schema(), graphql_ide="graphiql")
    guarded = BodyLimits(
        CsrfGuard(graphql), settings.max_body_bytes, settings.body_read_timeout_seconds
    )
    return Starlette(
        routes=[Route("/healthz", healthz), Route("/graphql", guarded, methods=["GET", "POST"])],
        middleware=[Middleware(RequestId)],
        lifespan=lifespan,
    )
