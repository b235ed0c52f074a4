"""The typed per-request context every resolver receives as `info.context`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

from strawberry.types import Info as StrawberryInfo

from domain.db import Database
from domain.identity.throttle import Limit, MemoryStore, SignInThrottle
from domain.identity.tokens import TokenIssuer
from domain.principal import Principal
from permissions.authenticate import Authentication
from permissions.errors import Forbidden, Unauthenticated
from permissions.viewer import ViewerAccess, load_viewer
from resolvers.loaders import Loaders
from schema.documents import Introspection


@dataclass(frozen=True)
class Runtime:
    """Process-wide services, created once in the app lifespan."""

    db: Database
    tokens: TokenIssuer
    invitation_ttl: timedelta = timedelta(days=7)
    throttle: SignInThrottle = field(
        default_factory=lambda: SignInThrottle(MemoryStore(), Limit(10, 900), Limit(50, 900))
    )
    introspection: Introspection = Introspection.SIGNED_IN


@dataclass
class Context:
    runtime: Runtime
    auth: Authentication
    viewer: ViewerAccess
    request: Any = None
    response: Any = None
    # The id server.middleware.RequestId gave the request: the same in error extensions,
    # the X-Request-Id header and the log. Only a context without a request makes its own.
    request_id: str = ""
    # Field policies: what this viewer may not see, and what this response hid.
    hidden_seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not self.request_id:
            state = getattr(self.request, "state", None)
            self.request_id = getattr(state, "request_id", None) or uuid.uuid4().hex

    @property
    def hidden_fields(self) -> frozenset[str]:
        return self.viewer.access.hidden_fields

    def hides(self, field: str) -> bool:
        """Whether a field policy hides `Type.field` from this viewer (noted in the response).

        A hidden field must not be usable to look up, filter or infer either: resolvers
        that could reveal it ask here first.
        """
        if field in self.viewer.access.hidden_fields:
            self.hidden_seen.add(field)
            return True
        return False

    @property
    def db(self) -> Database:
        return self.runtime.db

    @property
    def introspection(self) -> Introspection:
        return self.runtime.introspection

    @property
    def client_address(self) -> str | None:
        client = getattr(self.request, "client", None)
        return client.host if client is not None else None

    async def sign_in(self, principal: Principal) -> None:
        """Answer the rest of this request as `principal` (after login or acceptInvitation):
        its segments, field policies and capabilities, exactly as its next request would."""
        self.auth = Authentication(principal)
        self.viewer = await load_viewer(self.db, principal)
        self.__dict__.pop("loaders", None)  # nothing read before the change is reused

    @property
    def principal(self) -> Principal | None:
        return self.auth.principal

    def require_principal(self) -> Principal:
        if self.auth.principal is None:
            if self.auth.code == "FORBIDDEN":
                raise Forbidden(self.auth.message)
            raise Unauthenticated(self.auth.message)
        return self.auth.principal

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.runtime.db, self.auth.principal)


# What every resolver receives: `info.context` is a Context.
Info = StrawberryInfo[Context, None]
