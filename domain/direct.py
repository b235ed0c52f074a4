"""Hot-path statements run straight on the SQLite driver: one trip to its thread, not four.

SQLAlchemy's aiosqlite adapter makes four trips to the driver's worker thread for every
statement (open a cursor, execute, fetch, close), each a queue hand-off and an event-loop
wake-up of ~0.1 ms. The incremental membership path runs about eight small statements per
data change, so those trips cost more than SQLite's own work (`bench/segments.py`).

Statements here are still built and compiled by SQLAlchemy (once per dialect), parameters
go through the column types' bind processors and rows come back decoded by their result
processors, so a row reads exactly as it does through SQLAlchemy (a test holds them equal).
They run inside the session's open transaction, on its connection. On any other database
they simply run through SQLAlchemy. Engine events (`before_cursor_execute`, echo) do not see
these statements; whoever counts statements (the N+1 tests) listens here too.
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import Select
from sqlalchemy.sql.expression import UpdateBase

from domain.statements import one_of

Processor = Callable[[Any], Any] | None
# build(in_ids) -> statement, where in_ids(column) tests the column against the ids given.
Builder = Callable[[Callable[[ColumnElement[Any]], ColumnElement[bool]]], Select[Any]]

_IDS_JSON = "ids_json"

# Called with each statement run straight on the driver (what engine events cannot see).
statement_listeners: list[Callable[[str], None]] = []


def _seen(sql: str) -> None:
    for listener in statement_listeners:
        listener(sql)


def _portable_in(column: ColumnElement[Any]) -> ColumnElement[bool]:
    return column.in_(bindparam("ids", expanding=True))


def _postgresql_in(column: ColumnElement[Any]) -> ColumnElement[bool]:
    # One SQL text (and one prepared statement) for any number of ids: `= ANY(:ids)`.
    return one_of(column, "postgresql", "ids")


def _sqlite_in(column: ColumnElement[Any]) -> ColumnElement[bool]:
    # One SQL text for any number of ids: they travel as one JSON array.
    values = func.json_each(bindparam(_IDS_JSON)).table_valued("value")
    return column.in_(select(values.c.value))


def _is_sqlite(connection: AsyncConnection) -> bool:
    return connection.dialect.name == "sqlite"


async def _driver(connection: AsyncConnection) -> Any:
    return (await connection.get_raw_connection()).driver_connection


@dataclass(frozen=True)
class _Compiled:
    sql: str
    make_row: Callable[[Iterable[Any]], tuple[Any, ...]]
    processors: tuple[Processor, ...]

    def decode(self, raw: Sequence[Any]) -> Any:
        return self.make_row(
            value if process is None or value is None else process(value)
            for process, value in zip(self.processors, raw, strict=True)
        )


class DirectSelect:
    """A select whose only parameter is a list of ids, read in one driver call on SQLite."""

    def __init__(self, build: Builder) -> None:
        self.portable = build(_portable_in)
        self._postgresql = build(_postgresql_in)
        self._sqlite = build(_sqlite_in)
        self._compiled: _Compiled | None = None

    def _compile(self, dialect: Dialect) -> _Compiled:
        if self._compiled is None:
            compiled = self._sqlite.compile(dialect=dialect)
            if list(compiled.positiontup or ()) != [_IDS_JSON]:
                raise ValueError(f"a direct select takes only the ids: {compiled.positiontup}")
            columns = list(self._sqlite.selected_columns)
            self._compiled = _Compiled(
                sql=str(compiled),
                # typeshed types a namedtuple with run-time fields as a plain tuple class.
                make_row=namedtuple("Row", self._sqlite.selected_columns.keys())._make,  # type: ignore[attr-defined]
                processors=tuple(
                    c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
                ),
            )
        return self._compiled

    async def rows(self, session: AsyncSession, ids: Iterable[int]) -> list[Any]:
        connection = await session.connection()
        ids = list(ids)
        if not _is_sqlite(connection):
            postgresql = connection.dialect.name == "postgresql"
            statement = self._postgresql if postgresql else self.portable
            return list(await connection.execute(statement, {"ids": ids}))
        compiled = self._compile(connection.dialect)
        driver = await _driver(connection)
        _seen(compiled.sql)
        raw = await driver.execute_fetchall(compiled.sql, (json.dumps(ids),))
        return [compiled.decode(r) for r in raw]


class DirectWrite:
    """An insert, update or delete run for many parameter sets in one driver call on SQLite.

    Name every parameter with `bindparam` (an insert lists its values explicitly).
    """

    def __init__(self, statement: UpdateBase) -> None:
        self.statement = statement
        self._compiled: tuple[str, tuple[str, ...], tuple[Processor, ...]] | None = None

    def _compile(self, dialect: Dialect) -> tuple[str, tuple[str, ...], tuple[Processor, ...]]:
        if self._compiled is None:
            compiled = self.statement.compile(dialect=dialect)
            names = tuple(compiled.positiontup or ())
            binds = {b.key: b for b in compiled.binds.values()}
            self._compiled = (
                str(compiled),
                names,
                tuple(binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names),
            )
        return self._compiled

    async def many(self, session: AsyncSession, parameters: list[dict[str, Any]]) -> None:
        if not parameters:
            return
        connection = await session.connection()
        if not _is_sqlite(connection):
            await connection.execute(self.statement, parameters)
            return
        sql, names, processors = self._compile(connection.dialect)
        pairs = list(zip(names, processors, strict=True))
        rows = [
            tuple(
                params[n] if process is None or params[n] is None else process(params[n])
                for n, process in pairs
            )
            for params in parameters
        ]
        driver = await _driver(connection)
        _seen(sql)
        await driver.executemany(sql, rows)
