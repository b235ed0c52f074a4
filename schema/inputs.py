"""Turning Strawberry inputs into the domain's patches: omitted fields stay out, null stays null."""

from __future__ import annotations

import dataclasses
from typing import Any

from strawberry import UNSET
from strawberry.utils.str_converters import to_camel_case


def provided(value: Any) -> dict[str, Any]:
    """{publicFieldName: value} for every field the client sent, including explicit nulls."""
    return {
        to_camel_case(f.name): getattr(value, f.name)
        for f in dataclasses.fields(value)
        if getattr(value, f.name) is not UNSET
    }
