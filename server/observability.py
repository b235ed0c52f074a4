"""Metrics, traces and the access log, wired around the application.

`Observed` wraps every HTTP request: it times it, opens its trace span, and when the
answer has gone out writes one access line (logger `partnerscope.access`) and, for
/graphql, the request metrics. What only GraphQL knows (the operation's name, who asked,
the errors' codes) is left in the request's scope state by `OperationObserver` and
`note_errors` (server/graphql_app.py) for it to read.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from domain.db import Database
from domain.principal import PrincipalKind
from server import metrics
from server.logs import REQUEST_ID
from server.middleware import request_id_of
from server.settings import Settings
from server.tracing import Tracing, provider_from_environment, trace_id

if TYPE_CHECKING:
    import strawberry
    from graphql import GraphQLError
    from opentelemetry.sdk.trace import TracerProvider

access_log = logging.getLogger("partnerscope.access")

OPERATION = "partnerscope.operation"
PRINCIPAL = "partnerscope.principal"
ERROR_CODES = "partnerscope.error_codes"
PRINCIPAL_KINDS = {
    PrincipalKind.CONTACT: "contact",
    PrincipalKind.STAFF: "staff",
    PrincipalKind.API_KEY: "api_key",
}
ROUTES = ("/graphql", "/healthz", "/metrics")
# Error bodies are small; a larger one is not read for its codes.
MAX_ERROR_BODY = 64 * 1024
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")


def _state(context: Any) -> dict[str, Any] | None:
    scope = getattr(getattr(context, "request", None), "scope", None)
    return scope.setdefault("state", {}) if isinstance(scope, dict) else None


def principal_kind(principal: Any) -> str:
    kind = getattr(principal, "kind", None)
    return PRINCIPAL_KINDS.get(kind, "anonymous") if kind is not None else "anonymous"


class OperationObserver(SchemaExtension):
    """Notes who asked (before anything runs) and which operation ran, for the access line."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        state = _state(context)
        if state is not None:
            state[PRINCIPAL] = principal_kind(getattr(context, "principal", None))
        yield
        if state is not None:
            try:
                state[OPERATION] = self.execution_context.operation_name
            except Exception:  # no document to read the name from
                state[OPERATION] = None


def note_errors(scope: Scope, errors: Iterable[GraphQLError] | None) -> None:
    """Keep the answered errors' codes (after the error policy gave each one)."""
    scope.setdefault("state", {})[ERROR_CODES] = [
        str((error.extensions or {}).get("code", "INTERNAL_SERVER_ERROR")) for error in errors or ()
    ]


def _codes_in(body: bytes) -> list[str]:
    try:
        errors = json.loads(body).get("errors") or []
        return [str(e.get("extensions", {}).get("code", "-")) for e in errors]
    except (ValueError, AttributeError, TypeError):
        return []


def _outcome(status: int, codes: list[str]) -> str:
    if status >= 500:
        return "failed"
    if status >= 400:
        return "refused"
    return "error" if codes else "ok"


class Observability:
    """What one application records: metrics (unless turned off) and traces (if asked for)."""

    def __init__(self, settings: Settings, tracer_provider: TracerProvider | None = None) -> None:
        self.metrics = settings.metrics_enabled
        token = settings.metrics_token
        self.metrics_token = token.get_secret_value() if token is not None else None
        owned = tracer_provider is None
        provider = tracer_provider or provider_from_environment()
        self.tracing = Tracing(provider, owned=owned) if provider is not None else None
        if self.metrics:
            metrics.install()

    def schema(self, schema: strawberry.Schema) -> strawberry.Schema:
        """`schema` with the operation observer (and the tracing extension) added."""
        added: list[Any] = [OperationObserver]
        if self.tracing is not None:
            added.append(self.tracing.graphql_extension())
        schema.extensions = (*schema.extensions, *added)
        return schema

    def routes(self) -> list[BaseRoute]:
        if not self.metrics:
            return []
        return [Route("/metrics", metrics.metrics_endpoint(self.metrics_token))]

    def started(self, db: Database) -> None:
        if self.metrics:
            metrics.watch_pool(db.engine)
            directory = metrics.multiprocess_dir()
            if directory is not None:
                metrics.forget_dead_workers(directory)
        if self.tracing is not None:
            self.tracing.instrument(db.engine)

    def stopped(self) -> None:
        if self.tracing is not None:
            self.tracing.shutdown()
        if self.metrics:
            metrics.worker_stopped()

    @contextmanager
    def span(self, scope: Scope, route: str) -> Iterator[Any]:
        if self.tracing is None:
            yield None
            return
        with self.tracing.request_span(scope, route) as span:
            yield span


class Observed:
    """Times, traces, logs and counts each HTTP request (see the module's docstring)."""

    def __init__(self, app: ASGIApp, observability: Observability) -> None:
        self.app = app
        self.observability = observability

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        route = path if path in ROUTES else "/" + path.strip("/").split("/")[0]
        token = REQUEST_ID.set(request_id_of(scope))
        started = time.perf_counter()
        status = 0
        error_body = bytearray()

        async def watching(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif status >= 400 and len(error_body) < MAX_ERROR_BODY:
                error_body.extend(message.get("body", b""))
            await send(message)

        try:
            with self.observability.span(scope, route) as span:
                try:
                    await self.app(scope, receive, watching)
                finally:
                    status = status or 500  # an exception: the server's error page answers
                    if span is not None:
                        span.set_attribute("http.response.status_code", status)
                    self._done(scope, route, status, bytes(error_body), started)
        finally:
            REQUEST_ID.reset(token)

    def _done(self, scope: Scope, route: str, status: int, body: bytes, started: float) -> None:
        seconds = time.perf_counter() - started
        state: dict[str, Any] = scope.get("state", {})
        codes: list[str] = _codes_in(body) if status >= 400 else state.get(ERROR_CODES, [])
        outcome = _outcome(status, codes)
        name = state.get(OPERATION)
        operation = name if name is None or _NAME.fullmatch(name) else "(invalid)"
        graphql = route == "/graphql"
        if graphql and self.observability.metrics:
            metrics.observe_request(metrics.operation_label(name), outcome, seconds, status, codes)
        fields = {
            "requestId": REQUEST_ID.get(),
            "method": scope["method"],
            "path": route,  # never the query string: a GET request's holds the document
            "status": status,
            "outcome": outcome,
            "errors": codes,
            "operation": operation,
            "principal": state.get(PRINCIPAL),
            "durationMs": round(seconds * 1000, 1),
        }
        if self.observability.tracing is not None:
            fields["traceId"] = trace_id()
        access_log.log(
            logging.INFO if graphql else logging.DEBUG,
            "%s %s %s %s %s %.1f ms (request %s)",
            scope["method"],
            route,
            status,
            outcome,
            operation or "-",
            seconds * 1000,
            REQUEST_ID.get(),
            extra={"fields": fields},
        )
