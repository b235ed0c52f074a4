"""A mutation's unit of work: the change, its consequences and its audit entry, all or nothing.

Service functions take a UnitOfWork: its session (one transaction), who acts, and what the
audit entry should say. `perform` runs a service, records the audit entry in the same
transaction (or, when the service refuses, a REFUSED entry in its own), and runs the whole
unit again when it lost a race the database detected (a unique key taken meanwhile, a
serialisation failure, a deadlock): on the next try the service sees the winner's data and
answers as it would have (DUPLICATE, or an update instead of an insert).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.db import Database
from domain.errors import DomainError
from domain.principal import Principal

R = TypeVar("R")
log = logging.getLogger("partnerscope.uow")

RETRIES = 4
# unique_violation, serialization_failure, deadlock_detected (PostgreSQL SQLSTATEs)
RETRYABLE_STATES = frozenset({"23505", "40001", "40P01"})


@dataclass
class UnitOfWork:
    db: Database
    session: AsyncSession
    actor: Principal | None
    target: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.actor.label if self.actor is not None else "anonymous"

    @property
    def principal(self) -> Principal:
        """Who acts, for services that need a signed-in caller (resolvers ensure one)."""
        if self.actor is None:
            raise RuntimeError("this service needs a signed-in principal")
        return self.actor


def retryable(exc: BaseException) -> bool:
    """A race the database refused: running the unit again sees the other writer's data."""
    if not isinstance(exc, DBAPIError):
        return False
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return state in RETRYABLE_STATES


async def _backoff(attempt: int) -> None:
    await asyncio.sleep(random.uniform(0, 0.01 * 2**attempt))


async def perform(
    db: Database,
    actor: Principal | None,
    action: str,
    work: Callable[[UnitOfWork], Awaitable[R]],
    *,
    label: str | None = None,
) -> R:
    """Run `work` as one unit of work with its audit entry; DomainError is audited and re-raised.

    `label` names the actor in the audit log when there is no principal (e.g. "cli").
    """
    attempt = 0
    while True:
        uow: UnitOfWork | None = None
        try:
            async with db.write() as session:
                uow = UnitOfWork(db, session, actor)
                value = await work(uow)
                audit.record(
                    session,
                    actor=label or uow.label,
                    action=action,
                    outcome=audit.Outcome.OK,
                    target=uow.target,
                    detail=uow.detail,
                )
            return value
        except DomainError as exc:
            await _record_refusal(db, uow, label, action, exc)
            raise
        except DBAPIError as exc:
            if not retryable(exc) or attempt >= RETRIES:
                raise
            attempt += 1
            log.info("%s lost a race (%s); running it again (%d)", action, exc.orig, attempt)
            await _backoff(attempt)


async def _record_refusal(
    db: Database, uow: UnitOfWork | None, label: str | None, action: str, exc: DomainError
) -> None:
    async with db.write() as session:
        audit.record(
            session,
            actor=label or (uow.label if uow else "anonymous"),
            action=action,
            outcome=audit.Outcome.REFUSED,
            target=uow.target if uow else None,
            detail={
                **(uow.detail if uow else {}),
                "errors": [{"path": list(p.path), "code": p.code.value} for p in exc.problems],
            },
        )
