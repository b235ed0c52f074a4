"""What the domain reports about its own work: membership moves, recompute times, throttling.

The server installs a recorder (Prometheus, `server/metrics.py`); until it does, or when
metrics are off, every call here is a no-op. The domain never imports the server.

Membership moves are counted when the transaction that wrote them commits: a unit of work
that rolls back (or runs again after losing a race) counts nothing, so the counters agree
with the `membership_events` table. Counts come from the statements' row counts or the
lists already in memory, never from extra queries.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_PENDING = "partnerscope.telemetry.moves"


class Recorder(Protocol):
    def membership_moves(self, cause: str, change: str, count: int) -> None:
        """`count` subjects joined or left (`change`) segments for `cause`."""

    def recompute_seconds(self, cause: str, seconds: float) -> None:
        """A set-based recompute of one or more segments took `seconds`."""

    def scheduled_run_seconds(self, seconds: float) -> None:
        """The periodic re-evaluation (this worker held the schedule) took `seconds`."""

    def sign_in_throttled(self, flow: str) -> None:
        """A sign-in (`login`) or invitation (`invitation`) was refused by the throttle."""

    def mutation_errors(self, mutation: str, code: str, count: int) -> None:
        """`mutation` answered `count` problems of `code` in its payload's errors."""


class _Nothing:
    def membership_moves(self, cause: str, change: str, count: int) -> None:
        return None

    def recompute_seconds(self, cause: str, seconds: float) -> None:
        return None

    def scheduled_run_seconds(self, seconds: float) -> None:
        return None

    def sign_in_throttled(self, flow: str) -> None:
        return None

    def mutation_errors(self, mutation: str, code: str, count: int) -> None:
        return None


NOTHING: Recorder = _Nothing()
_recorder: Recorder = NOTHING


def install(recorder: Recorder | None) -> None:
    """Report to `recorder` from now on (None: stop reporting)."""
    global _recorder
    _recorder = recorder or NOTHING
    listening = event.contains(Session, "after_commit", _committed)
    if recorder is not None and not listening:
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_rollback", _rolled_back)
    elif recorder is None and listening:
        event.remove(Session, "after_commit", _committed)
        event.remove(Session, "after_rollback", _rolled_back)


def recorder() -> Recorder:
    return _recorder


def enabled() -> bool:
    return _recorder is not NOTHING


def count_mutation_errors(mutation: str, codes: list[str]) -> None:
    """A mutation wrote nothing and answered these problems (one code per problem)."""
    for code, count in Counter(codes).items():
        _recorder.mutation_errors(mutation, code, count)


def count_moves(session: AsyncSession, cause: str, change: str, count: int) -> None:
    """Count `count` moves written in `session`'s transaction, once it commits."""
    if count and enabled():
        pending: Counter[tuple[str, str]] = session.sync_session.info.setdefault(
            _PENDING, Counter()
        )
        pending[(cause, change)] += count


def _committed(session: Session) -> None:
    pending: Counter[tuple[str, str]] | None = session.info.pop(_PENDING, None)
    for (cause, change), count in (pending or {}).items():
        _recorder.membership_moves(cause, change, count)


def _rolled_back(session: Session, *_: Any) -> None:
    session.info.pop(_PENDING, None)


@contextmanager
def timed_recompute(cause: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        _recorder.recompute_seconds(cause, time.perf_counter() - started)
