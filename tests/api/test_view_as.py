"""X-View-As: staff see a contact's portal exactly as the contact would, read-only and audited.

Contract: README "Transport and authentication" (X-View-As paragraph).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from domain import ids
from domain.principal import ContactRole, StaffRole
from tests.records import api_key, audit_entries, email_of, snapshot
from tests.support import PASSWORD, Api, Credentials, create_segment

PORTAL = """
query Portal($otherPartnerId: ID!) {
  viewer {
    id kind email name contactRole staffRole scopes
    segments { key name }
    capabilities { createQuote registerDeal editPartnerProfile manageTeam editableProfileFields }
    partner { id name tier country verticals metrics { dealsWon12m } }
    previewedBy { id email role }
  }
  partners(first: 50) { totalCount edges { node { id } } }
  other: partner(id: $otherPartnerId) { id }
}
"""
VIEWER = "{ viewer { id kind previewedBy { id } } }"
SET_ACTION_POLICY = """
mutation($audience: AudienceInput) {
  setActionPolicy(action: CREATE_QUOTE, audience: $audience) { errors { code } }
}
"""
SET_FIELD_POLICY = """
mutation($audience: AudienceInput) {
  setFieldPolicy(typeName: "Partner", fieldName: "country", audience: $audience) {
    errors { code }
  }
}
"""
INVITE = """
mutation($partnerId: ID!, $email: String!) {
  inviteContact(partnerId: $partnerId, email: $email, name: "New Hire", role: SALES_REP) {
    invitationToken errors { code }
  }
}
"""
SET_ROLE = """
mutation($contactId: ID!) {
  setContactRole(contactId: $contactId, role: MARKETING) { errors { code } }
}
"""
DEACTIVATE = """
mutation($contactId: ID!) { deactivateContact(contactId: $contactId) { errors { code } } }
"""
UPDATE_PARTNER = """
mutation($id: ID!) { updatePartner(id: $id, input: {tier: "PLATINUM"}) { errors { code } } }
"""
CREATE_PARTNER = """
mutation {
  createPartner(input: {name: "Sneaky", type: "MSP", tier: "GOLD", region: "EMEA",
                        phase: "ACTIVE"}) { errors { code } }
}
"""
CREATE_API_KEY = """
mutation { createApiKey(name: "sneaky", scopes: ["partners:write"]) { secret errors { code } } }
"""
UPDATE_CONTACT = """
mutation($contactId: ID!) { updateContact(id: $contactId, title: "Boss") { errors { code } } }
"""
LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { token errors { code } }
}
"""
ACCEPT_INVITATION = """
mutation($token: String!) {
  acceptInvitation(token: $token, password: "a brand new passphrase") { token errors { code } }
}
"""

GOLD = {"field": "partner.tier", "op": "eq", "value": "GOLD"}
EMEA = {"field": "partner.region", "op": "eq", "value": "EMEA"}


def view_as(contact_id: str) -> dict[str, str]:
    return {"X-View-As": contact_id}


@dataclass
class Company:
    """A partner with an ADMIN contact (the one viewed) and a colleague."""

    partner_id: str
    admin_token: str
    admin_id: str
    colleague_id: str


async def _company(api: Api, **fields: Any) -> Company:
    partner_id = await api.partner(**fields)
    token, admin_id = await api.contact(partner_id, ContactRole.ADMIN)
    _, colleague_id = await api.contact(partner_id, ContactRole.SALES_REP)
    assert token is not None
    return Company(partner_id, token, admin_id, colleague_id)


# ---------------------------------------------------------------- what the staff member sees


async def test_vendor_admin_viewing_as_a_contact_gets_exactly_that_contacts_viewer(
    api: Api,
) -> None:
    # given
    staff, staff_id = await api.staff(StaffRole.VENDOR_ADMIN)
    await create_segment(api, staff, "gold", GOLD)
    await create_segment(api, staff, "emea", EMEA)
    gold_only = {"audience": {"anySegments": ["gold"]}}
    quoting = await api.gql(SET_ACTION_POLICY, gold_only, token=staff)
    hiding = await api.gql(SET_FIELD_POLICY, gold_only, token=staff)
    assert quoting.data["setActionPolicy"]["errors"] == []
    assert hiding.data["setFieldPolicy"]["errors"] == []
    company = await _company(api, tier="SILVER", region="EMEA", country="DE", verticals=["iot"])
    other = await api.partner(tier="GOLD", region="APAC")
    variables = {"otherPartnerId": other}
    own = await api.gql(PORTAL, variables, token=company.admin_token)
    # when
    viewed = await api.gql(PORTAL, variables, token=staff, headers=view_as(company.admin_id))
    # then
    assert viewed.errors == []
    seen = viewed.data["viewer"]
    assert seen["kind"] == "CONTACT"
    assert seen["id"] == company.admin_id
    assert seen["segments"] == [{"key": "emea", "name": "Emea"}]
    assert seen["capabilities"]["createQuote"] is False
    assert seen["partner"]["country"] is None
    assert seen["previewedBy"] == {
        "id": staff_id,
        "email": await email_of(api, staff_id),
        "role": "VENDOR_ADMIN",
    }
    assert {**seen, "previewedBy": None} == own.data["viewer"]
    assert own.data["viewer"]["previewedBy"] is None
    assert viewed.data["partners"] == own.data["partners"]
    assert viewed.data["partners"]["totalCount"] == 1
    assert viewed.data["other"] is None
    assert viewed.body["extensions"]["hiddenFields"] == ["Partner.country"]
    assert viewed.body.get("extensions") == own.body.get("extensions")


async def test_the_same_staff_member_without_the_header_sees_everything(api: Api) -> None:
    # given
    staff, staff_id = await api.staff(StaffRole.VENDOR_ADMIN)
    company = await _company(api)
    other = await api.partner()
    await api.gql(VIEWER, token=staff, headers=view_as(company.admin_id))
    # when
    response = await api.gql(PORTAL, {"otherPartnerId": other}, token=staff)
    # then
    assert response.data["viewer"]["kind"] == "STAFF"
    assert response.data["viewer"]["id"] == staff_id
    assert response.data["viewer"]["previewedBy"] is None
    assert response.data["partners"]["totalCount"] == 2
    assert response.data["other"] == {"id": other}


async def test_viewing_as_is_audited_on_every_request(api: Api) -> None:
    # given
    staff, staff_id = await api.staff(StaffRole.VENDOR_ADMIN)
    company = await _company(api)
    # when
    first = await api.gql(VIEWER, token=staff, headers=view_as(company.admin_id))
    second = await api.gql(VIEWER, token=staff, headers=view_as(company.admin_id))
    # then
    assert first.errors == second.errors == []
    views = [e for e in await audit_entries(api) if "VIEW_AS" in e.action]
    assert [(e.action, e.actor, e.target, e.outcome) for e in views] == [
        ("VIEW_AS", f"staff:{staff_id}", f"Contact:{company.admin_id}", "OK"),
        ("VIEW_AS", f"staff:{staff_id}", f"Contact:{company.admin_id}", "OK"),
    ]


# ---------------------------------------------------------------- read-only


@dataclass(frozen=True)
class Attempt:
    """A mutation the previewing staff member tries, and the variables it needs."""

    document: str
    variables: Callable[[Api, str, Company], Awaitable[dict[str, Any]]]


async def _no_variables(_api: Api, _staff: str, _company: Company) -> dict[str, Any]:
    return {}


async def _own_partner(_api: Api, _staff: str, company: Company) -> dict[str, Any]:
    return {"id": company.partner_id}


async def _invitee(_api: Api, _staff: str, company: Company) -> dict[str, Any]:
    return {"partnerId": company.partner_id, "email": "new.hire@partner.example.com"}


async def _colleague(_api: Api, _staff: str, company: Company) -> dict[str, Any]:
    return {"contactId": company.colleague_id}


async def _admins_only(_api: Api, _staff: str, _company: Company) -> dict[str, Any]:
    return {"audience": {"roles": ["ADMIN"]}}


async def _viewed_contacts_credentials(api: Api, _staff: str, company: Company) -> dict[str, Any]:
    return {"email": await email_of(api, company.admin_id), "password": PASSWORD}


async def _fresh_invitation(api: Api, staff: str, company: Company) -> dict[str, Any]:
    invited = await api.gql(
        INVITE,
        {"partnerId": company.partner_id, "email": "invited@partner.example.com"},
        token=staff,
    )
    return {"token": invited.data["inviteContact"]["invitationToken"]}


ATTEMPTS = {
    # what the viewed contact (a partner ADMIN) may do itself
    "inviteContact": Attempt(INVITE, _invitee),
    "setContactRole": Attempt(SET_ROLE, _colleague),
    "deactivateContact": Attempt(DEACTIVATE, _colleague),
    # what the staff member may do without the header
    "updatePartner": Attempt(UPDATE_PARTNER, _own_partner),
    "createPartner": Attempt(CREATE_PARTNER, _no_variables),
    "updateContact": Attempt(UPDATE_CONTACT, _colleague),
    "setActionPolicy": Attempt(SET_ACTION_POLICY, _admins_only),
    "createApiKey": Attempt(CREATE_API_KEY, _no_variables),
    # mutations nobody needs credentials for
    "login": Attempt(LOGIN, _viewed_contacts_credentials),
    "acceptInvitation": Attempt(ACCEPT_INVITATION, _fresh_invitation),
}


@pytest.mark.parametrize("mutation", list(ATTEMPTS))
async def test_every_mutation_while_viewing_as_is_forbidden_and_writes_nothing(
    api: Api, mutation: str
) -> None:
    # given
    staff, _ = await api.staff(StaffRole.VENDOR_ADMIN)
    company = await _company(api)
    attempt = ATTEMPTS[mutation]
    variables = await attempt.variables(api, staff, company)
    before = await snapshot(api)
    # when
    response = await api.gql(
        attempt.document, variables, token=staff, headers=view_as(company.admin_id)
    )
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
    assert await snapshot(api) == before


async def test_a_refused_mutation_while_viewing_as_names_both_staff_member_and_contact(
    api: Api,
) -> None:
    # given
    staff, staff_id = await api.staff(StaffRole.VENDOR_ADMIN)
    company = await _company(api)
    # when
    response = await api.gql(
        UPDATE_PARTNER, {"id": company.partner_id}, token=staff, headers=view_as(company.admin_id)
    )
    # then
    assert response.error_codes == ["FORBIDDEN"]
    refused = [e for e in await audit_entries(api) if e.outcome == "FORBIDDEN"]
    assert [(e.action, e.actor) for e in refused] == [
        ("FORBIDDEN:updatePartner", f"staff:{staff_id} viewing as contact:{company.admin_id}")
    ]


# ---------------------------------------------------------------- who may view as whom


async def test_channel_manager_may_view_contacts_of_partners_in_segments_it_manages(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff(StaffRole.VENDOR_ADMIN)
    manager, manager_id = await api.staff(StaffRole.CHANNEL_MANAGER)
    managed = await _company(api, region="EMEA")
    await create_segment(api, admin, "emea", EMEA, managerIds=[manager_id])
    # when
    response = await api.gql(VIEWER, token=manager, headers=view_as(managed.colleague_id))
    # then
    assert response.errors == []
    assert response.data["viewer"] == {
        "id": managed.colleague_id,
        "kind": "CONTACT",
        "previewedBy": {"id": manager_id},
    }


async def test_channel_manager_viewing_a_contact_outside_its_segments_is_forbidden(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff(StaffRole.VENDOR_ADMIN)
    manager, manager_id = await api.staff(StaffRole.CHANNEL_MANAGER)
    await _company(api, region="EMEA")
    elsewhere = await _company(api, region="APAC")
    await create_segment(api, admin, "emea", EMEA, managerIds=[manager_id])
    # when
    response = await api.gql(VIEWER, token=manager, headers=view_as(elsewhere.admin_id))
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None
    refused = [e for e in await audit_entries(api) if "VIEW_AS" in e.action]
    assert [(e.action, e.actor, e.target, e.outcome) for e in refused] == [
        ("FORBIDDEN:VIEW_AS", f"staff:{manager_id}", f"Contact:{elsewhere.admin_id}", "FORBIDDEN")
    ]


async def _analyst(api: Api) -> Credentials:
    token, _ = await api.staff(StaffRole.ANALYST)
    return {"token": token}


async def _colleague_contact(api: Api, company: Company) -> Credentials:
    return {"token": company.admin_token}


async def _integrator(api: Api) -> Credentials:
    secret, _ = await api_key(api, "partners:read", "partners:write")
    return {"api_key": secret}


@pytest.mark.parametrize("who", ["ANALYST", "partner ADMIN of the same company", "API key"])
async def test_others_sending_x_view_as_are_forbidden(api: Api, who: str) -> None:
    # given
    company = await _company(api)
    if who == "ANALYST":
        credentials = await _analyst(api)
    elif who == "API key":
        credentials = await _integrator(api)
    else:
        credentials = await _colleague_contact(api, company)
    # when
    response = await api.gql(VIEWER, headers=view_as(company.colleague_id), **credentials)
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None


@pytest.mark.parametrize(
    "contact_id",
    [
        "not-an-id",
        ids.encode("Contact", 987654),
        "' OR 1=1 --",
        "x" * 500,
    ],
    ids=["garbage", "unknown-contact", "sql-ish", "very-long"],
)
async def test_viewing_as_an_unknown_or_garbage_contact_id_is_forbidden(
    api: Api, contact_id: str
) -> None:
    # given
    staff, _ = await api.staff(StaffRole.VENDOR_ADMIN)
    await _company(api)
    # when
    response = await api.gql(VIEWER, token=staff, headers=view_as(contact_id))
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None


async def test_viewing_as_a_partner_id_is_forbidden(api: Api) -> None:
    # given
    staff, _ = await api.staff(StaffRole.VENDOR_ADMIN)
    company = await _company(api)
    # when
    response = await api.gql(VIEWER, token=staff, headers=view_as(company.partner_id))
    # then
    assert response.error_codes == ["FORBIDDEN"]


async def test_x_view_as_without_credentials_is_unauthenticated(api: Api) -> None:
    # given
    company = await _company(api)
    # when
    response = await api.gql(VIEWER, headers=view_as(company.admin_id))
    # then
    assert response.error_codes == ["UNAUTHENTICATED"]
    assert response.body["data"] is None
