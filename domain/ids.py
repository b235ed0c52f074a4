"""Public ids: opaque, typed ("Partner:42" base64url), so `node(id)` knows where to look."""

from __future__ import annotations

import base64
import binascii
import re

CANONICAL_KEY = re.compile(r"0|[1-9][0-9]{0,9}")
# Primary keys are INTEGER columns (32-bit on PostgreSQL): a larger key names nothing, and
# would overflow the driver if it were looked up.
MAX_KEY = 2**31 - 1


def encode(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def decode(global_id: str) -> tuple[str, int] | None:
    """The (type, primary key) behind an id, or None for anything that is not one of ours."""
    if not isinstance(global_id, str) or not 0 < len(global_id) <= 100:
        return None
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, pk = raw.partition(":")
    # Exactly what encode() writes: ASCII digits, no sign, no leading zeros.
    if not sep or not CANONICAL_KEY.fullmatch(pk) or not type_name.isidentifier():
        return None
    if int(pk) > MAX_KEY:
        return None
    return type_name, int(pk)


def decode_as(global_id: str, type_name: str) -> int | None:
    """The primary key if `global_id` names an object of `type_name`, else None."""
    decoded = decode(global_id)
    if decoded is None or decoded[0] != type_name:
        return None
    return decoded[1]
