"""Connection cursors and page sizes: a bad `after` or `first` is the client's error, said so."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from domain.errors import InvalidArgument
from domain.pagination import (
    DEFAULT_PAGE,
    MAX_PAGE,
    after_id,
    decode_cursor,
    encode_cursor,
    page_size,
)


def _raw(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize("values", [["Acme", 12], [1], ["Zürich AG", 3], [None, 9]])
def test_cursor_decodes_to_the_values_it_was_made_of(values: list[Any]) -> None:
    # when
    cursor = encode_cursor(values)
    # then
    assert decode_cursor(cursor, len(values)) == values


@pytest.mark.parametrize(
    ("cursor", "width"),
    [
        ("not a cursor", 2),
        ("%%%", 1),
        ("w6k", 1),  # base64 of "é": not JSON
        (_raw({"name": "Acme"}), 1),
        (_raw("Acme"), 1),
        (_raw(12), 1),
        (_raw(["Acme"]), 2),
        (_raw(["Acme", 1, 2]), 2),
        ("Ünïcode", 1),
    ],
    ids=[
        "text",
        "symbols",
        "not-json",
        "object",
        "string",
        "number",
        "too-few-values",
        "too-many-values",
        "non-ascii",
    ],
)
def test_anything_else_is_bad_user_input_about_after(cursor: str, width: int) -> None:
    # when
    with pytest.raises(InvalidArgument) as raised:
        decode_cursor(cursor, width)
    # then
    assert raised.value.code == "BAD_USER_INPUT"
    assert raised.value.extensions["field"] == "after"


@pytest.mark.parametrize("cursor", [_raw(["12"]), _raw([1.5]), _raw([None])])
def test_id_cursor_must_hold_a_whole_number(cursor: str) -> None:
    with pytest.raises(InvalidArgument):
        after_id(cursor)


def test_id_cursor_gives_the_id_and_no_cursor_gives_none() -> None:
    assert after_id(encode_cursor([41])) == 41
    assert after_id(None) is None


@pytest.mark.parametrize(("first", "size"), [(None, DEFAULT_PAGE), (0, 0), (MAX_PAGE, MAX_PAGE)])
def test_page_size_defaults_to_twenty_and_allows_zero_to_a_hundred(
    first: int | None, size: int
) -> None:
    assert DEFAULT_PAGE == 20
    assert page_size(first) == size


@pytest.mark.parametrize("first", [-1, MAX_PAGE + 1, 10**9])
def test_page_size_outside_zero_to_a_hundred_is_bad_user_input(first: int) -> None:
    # when
    with pytest.raises(InvalidArgument) as raised:
        page_size(first)
    # then
    assert raised.value.extensions["field"] == "first"
