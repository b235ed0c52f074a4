"""OpenTelemetry traces: off unless the standard OTEL_* variables ask for them.

Spans: one per HTTP request (with the request id), the GraphQL operation, each resolver
that is not a plain attribute read, each dataloader batch (`batch <loader>`, with its
number of keys), and each SQL statement (opentelemetry-instrumentation-sqlalchemy on the
engine; statements run straight on the SQLite driver, `domain/direct.py`, appear as events
on the span that ran them). Every span carries `partnerscope.request_id`.
Neither the document text nor any argument's value is recorded: either may hold a password.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

from domain import direct
from resolvers import loaders
from server.logs import REQUEST_ID

if TYPE_CHECKING:
    from opentelemetry.context import Context as TraceContext
    from opentelemetry.sdk.trace import Span as SdkSpan
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span
    from sqlalchemy.ext.asyncio import AsyncEngine

REQUEST_ID_ATTRIBUTE = "partnerscope.request_id"
DEFAULT_SERVICE_NAME = "partnerscope"


class TracingUnavailable(Exception):
    """OTEL_* variables ask for something this installation cannot do; says what to change."""


def requested(environ: Mapping[str, str]) -> bool:
    """Whether the environment asks for traces (an exporter or an OTLP endpoint is named)."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporters = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporters:
        return exporters != "none"
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def provider_from_environment(environ: Mapping[str, str] | None = None) -> TracerProvider | None:
    """A tracer provider exporting as OTEL_TRACES_EXPORTER says (otlp, console), or None."""
    environ = os.environ if environ is None else environ
    if not requested(environ):
        return None
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:  # pragma: no cover - the `otel` extra is not installed
        raise TracingUnavailable(
            "OTEL_* variables ask for traces: install them with `pip install 'partnerscope[otel]'`"
        ) from None
    named = "OTEL_SERVICE_NAME" in environ or "service.name" in environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    )
    resource = Resource.create({} if named else {"service.name": DEFAULT_SERVICE_NAME})
    provider = TracerProvider(resource=resource)  # the sampler follows OTEL_TRACES_SAMPLER
    for name in environ.get("OTEL_TRACES_EXPORTER", "otlp").lower().split(","):
        provider.add_span_processor(BatchSpanProcessor(_exporter(name.strip(), environ)))
    return provider


def _exporter(name: str, environ: Mapping[str, str]) -> Any:
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if name != "otlp":
        raise TracingUnavailable(
            f"OTEL_TRACES_EXPORTER={name!r} is not supported: use otlp or console"
        )
    protocol = environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "")
    )
    if protocol and protocol != "http/protobuf":
        raise TracingUnavailable(
            f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r} is not supported: use http/protobuf "
            "(port 4318 on an OpenTelemetry Collector)"
        )
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError:  # pragma: no cover - the `otel` extra is not installed
        raise TracingUnavailable("OTLP export needs `pip install 'partnerscope[otel]'`") from None
    return OTLPSpanExporter()  # endpoint, headers and timeout from OTEL_EXPORTER_OTLP_*


class Tracing:
    """Traces for one application: its request spans, GraphQL spans and SQL spans."""

    def __init__(self, provider: TracerProvider, *, owned: bool = False) -> None:
        from opentelemetry.sdk.trace import SpanProcessor

        class RequestIdOnEverySpan(SpanProcessor):
            def on_start(self, span: SdkSpan, parent_context: TraceContext | None = None) -> None:
                request_id = REQUEST_ID.get()
                if request_id is not None:
                    span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id)

        provider.add_span_processor(RequestIdOnEverySpan())
        self.provider = provider
        self.owned = owned  # shut down with the application (it was made from OTEL_*)
        self.tracer = provider.get_tracer("partnerscope")
        self._instrumentor: Any = None

    def graphql_extension(self) -> Callable[[], Any]:
        """A factory for the Strawberry extension that traces operations and resolvers."""
        from server.graphql_tracing import RedactedOpenTelemetryExtension

        provider = self.provider
        return lambda: RedactedOpenTelemetryExtension(tracer_provider=provider)

    @contextmanager
    def request_span(self, scope: Mapping[str, Any], route: str) -> Iterator[Span]:
        from opentelemetry import propagate
        from opentelemetry.trace import SpanKind

        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        with self.tracer.start_as_current_span(
            f"{scope['method']} {route}",
            context=propagate.extract(carrier),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": scope["method"], "http.route": route},
        ) as span:
            yield span

    def instrument(self, engine: AsyncEngine) -> None:
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        self._instrumentor = SQLAlchemyInstrumentor()
        self._instrumentor.instrument(
            engine=engine.sync_engine,
            tracer_provider=self.provider,
            # Its declared range stops below SQLAlchemy 2.1, whose engine events it uses
            # unchanged (the tests hold SQL spans present).
            skip_dep_check=True,
        )
        direct.statement_listeners.append(_direct_statement)
        loaders.observe_batches = self.batch_span

    @asynccontextmanager
    async def batch_span(self, name: str, keys: int) -> AsyncIterator[None]:
        """One span per dataloader batch: the statements it runs nest under it."""
        with self.tracer.start_as_current_span(
            f"batch {name}", attributes={"partnerscope.batch.keys": keys}
        ):
            yield

    def shutdown(self) -> None:
        if loaders.observe_batches == self.batch_span:
            loaders.observe_batches = None
        if _direct_statement in direct.statement_listeners:
            direct.statement_listeners.remove(_direct_statement)
        if self._instrumentor is not None:
            self._instrumentor.uninstrument()
            self._instrumentor = None
        if self.owned:
            self.provider.shutdown()


def _direct_statement(sql: str) -> None:
    from opentelemetry import trace

    span = trace.get_current_span()
    if span.is_recording():
        span.add_event("db.direct_statement", {"db.statement": sql})


def trace_id() -> str | None:
    """The current trace's id (hex), for log lines; None when no span is recording."""
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else None
