"""Scalars the contract defines more narrowly than Strawberry's defaults.

`Date` is "YYYY-MM-DD" and nothing else: Python's `date.fromisoformat` also reads
"20261122" and week dates such as "2026-W47-7", which the contract does not promise.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from strawberry.schema.types.base_scalars import isoformat, wrap_parser
from strawberry.types.scalar import ScalarDefinition

CALENDAR_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(value: str) -> dt.date:
    if not CALENDAR_DATE.fullmatch(value):
        raise ValueError('expected "YYYY-MM-DD"')
    return dt.date.fromisoformat(value)


Date = ScalarDefinition(
    name="Date",
    description='A calendar date, "YYYY-MM-DD" (e.g. "2026-11-22").',
    specified_by_url=None,
    serialize=isoformat,
    parse_value=wrap_parser(parse_date, "Date"),
    parse_literal=None,
    origin=dt.date,
)

SCALAR_OVERRIDES: Mapping[object, ScalarDefinition] = {dt.date: Date}
