"""Shapes shared by every area: Node, connections, UserError."""

from __future__ import annotations

from collections.abc import Iterable
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
    page: strawberry.Private[Page[Any]]
    index: strawberry.Private[int]

    @strawberry.field
    def cursor(self) -> str:
        return self.page.cursor(self.index)  # encoded only when asked for


@strawberry.type
class Connection(Generic[T]):
    """A page of a list that can grow without bound (Relay connection)."""

    page: strawberry.Private[Page[Any]]

    @strawberry.field
    def edges(self) -> list[Edge[T]]:
        page = self.page
        return [Edge(node=item, page=page, index=i) for i, item in enumerate(page.items)]

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
