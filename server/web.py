"""The reference partner portal at /portal: static ES modules, no build step, strict CSP."""

from __future__ import annotations

from pathlib import Path

from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PORTAL_DIRECTORY = Path(__file__).resolve().parent / "portal"
# The portal loads only its own files and talks only to this origin's /graphql: no inline
# script or style, no third-party origin, never framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    # Small files served from the package: always revalidated, so an upgrade shows at once.
    (b"cache-control", b"no-cache"),
]


class SecurityHeaders:
    """Adds the portal's security headers to every response of the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in SECURITY_HEADERS}
                kept = [h for h in message.get("headers", []) if h[0] not in names]
                message = {**message, "headers": [*kept, *SECURITY_HEADERS]}
            await send(message)

        await self.app(scope, receive, with_headers)


def portal_app() -> ASGIApp:
    """index.html, the ES modules and the stylesheet under server/portal/."""
    return SecurityHeaders(StaticFiles(directory=PORTAL_DIRECTORY, html=True))
