"""Mutations as units of work: GraphQL's request in, the service's result or problems out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from domain.errors import DomainError, Problem
from domain.uow import UnitOfWork, perform

R = TypeVar("R")

# What a work function fills in for the audit entry (target, detail, actor): the unit itself.
AuditNote = UnitOfWork


@dataclass(frozen=True)
class Result(Generic[R]):
    value: R | None
    problems: list[Problem]
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


async def run(
    info: Info, service: Callable[..., Awaitable[R]], *args: Any, **kwargs: Any
) -> Result[R]:
    """Call `service(uow, *args, **kwargs)` as the mutation's unit of work."""
    ctx = info.context
    try:
        value = await perform(
            ctx.db, ctx.principal, info.field_name, lambda uow: service(uow, *args, **kwargs)
        )
    except DomainError as exc:
        return Result(None, exc.problems, exc)
    return Result(value, [])


async def run_mutation(
    info: Info, work: Callable[[AsyncSession, UnitOfWork], Awaitable[R]]
) -> Result[R]:
    """Run `work(session, unit)` in one transaction; a DomainError rolls all of it back."""

    async def service(uow: UnitOfWork) -> R:
        return await work(uow.session, uow)

    return await run(info, service)
