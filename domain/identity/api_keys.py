"""Integrator API keys: random secrets shown once, stored as SHA-256, scoped and revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import validation
from domain.clock import utcnow
from domain.errors import ErrorCode, Problems, not_found
from domain.models import ApiKey
from domain.principal import SCOPES, Principal, PrincipalKind

PREFIX = "psk_"
LAST_USED_RESOLUTION = timedelta(minutes=5)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_api_key(
    session: AsyncSession, name: str, scopes: list[str], created_by_id: int | None
) -> tuple[ApiKey, str]:
    problems = Problems()
    try:
        name = validation.text(name, max_length=200)
    except ValueError as exc:
        problems.add(ErrorCode.INVALID_VALUE, f"name: {exc}.", "name")
    if not scopes:
        problems.add(ErrorCode.REQUIRED, f"Give at least one scope of {list(SCOPES)}.", "scopes")
    for i, scope in enumerate(scopes):
        if scope not in SCOPES:
            problems.add(
                ErrorCode.INVALID_VALUE,
                f"Unknown scope {scope!r}; expected one of {list(SCOPES)}.",
                "scopes",
                i,
            )
    problems.raise_if_any()
    secret = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        secret_hash=digest(secret),
        scopes=list(dict.fromkeys(scopes)),
        created_by_id=created_by_id,
    )
    session.add(key)
    await session.flush()
    return key, secret


async def revoke_api_key(session: AsyncSession, key_id: int | None) -> ApiKey:
    key = await session.get(ApiKey, key_id) if key_id is not None else None
    if key is None:
        raise not_found("API key", ["id"])
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await session.flush()
    return key


async def principal_for_secret(session: AsyncSession, secret: str) -> tuple[Principal, bool] | None:
    """(principal, whether its last use should be recorded), or None for a bad or revoked key."""
    if not secret.startswith(PREFIX):
        return None
    key = await session.scalar(select(ApiKey).where(ApiKey.secret_hash == digest(secret)))
    if key is None or key.revoked_at is not None:
        return None
    principal = Principal(
        kind=PrincipalKind.API_KEY, id=key.id, name=key.name, scopes=frozenset(key.scopes)
    )
    stale = key.last_used_at is None or key.last_used_at < utcnow() - LAST_USED_RESOLUTION
    return principal, stale


async def touch(session: AsyncSession, key_id: int) -> None:
    """Record use at most every few minutes, so busy integrations do not write per request."""
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow()))
