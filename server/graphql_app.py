"""Strawberry's ASGI app with PartnerScope's request context."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL

from permissions.authenticate import authenticate
from permissions.viewer import load_viewer
from resolvers.context import Context, Runtime


class PartnerScopeGraphQL(GraphQL):
    """POST /graphql for clients, GraphiQL for browsers on GET."""

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        runtime: Runtime = request.app.state.runtime
        auth = await authenticate(runtime.db, request.headers, runtime.tokens)
        viewer = await load_viewer(runtime.db, auth.principal)
        context = Context(
            runtime=runtime, auth=auth, viewer=viewer, request=request, response=response
        )
        response.headers["X-Request-Id"] = context.request_id
        return context

    async def get_root_value(self, request: Any) -> None:
        return None
