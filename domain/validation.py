"""Field validators shared by partner, contact and profile inputs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")


def text(value: Any, *, max_length: int, allow_empty: bool = False) -> str:
    """Trimmed text, or ValueError saying what was expected."""
    if not isinstance(value, str):
        raise ValueError("expected text")
    value = value.strip()
    if not value and not allow_empty:
        raise ValueError("must not be empty")
    if len(value) > max_length:
        raise ValueError(f"expected at most {max_length} characters, got {len(value)}")
    return value


def email(value: Any) -> str:
    """Syntax only: reserved domains such as example.com are fine (demo and test data use them)."""
    value = text(value, max_length=320).lower()
    if not EMAIL_PATTERN.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


def country(value: Any) -> str:
    value = text(value, max_length=2).upper()
    if not COUNTRY_PATTERN.match(value):
        raise ValueError(f'expected an ISO 3166 alpha-2 code such as "DE", got {value!r}')
    return value


def timestamp(value: Any) -> datetime:
    """An aware datetime from a datetime or ISO-8601 text; a missing offset means UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected an ISO-8601 date-time, got {value!r}") from None
    if not isinstance(value, datetime):
        raise ValueError("expected an ISO-8601 date-time")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def string_list(value: Any, *, max_items: int, max_length: int) -> list[str]:
    if not isinstance(value, list):
        raise ValueError("expected a list of text values")
    if len(value) > max_items:
        raise ValueError(f"expected at most {max_items} values, got {len(value)}")
    cleaned = [text(v, max_length=max_length) for v in value]
    return list(dict.fromkeys(cleaned))
