"""Field validators shared by partner, contact, segment, catalogue and identity inputs.

Every text a user can store passes `text` (display text) or `identifier` (emails, keys,
external ids): trimmed, bounded, and free of characters that make text look other than
it is. Lookups by user-given text ask `storable` first, so the database never sees what it
cannot hold (PostgreSQL refuses NUL and unpaired surrogates outright).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")
# Zero-width joiners: emoji sequences and scripts such as Persian and Hindi need them in
# names, so display text keeps them; identifiers, which must look like what they are, do not.
JOINERS = frozenset("\u200c\u200d")
LINE_BREAKS = frozenset("\t\n")
# Unicode categories refused everywhere: C0/C1 controls (NUL included), unpaired
# surrogates, line and paragraph separators; Cf (format: bidi overrides and isolates
# U+202A-U+202E and U+2066-U+2069, zero-width space, BOM, soft hyphen...) but for joiners.
REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
# What PostgreSQL cannot hold in text or JSONB at all.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _refused(char: str, *, multiline: bool, identifier: bool) -> bool:
    if multiline and char in LINE_BREAKS:
        return False
    category = unicodedata.category(char)
    if category == "Cf":
        return identifier or char not in JOINERS
    return category in REFUSED_CATEGORIES


CONTROL_NAMES = {
    0x00: "NULL",
    0x09: "TAB",
    0x0A: "LINE FEED",
    0x0D: "CARRIAGE RETURN",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
}


def _describe(char: str) -> str:
    """E.g. "U+202E RIGHT-TO-LEFT OVERRIDE (an invisible formatting character)"."""
    category = unicodedata.category(char)
    name = unicodedata.name(char, "") or CONTROL_NAMES.get(ord(char), "")
    kind = {"Cc": "a control character", "Cs": "an unpaired surrogate"}.get(
        category, "an invisible formatting character"
    )
    return f"U+{ord(char):04X} {name} ({kind})" if name else f"U+{ord(char):04X} ({kind})"


def check_characters(value: str, *, multiline: bool = False, identifier: bool = False) -> str:
    """`value`, or ValueError naming the first control or invisible formatting character.

    Multi-line text may hold tabs and line breaks; nothing else invisible is allowed.
    """
    if value.isprintable():  # the common case: no Other or Separator category at all
        return value
    for position, char in enumerate(value, 1):
        if _refused(char, multiline=multiline, identifier=identifier):
            allowed = " other than tab and line break" if multiline else ""
            raise ValueError(
                f"must not contain control or invisible formatting characters{allowed}; "
                f"found {_describe(char)} at position {position}"
            )
    return value


def storable(value: str) -> bool:
    """Whether the database can hold and compare `value` (no NUL, no unpaired surrogate)."""
    return UNSTORABLE.search(value) is None


def text(value: Any, *, max_length: int, allow_empty: bool = False, multiline: bool = False) -> str:
    """Trimmed text without control or invisible characters, or ValueError saying why.

    `multiline` text (e.g. descriptions) keeps tabs and line breaks (CRLF becomes LF).
    """
    if not isinstance(value, str):
        raise ValueError("expected text")
    value = value.strip()
    if multiline:
        value = value.replace("\r\n", "\n")
    if not value and not allow_empty:
        raise ValueError("must not be empty")
    if len(value) > max_length:
        raise ValueError(f"expected at most {max_length} characters, got {len(value)}")
    return check_characters(value, multiline=multiline)


def identifier(value: Any, *, max_length: int) -> str:
    """Text that names something (an external id, a key): no invisible characters at all."""
    return check_characters(text(value, max_length=max_length), identifier=True)


def email(value: Any) -> str:
    """Syntax only: reserved domains such as example.com are fine (demo and test data use them)."""
    address = identifier(value, max_length=320).lower()
    if not EMAIL_PATTERN.match(address):
        raise ValueError(f"{address!r} is not an email address")
    return address


def country(value: Any) -> str:
    code = text(value, max_length=2).upper()
    if not COUNTRY_PATTERN.match(code):
        raise ValueError(f'expected an ISO 3166 alpha-2 code such as "DE", got {code!r}')
    return code


def in_utc(value: datetime) -> datetime:
    """An aware datetime in UTC (naive means UTC), or ValueError outside years 1-9999 in UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        when = "after year 9999" if value.year == datetime.max.year else "before year 1"
        raise ValueError(
            f"{value.isoformat()} is {when} in UTC; expected a date-time between "
            "0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z"
        ) from None


def timestamp(value: Any) -> datetime:
    """An aware UTC datetime from a datetime or ISO-8601 text; a missing offset means UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected an ISO-8601 date-time, got {value!r}") from None
    if not isinstance(value, datetime):
        raise ValueError("expected an ISO-8601 date-time")
    return in_utc(value)


def string_list(value: Any, *, max_items: int, max_length: int) -> list[str]:
    if not isinstance(value, list):
        raise ValueError("expected a list of text values")
    if len(value) > max_items:
        raise ValueError(f"expected at most {max_items} values, got {len(value)}")
    cleaned = [text(v, max_length=max_length) for v in value]
    return list(dict.fromkeys(cleaned))
