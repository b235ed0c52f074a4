"""HTTP-level guards in front of /graphql: request ids, a deadline, body size and read
deadline, CSRF.

Every refusal here has the GraphQL error shape, `{"errors": [{"message", "extensions":
{"code", "requestId"}}]}` (with `"data": null` when the server, not the request, failed),
and every response carries the request's `X-Request-Id`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Coroutine
from typing import Any, cast

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFLIGHT_HEADERS = (b"graphql-preflight", b"x-requested-with", b"apollo-require-preflight")
REQUEST_ID_HEADER = b"x-request-id"
CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    413: "PAYLOAD_TOO_LARGE",
    500: "INTERNAL_SERVER_ERROR",
    503: "INTERNAL_SERVER_ERROR",
}
# How long a client told 503 should wait before trying again.
RETRY_AFTER_SECONDS = 5

log = logging.getLogger("partnerscope.http")


def request_id_of(scope: Scope) -> str:
    """The id RequestId gave this request (one is assigned here if it did not run)."""
    state: dict[str, Any] = scope.setdefault("state", {})
    request_id: str = state.setdefault("request_id", uuid.uuid4().hex)
    return request_id


def error_body(status: int, message: str, request_id: str) -> bytes:
    code = CODES.get(status, "BAD_REQUEST")
    error = {"message": message, "extensions": {"code": code, "requestId": request_id}}
    if status >= 500:  # a request that could run but was not answered: no data
        return json.dumps({"errors": [error], "data": None}).encode()
    return json.dumps({"errors": [error]}).encode()


async def reply(
    send: Send, status: int, message: str, request_id: str, *, close: bool = False
) -> None:
    """Answer with the GraphQL error shape; `close` ends the connection after it.

    A 503 says when to try again (`Retry-After`).
    """
    headers = [(b"content-type", b"application/json")]
    if close:
        headers.append((b"connection", b"close"))
    if status == 503:
        headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": error_body(status, message, request_id)})


class RequestId:
    """One id per request: in `scope["state"]["request_id"]`, the X-Request-Id header, the log.

    Generated here, never taken from the client, so a log line cannot be forged or merged.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        header = (REQUEST_ID_HEADER, request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != REQUEST_ID_HEADER]
                message = {**message, "headers": [*headers, header]}
            await send(message)

        await self.app(scope, receive, send_with_id)


_stopped: set[asyncio.Task[Any]] = set()


def stop(task: asyncio.Task[Any]) -> None:
    """Cancel `task` without waiting for it to end.

    Its cleanup can itself wait on the database (rolling back on a connection the network
    stalled waits for the client-side statement timeout), and the caller should not.
    """
    task.cancel()
    _stopped.add(task)
    task.add_done_callback(_forget)


def _forget(task: asyncio.Task[Any]) -> None:
    _stopped.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.warning("a stopped task ended with %r", task.exception())


class RequestDeadline:
    """A request that has not begun its answer `seconds` after it arrived is answered 503.

    The request is cancelled (a transaction it holds rolls back) but not waited for. The
    answer itself is not timed: once it has begun, it is sent whole.
    """

    def __init__(self, app: ASGIApp, seconds: float | None) -> None:
        self.app = app
        self.seconds = seconds or None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.seconds is None:
            await self.app(scope, receive, send)
            return
        started = stopped = False

        async def answering(message: Message) -> None:
            nonlocal started
            if stopped:
                return  # answered already
            started = started or message["type"] == "http.response.start"
            await send(message)

        # The app is a coroutine function; starlette types it as returning any awaitable.
        answer = cast(Coroutine[Any, Any, None], self.app(scope, receive, answering))
        request = asyncio.create_task(answer)
        try:
            await asyncio.wait({request}, timeout=self.seconds)
        except asyncio.CancelledError:
            request.cancel()
            raise
        if request.done() or started:
            await request
            return
        stopped = True
        stop(request)
        request_id = request_id_of(scope)
        log.warning("request %s stopped: no answer within %g s", request_id, self.seconds)
        await reply(
            send,
            503,
            f"The request did not complete within {self.seconds:g} s; try again shortly. "
            "Quote the request id when reporting it.",
            request_id,
        )


class BodyRefused(Exception):
    """Raised from `receive` when the body is too large or too slow; answered by BodyLimits."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class BodyLimits:
    """413 for bodies over `max_bytes` (whether Content-Length says so or the stream does);
    408 for a body that has not fully arrived `read_timeout` seconds after it was first read
    (a client trickling it byte by byte to hold a worker). Both close the connection.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, read_timeout: float | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.read_timeout = read_timeout or None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = f"Request body over {self.max_bytes} bytes."
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await reply(send, 413, too_large, request_id_of(scope), close=True)
            return
        seen = 0
        complete = False
        deadline: float | None = None

        async def limited() -> Message:
            nonlocal seen, complete, deadline
            if complete or self.read_timeout is None:
                message = await receive()
            else:
                if deadline is None:
                    deadline = asyncio.get_running_loop().time() + self.read_timeout
                try:
                    async with asyncio.timeout_at(deadline):
                        message = await receive()
                except TimeoutError:
                    raise BodyRefused(
                        408, f"The request body did not arrive within {self.read_timeout:g} s."
                    ) from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyRefused(413, too_large)
                complete = not message.get("more_body", False)
            return message

        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracking)
        except BodyRefused as refused:
            if not started:
                await reply(send, refused.status, refused.message, request_id_of(scope), close=True)


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
            if not is_json(headers.get(b"content-type", b"").decode("latin-1")) and not any(
                h in headers for h in PREFLIGHT_HEADERS
            ):
                await reply(
                    send,
                    400,
                    "Send GraphQL as Content-Type: application/json. Other POST bodies need a "
                    "GraphQL-Preflight header (cross-site request protection).",
                    request_id_of(scope),
                )
                return
        await self.app(scope, receive, send)


def is_json(content_type: str) -> bool:
    """application/json or a +json type, parameters (charset) aside."""
    media_type = content_type.split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")
