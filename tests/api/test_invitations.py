"""Inviting contacts: who may invite whom, and a single-use, expiring token that sets a password."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from domain import ids
from domain.clock import utcnow
from domain.models import Contact, Invitation
from domain.principal import ContactRole, StaffRole
from tests.records import count, email_of, pk
from tests.support import Api

INVITE = """
mutation($partnerId: ID!, $email: String!, $name: String!, $role: ContactRole!) {
  inviteContact(partnerId: $partnerId, email: $email, name: $name, role: $role) {
    contact { id email name role status partner { id } }
    invitationToken
    errors { path code message }
  }
}
"""
ACCEPT = """
mutation($token: String!, $password: String!) {
  acceptInvitation(token: $token, password: $password) {
    token viewer { id kind email } errors { path code message }
  }
}
"""
LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { token errors { code } }
}
"""
VIEWER = "{ viewer { id kind } }"
NEW_PASSWORD = "a long new passphrase"


def _invitee(partner_id: str, email: str = "new.person@partner.example.com") -> dict[str, str]:
    return {"partnerId": partner_id, "email": email, "name": "New Person", "role": "SALES_REP"}


def _errors(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["path"], e["code"]) for e in payload["errors"]]


async def _invite(api: Api, token: str, partner_id: str, email: str) -> dict[str, Any]:
    response = await api.gql(INVITE, _invitee(partner_id, email), token=token)
    payload = response.data["inviteContact"]
    assert payload["errors"] == [], payload["errors"]
    return payload


async def test_vendor_admin_invites_a_contact_who_starts_invited(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner()
    # when
    response = await api.gql(INVITE, _invitee(partner_id), token=admin)
    # then
    payload = response.data["inviteContact"]
    assert payload["errors"] == []
    assert payload["invitationToken"]
    assert payload["contact"]["email"] == "new.person@partner.example.com"
    assert payload["contact"]["role"] == "SALES_REP"
    assert payload["contact"]["status"] == "INVITED"
    assert payload["contact"]["partner"]["id"] == partner_id


async def test_partner_admin_invites_into_its_own_company(api: Api) -> None:
    # given
    partner_id = await api.partner()
    partner_admin, _ = await api.contact(partner_id, ContactRole.ADMIN)
    # when
    response = await api.gql(INVITE, _invitee(partner_id), token=partner_admin)
    # then
    payload = response.data["inviteContact"]
    assert payload["errors"] == []
    assert payload["contact"]["partner"]["id"] == partner_id
    assert payload["invitationToken"]


async def test_partner_admin_inviting_into_another_company_is_not_found(api: Api) -> None:
    # given
    own = await api.partner()
    other = await api.partner()
    partner_admin, _ = await api.contact(own, ContactRole.ADMIN)
    # when
    response = await api.gql(INVITE, _invitee(other), token=partner_admin)
    # then
    payload = response.data["inviteContact"]
    assert payload["contact"] is None
    assert payload["invitationToken"] is None
    assert _errors(payload) == [(["partnerId"], "NOT_FOUND")]
    assert await count(api, Contact, Contact.partner_id == pk(other)) == 0


async def test_inviting_into_a_company_that_does_not_exist_is_the_same_not_found(
    api: Api,
) -> None:
    # given
    own = await api.partner()
    other = await api.partner()
    partner_admin, _ = await api.contact(own, ContactRole.ADMIN)
    hidden = await api.gql(INVITE, _invitee(other), token=partner_admin)
    # when
    absent = await api.gql(
        INVITE, _invitee(ids.encode("Partner", pk(other) + 1000)), token=partner_admin
    )
    # then
    assert absent.data["inviteContact"] == hidden.data["inviteContact"]


async def test_sales_rep_cannot_invite(api: Api) -> None:
    # given
    partner_id = await api.partner()
    sales_rep, _ = await api.contact(partner_id, ContactRole.SALES_REP)
    # when
    response = await api.gql(INVITE, _invitee(partner_id), token=sales_rep)
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert await count(api, Contact) == 1


async def test_analyst_cannot_invite(api: Api) -> None:
    # given
    partner_id = await api.partner()
    analyst, _ = await api.staff(StaffRole.ANALYST)
    # when
    response = await api.gql(INVITE, _invitee(partner_id), token=analyst)
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert await count(api, Contact) == 0


async def test_accepting_sets_the_password_and_returns_a_working_token(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner()
    invited = await _invite(api, admin, partner_id, "new.person@partner.example.com")
    contact_id = invited["contact"]["id"]
    # when
    response = await api.gql(
        ACCEPT, {"token": invited["invitationToken"], "password": NEW_PASSWORD}
    )
    # then
    payload = response.data["acceptInvitation"]
    assert payload["errors"] == []
    assert payload["viewer"]["id"] == contact_id
    viewer = await api.gql(VIEWER, token=payload["token"])
    assert viewer.data["viewer"] == {"id": contact_id, "kind": "CONTACT"}
    login = await api.gql(
        LOGIN, {"email": "new.person@partner.example.com", "password": NEW_PASSWORD}
    )
    assert login.data["login"]["errors"] == []
    assert await count(api, Contact, Contact.id == pk(contact_id), Contact.status == "ACTIVE") == 1


async def test_invitation_token_is_single_use(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner()
    invited = await _invite(api, admin, partner_id, "new.person@partner.example.com")
    first = await api.gql(ACCEPT, {"token": invited["invitationToken"], "password": NEW_PASSWORD})
    assert first.data["acceptInvitation"]["errors"] == []
    # when
    second = await api.gql(
        ACCEPT, {"token": invited["invitationToken"], "password": "another passphrase"}
    )
    # then
    payload = second.data["acceptInvitation"]
    assert payload["token"] is None
    assert _errors(payload) == [(["token"], "INVALID_TOKEN")]
    login = await api.gql(
        LOGIN, {"email": "new.person@partner.example.com", "password": NEW_PASSWORD}
    )
    assert login.data["login"]["errors"] == []


async def test_expired_invitation_is_invalid_token(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner()
    invited = await _invite(api, admin, partner_id, "new.person@partner.example.com")
    async with api.db.write() as session:
        await session.execute(
            update(Invitation)
            .where(Invitation.contact_id == pk(invited["contact"]["id"]))
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    # when
    response = await api.gql(
        ACCEPT, {"token": invited["invitationToken"], "password": NEW_PASSWORD}
    )
    # then
    payload = response.data["acceptInvitation"]
    assert payload["token"] is None
    assert _errors(payload) == [(["token"], "INVALID_TOKEN")]
    assert await count(api, Contact, Contact.status == "INVITED") == 1


async def test_unknown_invitation_token_is_invalid_token(api: Api) -> None:
    # when
    response = await api.gql(ACCEPT, {"token": "made-up-token", "password": NEW_PASSWORD})
    # then
    assert _errors(response.data["acceptInvitation"]) == [(["token"], "INVALID_TOKEN")]


async def test_too_short_password_is_refused_and_the_invitation_still_works(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner()
    invited = await _invite(api, admin, partner_id, "new.person@partner.example.com")
    # when
    short = await api.gql(ACCEPT, {"token": invited["invitationToken"], "password": "short"})
    # then
    payload = short.data["acceptInvitation"]
    assert payload["token"] is None
    assert _errors(payload) == [(["password"], "INVALID_VALUE")]
    retry = await api.gql(ACCEPT, {"token": invited["invitationToken"], "password": NEW_PASSWORD})
    assert retry.data["acceptInvitation"]["errors"] == []
    assert retry.data["acceptInvitation"]["viewer"]["id"] == invited["contact"]["id"]


async def test_inviting_an_email_that_already_has_an_account_is_duplicate(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner()
    _, existing = await api.contact(partner_id)
    email = await email_of(api, existing)
    # when
    response = await api.gql(INVITE, _invitee(partner_id, email.upper()), token=admin)
    # then
    payload = response.data["inviteContact"]
    assert payload["invitationToken"] is None
    assert _errors(payload) == [(["email"], "DUPLICATE")]
    assert await count(api, Contact) == 1


async def test_inviting_a_staff_email_is_duplicate(api: Api) -> None:
    # given
    admin, admin_id = await api.staff()
    partner_id = await api.partner()
    # when
    response = await api.gql(
        INVITE, _invitee(partner_id, await email_of(api, admin_id)), token=admin
    )
    # then
    assert _errors(response.data["inviteContact"]) == [(["email"], "DUPLICATE")]
    assert await count(api, Contact) == 0


async def test_reinviting_a_still_invited_email_renews_the_invitation(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner()
    first = await _invite(api, admin, partner_id, "new.person@partner.example.com")
    # when
    second = await _invite(api, admin, partner_id, "new.person@partner.example.com")
    # then
    assert second["contact"]["id"] == first["contact"]["id"]
    assert second["invitationToken"] != first["invitationToken"]
    old = await api.gql(ACCEPT, {"token": first["invitationToken"], "password": NEW_PASSWORD})
    assert _errors(old.data["acceptInvitation"]) == [(["token"], "INVALID_TOKEN")]
    new = await api.gql(ACCEPT, {"token": second["invitationToken"], "password": NEW_PASSWORD})
    assert new.data["acceptInvitation"]["errors"] == []
    assert await count(api, Contact) == 1
