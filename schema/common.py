"""Shapes shared by every area: Node, connections, UserError."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

import strawberry

from domain.errors import Problem
from domain.pagination import Page

T = TypeVar("T")


@strawberry.interface(description="An object with a stable, opaque id usable with `node(id:)`.")
class Node:
    @strawberry.field
    def id(self, root: Any) -> strawberry.ID:
        """Every type encodes its own id from the model it shows (`ids.encode`)."""
        raise NotImplementedError


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    node: T
    cursor_of: strawberry.Private[Callable[[Any], str]]

    @strawberry.field
    def cursor(self) -> str:
        return self.cursor_of(self.node)  # encoded only when asked for


@strawberry.type
class Connection(Generic[T]):
    """A page of a list that can grow without bound (Relay connection)."""

    page: strawberry.Private[Page[Any]]

    @strawberry.field
    def edges(self) -> list[Edge[T]]:
        cursor_of = self.page.cursor_of
        return [Edge(node=item, cursor_of=cursor_of) for item in self.page.items]

    @strawberry.field
    def page_info(self) -> PageInfo:
        return PageInfo(has_next_page=self.page.has_next, end_cursor=self.page.end_cursor)

    @strawberry.field(description="All items of the list (not only this page) the viewer may see.")
    async def total_count(self) -> int:
        return await self.page.total()


@strawberry.type(description="One problem with a mutation's input; nothing was written.")
class UserError:
    path: list[str]
    code: str
    message: str

    @classmethod
    def from_problem(cls, problem: Problem) -> UserError:
        return cls(path=list(problem.path), code=problem.code.value, message=problem.message)

    @classmethod
    def from_problems(cls, problems: Iterable[Problem]) -> list[UserError]:
        return [cls.from_problem(p) for p in problems]
