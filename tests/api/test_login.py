"""Signing in with email and password: who may, what a refusal reveals, what it records."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.clock import utcnow
from domain.principal import ContactRole, ContactStatus, StaffRole
from tests.records import email_of
from tests.support import PASSWORD, Api

LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    token
    expiresAt
    viewer { id kind email contactRole staffRole }
    errors { path code message }
  }
}
"""
VIEWER = "{ viewer { id kind email } }"
CONTACT = "query($id: ID!) { contact(id: $id) { lastLoginAt } }"


async def test_staff_member_signs_in_and_the_token_answers_viewer(api: Api) -> None:
    # given
    _, staff_id = await api.staff(StaffRole.ANALYST)
    email = await email_of(api, staff_id)
    # when
    response = await api.gql(LOGIN, {"email": email, "password": PASSWORD})
    # then
    payload = response.data["login"]
    assert payload["errors"] == []
    assert payload["viewer"] == {
        "id": staff_id,
        "kind": "STAFF",
        "email": email,
        "contactRole": None,
        "staffRole": "ANALYST",
    }
    viewer = await api.gql(VIEWER, token=payload["token"])
    assert viewer.errors == []
    assert viewer.data["viewer"] == {"id": staff_id, "kind": "STAFF", "email": email}


async def test_contact_signs_in_and_the_token_answers_viewer(api: Api) -> None:
    # given
    partner_id = await api.partner()
    _, contact_id = await api.contact(partner_id, ContactRole.MARKETING, sign_in=False)
    email = await email_of(api, contact_id)
    # when
    response = await api.gql(LOGIN, {"email": email, "password": PASSWORD})
    # then
    payload = response.data["login"]
    assert payload["errors"] == []
    assert payload["viewer"]["kind"] == "CONTACT"
    assert payload["viewer"]["contactRole"] == "MARKETING"
    viewer = await api.gql(VIEWER, token=payload["token"])
    assert viewer.data["viewer"] == {"id": contact_id, "kind": "CONTACT", "email": email}


async def test_token_expires_an_hour_after_sign_in_by_default(api: Api) -> None:
    # given
    _, staff_id = await api.staff()
    email = await email_of(api, staff_id)
    # when
    response = await api.gql(LOGIN, {"email": email, "password": PASSWORD})
    # then
    expires_at = datetime.fromisoformat(response.data["login"]["expiresAt"])
    assert abs(expires_at - (utcnow() + timedelta(hours=1))) < timedelta(minutes=1)


async def test_wrong_password_and_unknown_email_look_the_same(api: Api) -> None:
    # given
    _, staff_id = await api.staff()
    email = await email_of(api, staff_id)
    # when
    wrong_password = await api.gql(LOGIN, {"email": email, "password": "not the password"})
    unknown_email = await api.gql(
        LOGIN, {"email": "nobody@vendor.example.com", "password": PASSWORD}
    )
    # then
    refused = wrong_password.data["login"]
    assert refused["token"] is None
    assert refused["viewer"] is None
    assert [e["code"] for e in refused["errors"]] == ["INVALID_CREDENTIALS"]
    assert unknown_email.data["login"] == refused


@pytest.mark.parametrize("status", [ContactStatus.DEACTIVATED, ContactStatus.INVITED])
async def test_contact_that_is_not_active_cannot_sign_in_even_with_its_password(
    api: Api, status: ContactStatus
) -> None:
    # given
    partner_id = await api.partner()
    _, contact_id = await api.contact(partner_id, status=status)
    email = await email_of(api, contact_id)
    unknown = await api.gql(LOGIN, {"email": "nobody@partner.example.com", "password": PASSWORD})
    # when
    response = await api.gql(LOGIN, {"email": email, "password": PASSWORD})
    # then
    assert response.data["login"]["token"] is None
    assert response.data["login"] == unknown.data["login"]


async def test_email_is_case_insensitive(api: Api) -> None:
    # given
    partner_id = await api.partner()
    _, contact_id = await api.contact(partner_id, sign_in=False)
    email = await email_of(api, contact_id)
    # when
    response = await api.gql(LOGIN, {"email": f"  {email.upper()} ", "password": PASSWORD})
    # then
    payload = response.data["login"]
    assert payload["errors"] == []
    assert payload["viewer"]["id"] == contact_id


async def test_sign_in_records_last_login_at(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner()
    _, contact_id = await api.contact(partner_id, sign_in=False)
    email = await email_of(api, contact_id)
    before = await api.gql(CONTACT, {"id": contact_id}, token=admin)
    assert before.data["contact"]["lastLoginAt"] is None
    signed_in_after = utcnow().replace(microsecond=0)
    # when
    await api.gql(LOGIN, {"email": email, "password": PASSWORD})
    # then
    after = await api.gql(CONTACT, {"id": contact_id}, token=admin)
    last_login_at = datetime.fromisoformat(after.data["contact"]["lastLoginAt"])
    assert signed_in_after <= last_login_at <= utcnow()


async def test_refused_sign_in_does_not_record_last_login_at(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner()
    _, contact_id = await api.contact(partner_id, sign_in=False)
    email = await email_of(api, contact_id)
    # when
    await api.gql(LOGIN, {"email": email, "password": "not the password"})
    # then
    after = await api.gql(CONTACT, {"id": contact_id}, token=admin)
    assert after.data["contact"]["lastLoginAt"] is None
