"""Operation-wide policies: coded errors, masked surprises with a request id."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

log = logging.getLogger("partnerscope.errors")

INTERNAL = "Internal server error. Quote the request id when reporting it."
SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


class ErrorPolicy(SchemaExtension):
    """Every error carries `extensions.code`; unexpected ones reveal no stack trace or SQL."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not getattr(result, "errors", None):
            return
        result.errors = [self._policy(error) for error in result.errors]

    def _policy(self, error: GraphQLError) -> GraphQLError:
        if error.extensions and "code" in error.extensions:
            return error
        if error.original_error is None:
            code = (
                "GRAPHQL_PARSE_FAILED"
                if error.message.startswith("Syntax Error")
                else "GRAPHQL_VALIDATION_FAILED"
            )
            message = error.message
            if getattr(self.execution_context.context, "principal", None) is None:
                # Strangers get no map of the schema through "Did you mean ...?" hints.
                message = SUGGESTION.sub("", message)
            return GraphQLError(
                message,
                error.nodes,
                error.source,
                error.positions,
                error.path,
                extensions={**(error.extensions or {}), "code": code},
            )
        request_id = self.execution_context.context.request_id
        log.error(
            "unexpected error in %s (request %s)",
            ".".join(map(str, error.path or [])),
            request_id,
            exc_info=error.original_error,
        )
        return GraphQLError(
            INTERNAL,
            error.nodes,
            error.source,
            error.positions,
            error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )
