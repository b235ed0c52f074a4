"""The portal shell's input rules, without a database: tab paths, form values and how a
form's updates split between the partner and the contact."""

from __future__ import annotations

from typing import Any

import pytest

from domain import forms
from domain.catalogue import AttributeSubject, AttributeType, Catalogue
from domain.errors import Problems
from domain.portal import TAB_PATH

CATALOGUE = Catalogue(
    picklists={},
    attributes={
        (AttributeSubject.PARTNER, "mdfEligible"): AttributeType.BOOLEAN,
        (AttributeSubject.CONTACT, "language"): AttributeType.STRING,
    },
)
FIELDS = [
    {"name": "who", "label": "Who", "type": "STRING", "required": True},
    {"name": "size", "label": "Size", "type": "NUMBER", "required": False},
    {"name": "ok", "label": "OK", "type": "BOOLEAN", "required": False},
    {"name": "on", "label": "On", "type": "DATE", "required": False},
]


@pytest.mark.parametrize(
    "path", ["/", "/deals", "/deals/register?tab=new#top", "/a-b_c/%20x", "/ünï/cødé"]
)
def test_a_path_inside_the_portal_is_a_tab_path(path: str) -> None:
    assert TAB_PATH.fullmatch(path)


@pytest.mark.parametrize(
    "path",
    ["", "deals", "//evil.example", "/\\evil.example", "https://x.example/", "/a b", "/a\tb"],
)
def test_a_path_that_could_leave_the_portal_is_not(path: str) -> None:
    assert TAB_PATH.fullmatch(path) is None


def test_submitted_values_are_normalised_by_field_type() -> None:
    problems = Problems()
    kept = forms.check_values(
        FIELDS,
        {
            "who": "  Ada\r\nLovelace ",
            "size": "12.50",
            "ok": False,
            "on": "2026-05-01T23:30:00-02:00",
        },
        problems,
    )
    assert not problems
    assert kept == {"who": "Ada\nLovelace", "size": 12.5, "ok": False, "on": "2026-05-02"}


def test_blank_optional_values_are_kept_as_null_and_omitted_ones_are_left_out() -> None:
    problems = Problems()
    kept = forms.check_values(FIELDS, {"who": "Ada", "size": " ", "ok": None}, problems)
    assert not problems
    assert kept == {"who": "Ada", "size": None, "ok": None}


@pytest.mark.parametrize(
    ("path", "writable"),
    [
        ("partner.phase", True),
        ("partner.joinedAt", True),
        ("partner.attributes.mdfEligible", True),
        ("contact.title", True),
        ("contact.attributes.language", True),
        ("partner.attributes.unknown", False),
        ("partner.metrics.openPipeline", False),
        ("contact.role", False),
        ("contact.lastLoginAt", False),
        ("contact.certifications", False),
        ("partner.externalId", False),
        (None, False),
    ],
)
def test_a_form_may_set_data_fields_but_not_derived_or_identity_ones(
    path: Any, writable: bool
) -> None:
    assert forms.writable(path, CATALOGUE) is writable


def test_updates_split_into_a_partner_patch_and_a_contact_patch() -> None:
    split = forms.patches(
        [
            {"path": "partner.phase", "value": "ACTIVE"},
            {"path": "partner.attributes.mdfEligible", "value": True},
            {"path": "contact.title", "value": None},
            {"path": "contact.attributes.language", "value": "de"},
        ]
    )
    assert split.partner == {"phase": "ACTIVE", "attributes": {"mdfEligible": True}}
    assert split.contact == {"title": None, "attributes": {"language": "de"}}
