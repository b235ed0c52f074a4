"""Forms: defined as the contract says, offered by audience, and submitted by partner
contacts, whose partner moves on (memberships included) in the submission's transaction;
the payload's viewer already shows the portal that results.

Contract: README "Forms, layouts, numbers" (createForm), "Membership timing" (a form
submission moves memberships in the same transaction); docs/api.md "Portal shell".
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from domain.models import FormSubmission, Partner
from domain.principal import ContactRole, StaffRole
from tests.records import audit_entries, count, pk, snapshot
from tests.support import Api, create_api_key, create_segment

CREATE_FORM = """
mutation($key: String!, $title: String!, $fields: JSON!, $onSubmit: JSON!,
         $audience: AudienceInput) {
  createForm(key: $key, title: $title, fields: $fields, onSubmit: $onSubmit,
             audience: $audience) { id errors { path code message } }
}
"""
UPDATE_FORM = """
mutation($key: String!, $title: String, $fields: JSON, $onSubmit: JSON) {
  updateForm(key: $key, title: $title, fields: $fields, onSubmit: $onSubmit) {
    id errors { path code message }
  }
}
"""
DELETE_FORM = "mutation($key: String!) { deleteForm(key: $key) { deleted errors { path code } } }"
CREATE_TAB = """
mutation($key: String!, $path: String!, $order: Int, $audience: AudienceInput) {
  createTab(key: $key, label: $key, path: $path, order: $order, audience: $audience) {
    errors { path code message }
  }
}
"""
CREATE_PAGE = """
mutation($key: String!, $priority: Int, $audience: AudienceInput) {
  createPage(key: $key, title: $key, priority: $priority, audience: $audience) {
    errors { path code message }
  }
}
"""
DEFINE = """
mutation($subject: AttributeSubject!, $key: String!, $type: AttributeType!) {
  defineAttribute(subject: $subject, key: $key, type: $type) { errors { code } }
}
"""
PORTAL_FIELDS = """
  navigation { key }
  homepage { key }
  forms { key title fields { name label type required } onSubmit { path value } }
  capabilities { registerDeal createQuote }
  segments { key }
"""
PORTAL = "{ viewer {" + PORTAL_FIELDS + "} forms { key } }"
SUBMIT = (
    """
mutation($key: String!, $values: JSON!) {
  submitForm(key: $key, values: $values) {
    viewer {"""
    + PORTAL_FIELDS
    + """}
    errors { path code message }
  }
}
"""
)
HISTORY = """
query($key: String!) {
  segment(key: $key) { history(first: 10) { edges { node { subjectId change cause } } } }
}
"""
PHASE = "partner.phase"
TERMS_FIELDS: list[dict[str, Any]] = [
    {"name": "signatory", "label": "Your name", "type": "STRING", "required": True},
    {"name": "acceptTerms", "type": "BOOLEAN", "required": True},
    {"name": "employees", "type": "NUMBER"},
    {"name": "startOn", "type": "DATE"},
]


async def _ok(api: Api, token: str, document: str, variables: dict[str, Any], field: str) -> Any:
    response = await api.gql(document, variables, token=token)
    assert response.errors == [], response.errors
    assert response.data[field]["errors"] == [], response.data[field]["errors"]
    return response.data[field]


async def _form(
    api: Api,
    admin: str,
    key: str,
    fields: list[dict[str, Any]],
    on_submit: list[dict[str, Any]],
    audience: dict[str, Any] | None = None,
) -> None:
    variables = {"key": key, "title": key.title(), "fields": fields, "onSubmit": on_submit}
    await _ok(api, admin, CREATE_FORM, {**variables, "audience": audience}, "createForm")


async def _phase_segment(api: Api, admin: str, key: str, phase: str) -> None:
    await create_segment(api, admin, key, {"field": PHASE, "op": "eq", "value": phase})


async def _journey(api: Api, admin: str) -> None:
    """A prospecting partner's contact gets a getting-started tab and a terms form; one that
    signed gets deal registration."""
    await _phase_segment(api, admin, "prospects", "PROSPECTING")
    await _phase_segment(api, admin, "signed", "SIGNED_AGREEMENT")
    for key, order, audience in (
        ("home", 0, None),
        ("getting-started", 10, {"anySegments": ["prospects"]}),
        ("deal-registration", 20, {"noneSegments": ["prospects"]}),
    ):
        variables = {"key": key, "path": f"/{key}", "order": order, "audience": audience}
        await _ok(api, admin, CREATE_TAB, variables, "createTab")
    for key, priority, audience in (
        ("welcome", 0, None),
        ("prospect-home", 10, {"anySegments": ["prospects"]}),
        ("signed-home", 10, {"anySegments": ["signed"]}),
    ):
        variables = {"key": key, "priority": priority, "audience": audience}
        await _ok(api, admin, CREATE_PAGE, variables, "createPage")
    await _form(
        api,
        admin,
        "terms",
        TERMS_FIELDS,
        [{"path": PHASE, "value": "SIGNED_AGREEMENT"}],
        {"anySegments": ["prospects"]},
    )


async def _history(api: Api, admin: str, segment: str) -> list[tuple[str, str, str]]:
    response = await api.gql(HISTORY, {"key": segment}, token=admin)
    return [
        (e["node"]["subjectId"], e["node"]["change"], e["node"]["cause"])
        for e in response.data["segment"]["history"]["edges"]
    ]


# ---------------------------------------------------------------- the onboarding walk


async def test_submitting_the_terms_form_moves_the_partner_on_and_shows_the_new_portal(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    await _journey(api, admin)
    partner_id = await api.partner(phase="PROSPECTING")
    token, contact_id = await api.contact(partner_id, ContactRole.ADMIN)
    assert token is not None
    before = await api.gql(PORTAL, token=token)
    # when
    submitted = await api.gql(
        SUBMIT,
        {"key": "terms", "values": {"signatory": " Ada Lovelace ", "acceptTerms": True}},
        token=token,
    )
    next_request = await api.gql(PORTAL, token=token)
    # then: before, the prospect's portal
    assert before.errors == []
    portal = before.data["viewer"]
    assert [t["key"] for t in portal["navigation"]] == ["home", "getting-started"]
    assert portal["homepage"] == {"key": "prospect-home"}
    assert portal["forms"] == [
        {
            "key": "terms",
            "title": "Terms",
            "fields": [
                {"name": "signatory", "label": "Your name", "type": "STRING", "required": True},
                {
                    "name": "acceptTerms",
                    "label": "Accept terms",
                    "type": "BOOLEAN",
                    "required": True,
                },
                {"name": "employees", "label": "Employees", "type": "NUMBER", "required": False},
                {"name": "startOn", "label": "Start on", "type": "DATE", "required": False},
            ],
            "onSubmit": [{"path": "partner.phase", "value": "SIGNED_AGREEMENT"}],
        }
    ]
    assert before.data["forms"] == [{"key": "terms"}]
    # then: the same response shows the signed partner's portal
    assert submitted.errors == []
    payload = submitted.data["submitForm"]
    assert payload["errors"] == []
    assert [t["key"] for t in payload["viewer"]["navigation"]] == ["home", "deal-registration"]
    assert payload["viewer"]["homepage"] == {"key": "signed-home"}
    assert payload["viewer"]["forms"] == []
    assert payload["viewer"]["segments"] == [{"key": "signed"}]
    assert next_request.data["viewer"] == payload["viewer"]
    assert next_request.data["forms"] == []
    # then: the partner, its memberships (ATTRIBUTE_CHANGE), the submission and the audit
    async with api.db.read() as session:
        partner = await session.get(Partner, pk(partner_id))
        submission = await session.scalar(select(FormSubmission))
    assert partner is not None
    assert partner.phase == "SIGNED_AGREEMENT"
    assert partner.version == 2
    assert await _history(api, admin, "signed") == [(partner_id, "JOINED", "ATTRIBUTE_CHANGE")]
    assert (partner_id, "LEFT", "ATTRIBUTE_CHANGE") in await _history(api, admin, "prospects")
    assert submission is not None
    assert (submission.form_key, submission.contact_id, submission.partner_id) == (
        "terms",
        pk(contact_id),
        pk(partner_id),
    )
    assert submission.values == {"signatory": "Ada Lovelace", "acceptTerms": True}
    entry = (await audit_entries(api))[-1]
    assert (entry.action, entry.outcome, entry.target) == ("submitForm", "OK", "Form:terms")
    assert entry.detail["changed"]["partner"] == {
        "phase": {"before": "PROSPECTING", "after": "SIGNED_AGREEMENT"}
    }


async def test_a_form_can_set_partner_and_contact_attributes_and_the_contact_title(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    for subject, key, kind in (
        ("PARTNER", "mdfEligible", "BOOLEAN"),
        ("PARTNER", "renewalDate", "DATE"),
        ("CONTACT", "onboarded", "BOOLEAN"),
    ):
        await api.gql(DEFINE, {"subject": subject, "key": key, "type": kind}, token=admin)
    await create_segment(
        api,
        admin,
        "onboarded-people",
        {"field": "contact.attributes.onboarded", "op": "eq", "value": True},
        subject="CONTACT",
    )
    await _form(
        api,
        admin,
        "kickoff",
        [{"name": "lead", "type": "STRING", "required": True}],
        [
            {"path": "partner.attributes.mdfEligible", "value": True},
            {"path": "partner.attributes.renewalDate", "value": "2027-06-30T10:00:00Z"},
            {"path": "partner.country", "value": "de"},
            {"path": "contact.title", "value": "Onboarding lead"},
            {"path": "contact.attributes.onboarded", "value": True},
        ],
    )
    partner_id = await api.partner()
    token, contact_id = await api.contact(partner_id, ContactRole.MARKETING)
    # when
    submitted = await api.gql(SUBMIT, {"key": "kickoff", "values": {"lead": "Sam"}}, token=token)
    contact = await api.gql(
        "query($id: ID!) { contact(id: $id) { title attributes partner { country attributes } } }",
        {"id": contact_id},
        token=admin,
    )
    # then
    assert submitted.data["submitForm"]["errors"] == []
    assert submitted.data["submitForm"]["viewer"]["segments"] == [{"key": "onboarded-people"}]
    assert contact.data["contact"] == {
        "title": "Onboarding lead",
        "attributes": {"onboarded": True},
        "partner": {
            "country": "DE",
            "attributes": {"mdfEligible": True, "renewalDate": "2027-06-30"},
        },
    }
    assert await _history(api, admin, "onboarded-people") == [
        (contact_id, "JOINED", "ATTRIBUTE_CHANGE")
    ]


# ---------------------------------------------------------------- defining forms


async def test_form_fields_and_updates_are_stored_as_given_with_labels_from_names(api: Api) -> None:
    admin, _ = await api.staff()
    await _form(
        api,
        admin,
        "profile-check",
        [
            {"name": "companySize", "type": "NUMBER"},
            {"name": "ok", "label": " Fine? ", "type": "BOOLEAN", "required": None},
        ],
        [
            {"path": "partner.verticals", "value": ["iot", "iot", "health"]},
            {"path": "partner.joinedAt", "value": "2026-01-02T03:04:05+02:00"},
        ],
    )
    response = await api.gql(PORTAL, token=admin)
    (form,) = response.data["viewer"]["forms"]
    assert form["fields"] == [
        {"name": "companySize", "label": "Company size", "type": "NUMBER", "required": False},
        {"name": "ok", "label": "Fine?", "type": "BOOLEAN", "required": False},
    ]
    assert form["onSubmit"] == [
        {"path": "partner.verticals", "value": ["iot", "health"]},
        {"path": "partner.joinedAt", "value": "2026-01-02T01:04:05+00:00"},
    ]


async def test_a_bad_form_definition_reports_every_problem_where_it_is(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.gql(
        DEFINE, {"subject": "PARTNER", "key": "employeeCount", "type": "NUMBER"}, token=admin
    )
    fields = [
        {"name": "email", "type": "EMAIL"},
        {"name": "Bad Name", "type": "STRING"},
        {"name": "notes", "type": "STRING", "required": "yes"},
        {"name": "notes", "type": "STRING"},
        {"type": "DATE"},
        {"name": "size", "type": "NUMBER", "hint": "x"},
        "text",
    ]
    on_submit = [
        {"path": "partner.metrics.wonRevenue12m", "value": 1},
        {"path": "contact.role", "value": "ADMIN"},
        {"path": "contact.email", "value": "x@example.com"},
        {"path": "contact.status", "value": "ACTIVE"},
        {"path": "partner.nope", "value": 1},
        {"path": "partner.attributes.undeclared", "value": 1},
        {"path": "partner.phase", "value": "SIGNED"},
        {"path": "partner.attributes.employeeCount", "value": "many"},
        {"path": "partner.tier", "value": None},
        {"path": "partner.phase", "value": "ACTIVE"},
        {"path": "partner.externalId", "value": "CRM-1"},
    ]
    before = await snapshot(api)
    # when
    response = await api.gql(
        CREATE_FORM,
        {"key": "Terms!", "title": "", "fields": fields, "onSubmit": on_submit},
        token=admin,
    )
    # then
    errors = [(e["path"], e["code"]) for e in response.data["createForm"]["errors"]]
    assert errors == [
        (["key"], "INVALID_VALUE"),
        (["title"], "INVALID_VALUE"),
        (["fields", "0", "type"], "INVALID_VALUE"),
        (["fields", "1", "name"], "INVALID_VALUE"),
        (["fields", "2", "required"], "INVALID_VALUE"),
        (["fields", "3", "name"], "DUPLICATE"),
        (["fields", "4", "name"], "REQUIRED"),
        (["fields", "5", "hint"], "UNKNOWN_FIELD"),
        (["fields", "6"], "INVALID_VALUE"),
        (["onSubmit", "0", "path"], "INVALID_VALUE"),
        (["onSubmit", "1", "path"], "INVALID_VALUE"),
        (["onSubmit", "2", "path"], "INVALID_VALUE"),
        (["onSubmit", "3", "path"], "INVALID_VALUE"),
        (["onSubmit", "4", "path"], "INVALID_VALUE"),
        (["onSubmit", "5", "path"], "INVALID_VALUE"),
        (["onSubmit", "6", "value"], "INVALID_VALUE"),
        (["onSubmit", "7", "value"], "INVALID_VALUE"),
        (["onSubmit", "8", "value"], "INVALID_VALUE"),
        (["onSubmit", "9", "path"], "DUPLICATE"),
        (["onSubmit", "10", "path"], "INVALID_VALUE"),
    ]
    assert await snapshot(api) == before


@pytest.mark.parametrize(
    ("fields", "on_submit", "expected"),
    [
        ("not a list", [], [(["fields"], "INVALID_VALUE")]),
        ([], {"path": PHASE}, [(["onSubmit"], "INVALID_VALUE")]),
        ([{"name": f"f{i}", "type": "STRING"} for i in range(51)], [], [(["fields"], "TOO_MANY")]),
        (
            [],
            [{"path": PHASE, "value": "ACTIVE"}, {"path": PHASE, "value": "DORMANT"}],
            [(["onSubmit", "1", "path"], "DUPLICATE")],
        ),
    ],
)
async def test_fields_and_updates_must_be_lists_of_bounded_length(
    api: Api, fields: Any, on_submit: Any, expected: list[tuple[list[str], str]]
) -> None:
    admin, _ = await api.staff()
    response = await api.gql(
        CREATE_FORM,
        {"key": "f", "title": "F", "fields": fields, "onSubmit": on_submit},
        token=admin,
    )
    assert [(e["path"], e["code"]) for e in response.data["createForm"]["errors"]] == expected


async def test_a_changed_form_keeps_what_was_not_sent_and_a_removed_one_keeps_submissions(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    await _form(api, admin, "survey", [{"name": "score", "type": "NUMBER"}], [])
    token, _ = await api.contact(await api.partner())
    await _ok(api, token, SUBMIT, {"key": "survey", "values": {"score": "7.5"}}, "submitForm")
    # when
    await _ok(api, admin, UPDATE_FORM, {"key": "survey", "title": "Quarterly survey"}, "updateForm")
    changed = await api.gql(PORTAL, token=token)
    removed = await _ok(api, admin, DELETE_FORM, {"key": "survey"}, "deleteForm")
    after = await api.gql(PORTAL, token=token)
    # then
    (form,) = changed.data["viewer"]["forms"]
    assert (form["title"], form["fields"][0]["name"]) == ("Quarterly survey", "score")
    assert removed["deleted"] is True
    assert after.data["viewer"]["forms"] == []
    async with api.db.read() as session:
        kept = list(await session.scalars(select(FormSubmission)))
    assert [(s.form_id, s.form_key, s.values) for s in kept] == [(None, "survey", {"score": 7.5})]


# ---------------------------------------------------------------- submitting


async def test_submitted_values_are_checked_against_the_fields_all_at_once(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _form(api, admin, "terms", TERMS_FIELDS, [{"path": PHASE, "value": "ACTIVE"}])
    partner_id = await api.partner(phase="PROSPECTING")
    token, _ = await api.contact(partner_id, ContactRole.ADMIN)
    before = await snapshot(api)
    values = {
        "signatory": "   ",
        "employees": "many",
        "startOn": "next week",
        "favouriteColour": "blue",
    }
    # when
    refused = await api.gql(SUBMIT, {"key": "terms", "values": values}, token=token)
    wrong_types = await api.gql(
        SUBMIT,
        {"key": "terms", "values": {"signatory": 42, "acceptTerms": "yes", "employees": None}},
        token=token,
    )
    not_an_object = await api.gql(SUBMIT, {"key": "terms", "values": ["x"]}, token=token)
    # then
    errors = [(e["path"], e["code"]) for e in refused.data["submitForm"]["errors"]]
    assert errors == [
        (["values", "favouriteColour"], "UNKNOWN_FIELD"),
        (["values", "signatory"], "REQUIRED"),
        (["values", "acceptTerms"], "REQUIRED"),
        (["values", "employees"], "INVALID_VALUE"),
        (["values", "startOn"], "INVALID_VALUE"),
    ]
    assert refused.data["submitForm"]["viewer"] is None
    assert [(e["path"], e["code"]) for e in wrong_types.data["submitForm"]["errors"]] == [
        (["values", "signatory"], "INVALID_VALUE"),
        (["values", "acceptTerms"], "INVALID_VALUE"),
    ]
    assert [(e["path"], e["code"]) for e in not_an_object.data["submitForm"]["errors"]] == [
        (["values"], "INVALID_VALUE")
    ]
    assert await snapshot(api) == before
    assert [e.outcome for e in (await audit_entries(api))[-3:]] == ["REFUSED"] * 3


async def test_a_form_the_contact_does_not_match_is_not_found_like_a_missing_one(
    api: Api,
) -> None:
    admin, _ = await api.staff()
    await _form(
        api, admin, "admins-only", [], [{"path": PHASE, "value": "ACTIVE"}], {"roles": ["ADMIN"]}
    )
    token, _ = await api.contact(await api.partner(phase="ONBOARDING"), ContactRole.SALES_REP)
    before = await snapshot(api)
    hidden = await api.gql(SUBMIT, {"key": "admins-only", "values": {}}, token=token)
    missing = await api.gql(SUBMIT, {"key": "no-such-form", "values": {}}, token=token)
    malformed = await api.gql(SUBMIT, {"key": "Bad Key\x00", "values": {}}, token=token)
    for answer in (hidden, missing, malformed):
        errors = answer.data["submitForm"]["errors"]
        assert [(e["path"], e["code"]) for e in errors] == [(["key"], "NOT_FOUND")]
    assert hidden.data["submitForm"]["errors"][0]["message"] == "No form with key 'admins-only'."
    assert await snapshot(api) == before
    assert await count(api, FormSubmission) == 0


async def test_only_partner_contacts_submit_forms(api: Api) -> None:
    admin, _ = await api.staff()
    await _form(api, admin, "open", [], [])
    key = await create_api_key(api, admin, "partners:write", "content:write")
    token, contact_id = await api.contact(await api.partner(), ContactRole.ADMIN)
    variables = {"key": "open", "values": {}}
    by_staff = await api.gql(SUBMIT, variables, token=admin)
    by_key = await api.gql(SUBMIT, variables, api_key=key)
    viewing_as = await api.gql(SUBMIT, variables, token=admin, headers={"X-View-As": contact_id})
    by_contact = await api.gql(SUBMIT, variables, token=token)
    assert by_staff.error_codes == ["FORBIDDEN"]
    assert by_key.error_codes == ["FORBIDDEN"]
    assert viewing_as.error_codes == ["FORBIDDEN"]
    assert by_contact.data["submitForm"]["errors"] == []
    assert await count(api, FormSubmission) == 1


async def test_forms_are_listed_by_audience_and_staff_and_keys_see_all(api: Api) -> None:
    admin, _ = await api.staff()
    analyst, _ = await api.staff(StaffRole.ANALYST)
    await _phase_segment(api, admin, "prospects", "PROSPECTING")
    await _form(api, admin, "b-everyone", [], [])
    await _form(api, admin, "a-prospects", [], [], {"anySegments": ["prospects"]})
    await _form(api, admin, "c-finance", [], [], {"roles": ["FINANCE"]})
    key = await create_api_key(api, admin, "partners:read")
    prospect, _ = await api.contact(await api.partner(phase="PROSPECTING"), ContactRole.ADMIN)
    finance, _ = await api.contact(await api.partner(), ContactRole.FINANCE)
    callers: dict[str, dict[str, Any]] = {
        "prospect": {"token": prospect},
        "finance": {"token": finance},
        "analyst": {"token": analyst},
        "key": {"api_key": key},
        "anonymous": {},
    }
    listed = {who: await api.gql("{ forms { key } }", **auth) for who, auth in callers.items()}
    keys = {who: a.data and [f["key"] for f in a.data["forms"]] for who, a in listed.items()}
    assert keys == {
        "prospect": ["a-prospects", "b-everyone"],
        "finance": ["b-everyone", "c-finance"],
        "analyst": ["a-prospects", "b-everyone", "c-finance"],
        "key": ["a-prospects", "b-everyone", "c-finance"],
        "anonymous": None,
    }
    assert listed["anonymous"].error_codes == ["UNAUTHENTICATED"]


async def test_a_form_whose_update_no_longer_fits_the_catalogue_is_refused_whole(
    api: Api,
) -> None:
    # given: the form names a picklist value no partner holds, then the value is removed
    admin, _ = await api.staff()
    await _form(api, admin, "go-dormant", [], [{"path": PHASE, "value": "DORMANT"}])
    picklist = await api.gql(
        """mutation { setPicklist(field: "partner.phase", values: [{value: "PROSPECTING"},
        {value: "SIGNED_AGREEMENT"}, {value: "ONBOARDING"}, {value: "ACTIVE"}]) {
        errors { code } } }""",
        token=admin,
    )
    assert picklist.data["setPicklist"]["errors"] == []
    token, _ = await api.contact(await api.partner(phase="ACTIVE"), ContactRole.ADMIN)
    before = await snapshot(api)
    # when
    response = await api.gql(SUBMIT, {"key": "go-dormant", "values": {}}, token=token)
    # then
    (error,) = response.data["submitForm"]["errors"]
    assert (error["path"], error["code"]) == (["key"], "INVALID_VALUE")
    assert "Ask your channel manager" in error["message"]
    assert await snapshot(api) == before
