"""The error policy: every error carries `extensions.code`; surprises reveal nothing.

Applied in `Schema.process_errors`, which Strawberry calls on every path (parse,
validation, variable coercion, execution), by editing each error in place.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from graphql import GraphQLError

from domain.db import is_unavailable
from domain.errors import DomainError, TopLevelError

log = logging.getLogger("partnerscope.errors")

INTERNAL = "Internal server error. Quote the request id when reporting it."
SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def _domain_code(error: GraphQLError) -> bool:
    """Give an error raised by the domain (not a payload problem) the code it names."""
    original = error.original_error
    if isinstance(original, TopLevelError):
        error.message = original.message
        error.extensions = {**original.extensions, "code": original.code}
        return True
    if isinstance(original, DomainError):
        # A query refused for its input (e.g. previewSegment's rule): the first problem's
        # code, and every problem in extensions.errors.
        first = original.problems[0]
        error.message = first.message
        error.extensions = {
            "code": first.code.value,
            "errors": [
                {"path": list(p.path), "code": p.code.value, "message": p.message}
                for p in original.problems
            ],
        }
        return True
    return False


def apply_error_policy(error: GraphQLError, context: Any) -> None:
    if _domain_code(error):
        return
    extensions = error.extensions or {}
    if error.path is None:
        # Refused before anything ran: the document or its variables are the client's.
        if getattr(context, "principal", None) is None:
            # Strangers get no map of the schema through "Did you mean ...?" hints.
            error.message = SUGGESTION.sub("", error.message)
        if "code" in extensions:
            return
        original = error.original_error
        if original is not None and not isinstance(original, GraphQLError):
            _mask(error, context)  # something broke before execution: not the client's fault
            return
        # Validation errors are coded where they are found (schema.documents); what is left
        # is a syntax error, or variables that do not fit their declared types.
        if error.message.startswith("Syntax Error"):
            code = "GRAPHQL_PARSE_FAILED"
        elif error.message.startswith("Variable '$"):
            code = "BAD_USER_INPUT"
        else:
            code = "GRAPHQL_VALIDATION_FAILED"
        error.extensions = {**extensions, "code": code}
        return
    if "code" in extensions:
        return
    _mask(error, context)


def _mask(error: GraphQLError, context: Any) -> None:
    request_id = getattr(context, "request_id", None)
    where = ".".join(map(str, error.path or ["(before execution)"]))
    original = error.original_error
    if original is not None and is_unavailable(original):
        # An outage is the operator's to fix, not a bug: one line per request, no traceback.
        first_line = (str(original).strip().splitlines() or [type(original).__name__])[0]
        log.warning("database unavailable in %s (request %s): %s", where, request_id, first_line)
    else:
        log.error("unexpected error in %s (request %s)", where, request_id, exc_info=original)
    error.message = INTERNAL
    error.original_error = None
    error.extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
