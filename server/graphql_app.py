"""Strawberry's ASGI app with PartnerScope's request context and HTTP error shape.

A request the GraphQL layer cannot even read (not JSON, not an object, a batch, `query`
not a string...) is answered HTTP 400 with the GraphQL error shape and the request id,
never Strawberry's plain-text reply or a stack trace. A database that cannot be reached
while the request is authenticated is answered 503 with `Retry-After`, in the same shape.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.types import ExecutionResult

from domain.db import is_unavailable
from permissions.authenticate import authenticate
from permissions.viewer import load_viewer
from resolvers.context import Context, Runtime
from server.middleware import BodyRefused, is_json, reply, request_id_of
from server.observability import note_errors

log = logging.getLogger("partnerscope.http")

# JSON in a request nests at most this deep (a rule at the 16-level limit needs about 40).
MAX_JSON_DEPTH = 100
INTERNAL = "Internal server error. Quote the request id when reporting it."
UNAVAILABLE = (
    "The database is unavailable; try again shortly. Quote the request id when reporting it."
)
_JSON_KINDS = {str: "a string", int: "a number", float: "a number", bool: "a boolean"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "an array"
    return _JSON_KINDS.get(type(value), "an object")


def json_depth_over(value: Any, limit: int) -> bool:
    """Whether arrays and objects in `value` nest deeper than `limit` (without recursing)."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text[:40]} is beyond the range of a double")
    return number


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def request_data(data: Any, protocol: Any) -> GraphQLRequestData:
    """The one operation a request body or query string holds, or HTTP 400 saying why not."""
    if not isinstance(data, dict):
        raise HTTPException(
            400,
            'The request must be a JSON object such as {"query": "...", "variables": {}}; '
            f"got {_kind(data)}"
            + (" (batched operations are not supported)." if isinstance(data, list) else "."),
        )
    expected = {
        "query": (str, "a string holding the GraphQL document"),
        "variables": (dict, "an object"),
        "operationName": (str, "a string"),
        "extensions": (dict, "an object"),
    }
    for name, (kind, wanted) in expected.items():
        value = data.get(name)
        if value is not None and not isinstance(value, kind):
            raise HTTPException(400, f"`{name}` must be {wanted} (or null); got {_kind(value)}.")
    return GraphQLRequestData(
        query=data.get("query"),
        variables=data.get("variables"),
        operation_name=data.get("operationName"),
        extensions=data.get("extensions"),
        protocol=protocol,
    )


class PartnerScopeGraphQL(GraphQL):
    """POST /graphql for clients, GraphiQL for browsers on GET."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request_id = request_id_of(scope)
        runtime: Runtime = scope["app"].state.runtime
        try:
            async with runtime.db.request_scope():  # one read connection for the request
                response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:
            log.info("request %s refused (HTTP %s): %s", request_id, exc.status_code, exc.reason)
            await reply(send, exc.status_code, exc.reason, request_id)
            return
        except BodyRefused:
            raise  # answered by BodyLimits (413, 408)
        except ClientDisconnect:
            return  # nobody is left to answer
        except Exception as exc:  # the request never reached GraphQL's error policy: mask it
            if is_unavailable(exc):  # e.g. checking credentials against a database that is down
                log.warning("request %s: database unavailable: %r", request_id, exc)
                await reply(send, 503, UNAVAILABLE, request_id)
                return
            log.exception("unexpected error in request %s", request_id)
            await reply(send, 500, INTERNAL, request_id)
            return
        await response(scope, receive, send)

    def decode_json(self, data: str | bytes) -> object:
        """Strict UTF-8 (no guessing of UTF-16/32), nesting bounded; HTTP 400 otherwise."""
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
        except UnicodeDecodeError:
            raise HTTPException(400, "The request body is not UTF-8 text.") from None
        too_deep = f"The JSON in the request nests deeper than {MAX_JSON_DEPTH} levels."
        try:
            value = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            raise HTTPException(
                400,
                f"The request is not valid JSON: {exc.msg} (line {exc.lineno}, "
                f"column {exc.colno}).",
            ) from None
        except RecursionError:
            raise HTTPException(400, too_deep) from None
        except ValueError as exc:  # NaN, 1e400, or an integer of more than 4300 digits
            why = str(exc).split(":")[0]
            raise HTTPException(
                400, f"The request holds a number that cannot be read: {why}."
            ) from None
        if json_depth_over(value, MAX_JSON_DEPTH):
            raise HTTPException(400, too_deep)
        return value

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
        transport = self._get_stream_transport_from_headers(request.headers)
        protocol = transport.protocol if transport else "http"
        if request.method == "GET":
            return request_data(self.parse_query_params(request.query_params), protocol)
        content_type, _ = parse_content_type(request.content_type or "")
        if not is_json(content_type):
            raise HTTPException(
                400,
                f"Unsupported content type {content_type or '(none)'!r}: send GraphQL as "
                "application/json.",
            )
        return request_data(self.parse_json(await request.get_body()), protocol)

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        runtime: Runtime = request.app.state.runtime
        auth = await authenticate(runtime.db, request.headers, runtime.tokens)
        viewer = await load_viewer(runtime.db, auth.principal, auth.contact)
        return Context(
            runtime=runtime,
            auth=auth,
            viewer=viewer,
            request=request,
            response=response,
        )

    async def get_root_value(self, request: Any) -> None:
        return None

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        note_errors(request.scope, result.errors)  # for the access line and the metrics
        return await super().process_result(request, result)
