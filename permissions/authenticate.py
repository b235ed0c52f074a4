"""Credentials -> Principal: `Authorization: Bearer <jwt>` or `Authorization: ApiKey <secret>`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from domain.db import Database
from domain.identity import accounts, api_keys
from domain.identity.tokens import InvalidToken, TokenIssuer
from domain.principal import Principal

NO_CREDENTIALS = (
    "Sign in first: send `Authorization: Bearer <token>` or `Authorization: ApiKey <key>`."
)
REVOKED = "This account or key can no longer sign in."


@dataclass(frozen=True)
class Authentication:
    principal: Principal | None
    # Why the credentials sent were refused (None when none were sent or they were fine).
    error: str | None = None

    @property
    def message(self) -> str:
        return self.error or NO_CREDENTIALS


async def authenticate(
    db: Database, headers: Mapping[str, str], tokens: TokenIssuer
) -> Authentication:
    header = headers.get("authorization", "").strip()
    if not header:
        return Authentication(None)
    scheme, _, credential = header.partition(" ")
    credential = credential.strip()
    scheme = scheme.lower()
    if scheme == "bearer" and credential:
        try:
            kind, pk = tokens.verify(credential)
        except InvalidToken as exc:
            return Authentication(None, str(exc))
        async with db.read() as session:
            principal = await accounts.load_principal(session, kind, pk)
        return Authentication(principal, None if principal else REVOKED)
    if scheme == "apikey" and credential:
        async with db.read() as session:
            found = await api_keys.principal_for_secret(session, credential)
        if found is None:
            return Authentication(None, "The API key is not valid or has been revoked.")
        principal, stale = found
        if stale:
            async with db.write() as session:
                await api_keys.touch(session, principal.id)
        return Authentication(principal)
    return Authentication(
        None, "Unsupported Authorization header: use `Bearer <token>` or `ApiKey <key>`."
    )
