"""Input checks every configuration service shares: audiences, names, ids and keys, with
each problem collected (not raised) so a caller hears about all of them at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from domain import audiences, ids
from domain.audiences import AudienceSpec
from domain.errors import DomainError, ErrorCode, Problems

T = TypeVar("T")


async def audience(
    session: Any, raw: Mapping[str, Any] | None, path: Sequence[str], problems: Problems
) -> AudienceSpec | None:
    """An AudienceInput as a spec (None: every partner contact); UNKNOWN_SEGMENT and the like
    go to `problems`."""
    try:
        return await audiences.validate(session, raw, path)
    except DomainError as exc:
        problems.items.extend(exc.problems)
        return None


def checked(
    check: Callable[[Any], T], value: Any, name: str, problems: Problems, what: str = ""
) -> T | None:
    """`check(value)`, or None with INVALID_VALUE (REQUIRED for a missing value) at `name`."""
    if value is None:
        problems.add(ErrorCode.REQUIRED, f"{what or name} is required.", name)
        return None
    try:
        return check(value)
    except ValueError as exc:
        problems.add(ErrorCode.INVALID_VALUE, f"{what or name}: {exc}.", name)
        return None


def decoded(global_id: Any, type_name: str) -> int | None:
    """The key behind an id of `type_name` (None: malformed, or another type's id)."""
    return ids.decode_as(global_id, type_name) if isinstance(global_id, str) else None
