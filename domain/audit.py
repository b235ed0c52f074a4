"""Writing the audit log: every mutation (with a before/after summary) and every refusal."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import AuditEntry
from domain.validation import UNSTORABLE


class Outcome(StrEnum):
    OK = "OK"
    REFUSED = "REFUSED"
    FORBIDDEN = "FORBIDDEN"


SECRET_KEYS = frozenset({"password", "token", "secret", "invitationToken"})


def _storable(text: str) -> str:
    """A refused input may hold what the database cannot (NUL, unpaired surrogates); its
    refusal is still recorded, with U+FFFD in their place."""
    return UNSTORABLE.sub("\ufffd", str(text))


def _plain(value: Any) -> Any:
    """JSON-safe copy; secrets are never written to the log."""
    if isinstance(value, str):
        return _storable(value)
    if isinstance(value, Mapping):
        return {
            _storable(str(k)): "***" if k in SECRET_KEYS else _plain(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no infinity (a document literal such as 1e400 is one)
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """{"field": {"before": x, "after": y}} for the fields that changed."""
    return {
        key: {"before": _plain(before.get(key)), "after": _plain(after.get(key))}
        for key in before.keys() | after.keys()
        if before.get(key) != after.get(key)
    }


def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    outcome: Outcome,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor=_storable(actor[:200]),
        action=_storable(action[:120]),
        target=_storable(target[:200]) if target else None,
        outcome=outcome.value,
        detail=_plain(detail or {}),
    )
    session.add(entry)
    return entry


async def record_event(
    db: Any, actor: str, action: str, detail: Mapping[str, Any], *, target: str | None = None
) -> None:
    """An audit entry of its own (work that is not one unit of work, e.g. a recompute)."""
    async with db.write() as session:
        record(
            session, actor=actor, action=action, outcome=Outcome.OK, target=target, detail=detail
        )
