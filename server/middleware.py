"""HTTP-level guards in front of /graphql: body size cap, CSRF preflight for non-JSON posts."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFLIGHT_HEADERS = (b"graphql-preflight", b"x-requested-with", b"apollo-require-preflight")


async def _reply(send: Send, status: int, message: str) -> None:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})


class BodySizeLimit:
    """413 for bodies over `max_bytes`, whether Content-Length says so or the stream does."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _reply(send, 413, f"Request body over {self.max_bytes} bytes.")
            return
        seen = 0
        too_big = False

        async def limited() -> Message:
            nonlocal seen, too_big
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_big = True
                    raise _TooLarge
            return message

        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracking)
        except _TooLarge:
            if not started:
                await _reply(send, 413, f"Request body over {self.max_bytes} bytes.")


class _TooLarge(Exception):
    pass


class CsrfGuard:
    """A browser form can POST text/plain, urlencoded or multipart without a CORS preflight.

    Such posts must carry a header a form cannot set (GraphQL-Preflight, X-Requested-With
    or Apollo-Require-Preflight); JSON posts need none, since they are preflighted.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            headers: dict[bytes, Any] = dict(scope["headers"])
            content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            json_body = content_type == b"application/json" or content_type.endswith(b"+json")
            if not json_body and not any(h in headers for h in PREFLIGHT_HEADERS):
                await _reply(
                    send,
                    400,
                    "Send GraphQL as Content-Type: application/json. Other POST bodies need a "
                    "GraphQL-Preflight header (cross-site request protection).",
                )
                return
        await self.app(scope, receive, send)
