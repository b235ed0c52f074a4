"""One source of "now", so tests and scheduled re-evaluation agree on time."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
