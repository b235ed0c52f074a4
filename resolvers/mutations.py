"""Running a mutation as one unit of work: the change, its consequences and its audit entry."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from domain import audit
from domain.errors import DomainError, Problem
from domain.principal import Principal

R = TypeVar("R")
log = logging.getLogger("partnerscope.mutations")


@dataclass
class AuditNote:
    """Filled in by the work function: what it touched and a before/after summary."""

    target: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    # Who acted, when the mutation itself establishes it (login, acceptInvitation).
    actor: Principal | None = None


@dataclass(frozen=True)
class Result(Generic[R]):
    value: R | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def _actor_label(principal: Principal | None) -> str:
    return principal.label if principal is not None else "anonymous"


async def run_mutation(
    info: Info, work: Callable[[AsyncSession, AuditNote], Awaitable[R]]
) -> Result[R]:
    """Run `work` in one transaction; a DomainError rolls all of it back and is audited."""
    ctx = info.context
    note = AuditNote()
    try:
        async with ctx.db.write() as session:
            value = await work(session, note)
            audit.record(
                session,
                actor=_actor_label(note.actor or ctx.principal),
                action=info.field_name,
                outcome=audit.Outcome.OK,
                target=note.target,
                detail=note.detail,
            )
        return Result(value, [])
    except DomainError as exc:
        async with ctx.db.write() as session:
            audit.record(
                session,
                actor=_actor_label(note.actor or ctx.principal),
                action=info.field_name,
                outcome=audit.Outcome.REFUSED,
                target=note.target,
                detail={
                    **note.detail,
                    "errors": [{"path": list(p.path), "code": p.code.value} for p in exc.problems],
                },
            )
        return Result(None, exc.problems)
