"""Public ids: opaque and typed; anything that is not one of ours decodes to None, never raises."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from domain import ids


def _raw(text: bytes) -> str:
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


@pytest.mark.parametrize(
    ("type_name", "pk"), [("Partner", 1), ("Contact", 42), ("StaffMember", 2**31 - 1)]
)
def test_encoded_id_decodes_to_its_type_and_key(type_name: str, pk: int) -> None:
    # when
    global_id = ids.encode(type_name, pk)
    # then
    assert ids.decode(global_id) == (type_name, pk)
    assert ids.decode_as(global_id, type_name) == pk


def test_id_is_opaque_url_safe_text() -> None:
    # when
    global_id = ids.encode("Partner", 123_456)
    # then
    assert "Partner" not in global_id
    assert "=" not in global_id
    assert set(global_id) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_ids_of_different_types_differ() -> None:
    assert ids.encode("Partner", 7) != ids.encode("Contact", 7)


def test_id_of_another_type_is_not_decoded_as_this_type() -> None:
    assert ids.decode_as(ids.encode("Contact", 7), "Partner") is None


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "garbage!",
        "x" * 101,
        _raw(b"Partner"),
        _raw(b"Partner:"),
        _raw(b":12"),
        _raw(b"Partner:abc"),
        _raw(b"Partner:-1"),
        _raw(b"Partner:1.5"),
        _raw(b"Partner:" + b"9" * 19),
        _raw(b"Partner:2147483648"),
        _raw(b"Not a type:1"),
        _raw(b"\xff\xfe:1"),
        _raw("Partner:\u00b2".encode()),  # superscript two: str.isdigit() says yes
        _raw("Partner:\u0663".encode()),  # Arabic-Indic three: not the id 3
        None,
        42,
    ],
    ids=[
        "empty",
        "not-base64",
        "too-long",
        "no-separator",
        "no-key",
        "no-type",
        "letters-key",
        "negative-key",
        "fractional-key",
        "key-too-large",
        "key-beyond-an-integer-column",
        "type-with-space",
        "not-utf8",
        "superscript-digit-key",
        "non-ascii-digit-key",
        "none",
        "int",
    ],
)
def test_anything_that_is_not_one_of_our_ids_decodes_to_none(garbage: Any) -> None:
    assert ids.decode(garbage) is None
    assert ids.decode_as(garbage, "Partner") is None
