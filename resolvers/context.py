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
from permissions.errors import Unauthenticated
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
    request: Any = None
    response: Any = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def db(self) -> Database:
        return self.runtime.db

    @property
    def principal(self) -> Principal | None:
        return self.auth.principal

    def require_principal(self) -> Principal:
        if self.auth.principal is None:
            raise Unauthenticated(self.auth.message)
        return self.auth.principal

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.runtime.db)
