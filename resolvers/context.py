"""The typed per-request context every resolver receives as `info.context`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

from domain.db import Database
from domain.identity.tokens import TokenIssuer
from domain.principal import Principal
from permissions.authenticate import Authentication
from permissions.errors import Forbidden, Unauthenticated
from permissions.viewer import Viewer
from resolvers.loaders import Loaders


@dataclass(frozen=True)
class Runtime:
    """Process-wide services, created once in the app lifespan."""

    db: Database
    tokens: TokenIssuer
    invitation_ttl: timedelta = timedelta(days=7)


@dataclass
class Context:
    runtime: Runtime
    auth: Authentication
    viewer: Viewer
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

    @property
    def db(self) -> Database:
        return self.runtime.db

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
        return Loaders(self.runtime.db)
