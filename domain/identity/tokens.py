"""Signed, short-lived bearer tokens (JWT, HS256) carrying `sub`, `kind` and `exp`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from domain import ids
from domain.clock import utcnow
from domain.principal import PrincipalKind

ALGORITHM = "HS256"
_TOKEN_KINDS = {PrincipalKind.CONTACT: "contact", PrincipalKind.STAFF: "staff"}
_SUBJECT_TYPES = {PrincipalKind.CONTACT: "Contact", PrincipalKind.STAFF: "StaffMember"}


class InvalidToken(Exception):
    """Expired, tampered with, or not one of ours."""


@dataclass(frozen=True)
class TokenIssuer:
    secret: str
    ttl: timedelta

    def issue(self, kind: PrincipalKind, pk: int) -> tuple[str, datetime]:
        now = utcnow().replace(microsecond=0)
        expires = now + self.ttl
        claims = {
            "sub": ids.encode(_SUBJECT_TYPES[kind], pk),
            "kind": _TOKEN_KINDS[kind],
            "iat": now,
            "exp": expires,
        }
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM), expires

    def verify(self, token: str) -> tuple[PrincipalKind, int]:
        try:
            claims = jwt.decode(
                token, self.secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]}
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("Your session has expired; sign in again.") from None
        except jwt.InvalidTokenError:
            raise InvalidToken("The bearer token is not valid.") from None
        for kind, name in _TOKEN_KINDS.items():
            if claims.get("kind") == name:
                pk = ids.decode_as(str(claims["sub"]), _SUBJECT_TYPES[kind])
                if pk is not None:
                    return kind, pk
        raise InvalidToken("The bearer token is not valid.")
