"""Statements built once per shape and run with parameters, for the per-request hot path.

Building a select is not free: a plain one costs ~25 us to construct and key for the
compiled cache, a windowed page of children ~300 us (a subquery, an alias, proxied
columns). A statement object keeps its cache key once computed, so a statement built once
and executed with bound values costs only the lookup. `one_of` binds a list of keys as one
parameter: on PostgreSQL `= ANY(:keys)`, one SQL text and one prepared statement whatever
the number of keys (an expanding IN is re-rendered for every execution and prepared anew
for every length); elsewhere an expanding IN.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY


def one_of(column: Any, dialect: str, name: str = "keys") -> ColumnElement[bool]:
    """`column` is one of the values bound to `name` (a list), in one SQL text."""
    if dialect == "postgresql":
        found: ColumnElement[bool] = column == any_(bindparam(name, type_=ARRAY(column.type)))
    else:
        found = column.in_(bindparam(name, expanding=True))
    return found
