"""Strawberry's OpenTelemetry extension without the document text or argument values.

Both may hold a password (`login(password: "...")` written inline) or a customer's data, and
a trace store is read by more people than the database. Spans keep the operation name, the
resolver path and the parent type. Loaded only when traces are on (server/tracing.py).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from graphql import GraphQLResolveInfo
from opentelemetry.trace import SpanKind
from strawberry.extensions import LifecycleStep
from strawberry.extensions.tracing import OpenTelemetryExtension


def _no_values(args: dict[str, Any], info: GraphQLResolveInfo[Any]) -> dict[str, Any]:
    return {}


class RedactedOpenTelemetryExtension(OpenTelemetryExtension):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(arg_filter=_no_values, **kwargs)

    def on_operation(self) -> Generator[None, None, None]:
        name = self.execution_context.operation_name
        span = self._tracer.start_span(
            f"GraphQL Operation: {name}" if name else "GraphQL Operation",
            kind=SpanKind.INTERNAL,  # the request span is the server span
        )
        span.set_attribute("component", "graphql")
        self._span_holder[LifecycleStep.OPERATION] = span
        yield
        name = self.execution_context.operation_name
        if name:  # known only after parsing when the client did not name it
            span.update_name(f"GraphQL Operation: {name}")
            span.set_attribute("graphql.operation.name", name)
        span.end()
