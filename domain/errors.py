"""Refusals a caller can act on. Resolvers turn them into payload `errors`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    REQUIRED = "REQUIRED"
    INVALID_VALUE = "INVALID_VALUE"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    TOO_MANY = "TOO_MANY"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_TOKEN = "INVALID_TOKEN"
    LAST_ADMIN = "LAST_ADMIN"
    INVALID_RULE = "INVALID_RULE"
    RULE_TOO_COMPLEX = "RULE_TOO_COMPLEX"
    CYCLE = "CYCLE"
    SEGMENT_IN_USE = "SEGMENT_IN_USE"
    UNKNOWN_SEGMENT = "UNKNOWN_SEGMENT"
    UNKNOWN_FIELD = "UNKNOWN_FIELD"
    UNKNOWN_RECORD_TYPE = "UNKNOWN_RECORD_TYPE"
    READ_ONLY = "READ_ONLY"
    UNKNOWN_PRODUCT = "UNKNOWN_PRODUCT"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"


Path = tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, what kind, and in words a user understands."""

    path: Path
    code: ErrorCode
    message: str


class DomainError(Exception):
    """The request was understood and refused; nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("a DomainError needs at least one problem")
        self.problems = list(problems)
        super().__init__("; ".join(f"{'/'.join(p.path)}: {p.message}" for p in self.problems))

    @classmethod
    def one(cls, code: ErrorCode, message: str, path: Iterable[str | int] = ()) -> DomainError:
        return cls([Problem(tuple(str(p) for p in path), code, message)])

    @property
    def codes(self) -> list[str]:
        return [p.code.value for p in self.problems]


def not_found(what: str, path: Iterable[str | int]) -> DomainError:
    return DomainError.one(ErrorCode.NOT_FOUND, f"No {what} with this id.", path)


class TooManyAttempts(DomainError):
    """Sign-in refused without checking the password: too many recent failures."""

    def __init__(self, retry_after: int, path: Iterable[str | int]) -> None:
        super().__init__(
            [
                Problem(
                    tuple(str(p) for p in path),
                    ErrorCode.TOO_MANY_ATTEMPTS,
                    f"Too many failed sign-in attempts; try again in {retry_after} seconds.",
                )
            ]
        )
        self.retry_after = retry_after


class Problems:
    """Collects every problem of an input before refusing it, so a user fixes all at once."""

    def __init__(self, prefix: Iterable[str | int] = ()) -> None:
        self.prefix: Path = tuple(str(p) for p in prefix)
        self.items: list[Problem] = []

    def add(self, code: ErrorCode, message: str, *path: str | int) -> None:
        self.items.append(Problem(self.prefix + tuple(str(p) for p in path), code, message))

    def extend(self, other: Problems) -> None:
        self.items.extend(other.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise DomainError(self.items)


class TopLevelError(Exception):
    """A query's argument or target refused as a whole: a top-level error with `code`."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str, **extensions: object) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class InvalidArgument(TopLevelError):
    """An argument outside what the field accepts (e.g. `first` over 100, a forged cursor)."""

    def __init__(self, message: str, argument: str | None = None) -> None:
        super().__init__(message, **({"field": argument} if argument else {}))


class NotFoundError(TopLevelError):
    """A query that must return an object names none the caller may see."""

    code = "NOT_FOUND"


class Forbidden(TopLevelError):
    """The principal may not do this at all (a top-level FORBIDDEN, not a payload error)."""

    code = "FORBIDDEN"

    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(message)
