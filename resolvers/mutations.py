"""Mutations as units of work: GraphQL's request in, the service's result or problems out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from domain import telemetry
from domain.errors import DomainError, Problem
from domain.uow import perform
from resolvers.context import Info

R = TypeVar("R")


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
        telemetry.count_mutation_errors(info.field_name, [p.code.value for p in exc.problems])
        return Result(None, exc.problems, exc)
    return Result(value, [])
