"""Keyset pagination for Relay connections: stable under inserts, O(page) at any depth."""

from __future__ import annotations

import base64
import binascii
import json
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar

from sqlalchemy import BigInteger, Integer, Select, String, bindparam, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from domain import validation
from domain.db import Database
from domain.errors import InvalidArgument

T = TypeVar("T")
U = TypeVar("U")

DEFAULT_PAGE = 20
MAX_PAGE = 100
NOT_A_CURSOR = "`after` is not a cursor from this list."
# What an INTEGER column holds everywhere (PostgreSQL's is 32-bit), and a BIGINT.
INTEGER_RANGE = range(-(2**31), 2**31)
BIGINT_RANGE = range(-(2**63), 2**63)


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if first < 0 or first > MAX_PAGE:
        raise InvalidArgument(
            f"`first` must be between 0 and {MAX_PAGE}; got {first}.", argument="first"
        )
    return first


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != width:
        raise InvalidArgument(NOT_A_CURSOR, argument="after")
    return values


def _fits(column: Any, value: Any) -> bool:
    """Whether a cursor value is one `column` could hold: no forged value reaches the database
    (a 31-digit id overflows its driver, a NUL is refused by PostgreSQL)."""
    kind = column.type
    if isinstance(value, bool) or not isinstance(value, kind.python_type):
        return False
    if isinstance(kind, BigInteger):
        return value in BIGINT_RANGE
    if isinstance(kind, Integer):
        return value in INTEGER_RANGE
    if isinstance(kind, String):
        fits_length = kind.length is None or len(value) <= kind.length
        return fits_length and validation.storable(value)
    return True


@dataclass(frozen=True)
class Keyset:
    """The columns a list is ordered by (all ascending or all descending, ending unique)."""

    columns: tuple[Any, ...]
    descending: bool = False

    @cached_property
    def _order_by(self) -> tuple[Any, ...]:
        # Built once: an ORM attribute's asc()/desc() is costly to build per request.
        return tuple(c.desc() if self.descending else c.asc() for c in self.columns)

    def after_values(self, cursor: str) -> dict[str, Any]:
        """The parameters of `paged(..., after=True)` for rows past `cursor` (a forged cursor:
        refused)."""
        values = decode_cursor(cursor, len(self.columns))
        for column, value in zip(self.columns, values, strict=True):
            if not _fits(column, value):
                raise InvalidArgument(NOT_A_CURSOR, argument="after")
        return {f"after_{i}": value for i, value in enumerate(values)}

    @cached_property
    def _past(self) -> ColumnElement[bool]:
        # Rows past a cursor, its values as parameters `after_<i>` (after_values).
        key = tuple_(*self.columns)
        bound = tuple_(*(bindparam(f"after_{i}", type_=c.type) for i, c in enumerate(self.columns)))
        return key < bound if self.descending else key > bound

    def paged(self, query: Select[Any], after: bool) -> Select[Any]:
        """`query` in this order, past :after_<i> if `after`, at most :limit rows: built once
        per query object and kept while that object lives (queries a module builds once per
        audience set are reused request after request, statement and compiled form alike)."""
        shapes = self._paged.get(query)
        if shapes is None:
            shapes = self._paged[query] = {}
        statement = shapes.get(after)
        if statement is None:
            statement = query.where(self._past) if after else query
            limit = bindparam("limit", type_=Integer)
            statement = shapes[after] = statement.order_by(*self._order_by).limit(limit)
        return statement

    @cached_property
    def _paged(self) -> weakref.WeakKeyDictionary[Select[Any], dict[bool, Select[Any]]]:
        return weakref.WeakKeyDictionary()

    def cursor(self, row: Any) -> str:
        return encode_cursor([getattr(row, c.key) for c in self.columns])


@dataclass
class Page(Generic[T]):
    """One page of a connection; `total` runs its count only if a client asks for it, and
    a cursor is encoded only for an edge whose cursor is asked for."""

    items: list[T]
    cursor_of: Callable[[Any], str]
    has_next: bool
    count: Callable[[], Awaitable[int]] | None = None
    # The rows cursors are read from, when `items` were made from them (`mapped`).
    sources: list[Any] | None = None

    def cursor(self, index: int) -> str:
        rows = self.items if self.sources is None else self.sources
        return self.cursor_of(rows[index])

    @property
    def end_cursor(self) -> str | None:
        return self.cursor(len(self.items) - 1) if self.items else None

    def mapped(self, convert: Callable[[T], U]) -> Page[U]:
        """The same page showing `convert(item)` for each item; cursors stay the rows'."""
        return Page(
            [convert(item) for item in self.items],
            self.cursor_of,
            self.has_next,
            self.count,
            self.items if self.sources is None else self.sources,
        )

    async def total(self) -> int:
        return len(self.items) if self.count is None else await self.count()


# The count of each live query (see Keyset.paged: queries built once are counted alike).
_counts: weakref.WeakKeyDictionary[Select[Any], Select[Any]] = weakref.WeakKeyDictionary()


async def count_rows(
    session: AsyncSession, query: Select[Any], params: Mapping[str, Any] | None = None
) -> int:
    """How many rows `query` selects."""
    count_query = _counts.get(query)
    if count_query is None:
        count_query = select(func.count()).select_from(query.order_by(None).subquery())
        _counts[query] = count_query
    return int(await session.scalar(count_query, params) or 0)


def counter(
    db: Database, query: Select[Any], params: Mapping[str, Any] | None = None
) -> Callable[[], Awaitable[int]]:
    """An on-demand count of the rows `query` selects (built only when asked for)."""

    async def count() -> int:
        async with db.read() as session:
            return await count_rows(session, query, params)

    return count


async def paginate(
    db: Database,
    query: Select[Any],
    keyset: Keyset,
    first: int | None,
    after: str | None,
    *,
    entities: bool = True,
    params: Mapping[str, Any] | None = None,
) -> Page[Any]:
    """One page of `query` (its bind parameters' values: `params`) ordered by `keyset`: ORM
    entities, or rows if `entities` is False."""
    size = page_size(first)
    values = {**(params or {}), **(keyset.after_values(after) if after else {})}
    values["limit"] = size + 1
    async with db.read() as session:
        result = await session.execute(keyset.paged(query, bool(after)), values)
        rows = list(result.scalars() if entities else result)
    has_next = len(rows) > size
    rows = rows[:size]
    return Page(rows, keyset.cursor, has_next, counter(db, query, params))


def child_page(
    rows: list[Any], size: int, keyset: Keyset, count: Callable[[], Awaitable[int]]
) -> Page[Any]:
    """A Page from the size+1 rows a batched child loader returned."""
    rows, has_next = rows[:size], len(rows) > size
    return Page(rows, keyset.cursor, has_next, count)


def after_id(after: str | None) -> int | None:
    """The id in a single-column id cursor (children lists are ordered by id)."""
    if not after:
        return None
    (value,) = decode_cursor(after, 1)
    if isinstance(value, bool) or not isinstance(value, int) or value not in INTEGER_RANGE:
        raise InvalidArgument(NOT_A_CURSOR, argument="after")
    return value
