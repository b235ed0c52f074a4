"""auditLog: every mutation and refusal, newest first, for VENDOR_ADMIN only, without secrets.

Contract: schema `AuditEntry` and `auditLog`, README "Transport and authentication" (view-as
is audited) and "Errors".
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain.principal import ContactRole, StaffRole
from tests.records import api_key, email_of
from tests.support import EVERY_SCOPE, PASSWORD, Api, Credentials, create_api_key

AUDIT_LOG = """
query($first: Int, $after: String) {
  auditLog(first: $first, after: $after) {
    edges { cursor node { id at actor action target outcome detail } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
CREATE_PARTNER = """
mutation($input: PartnerInput!) {
  createPartner(input: $input) { partner { id } errors { path code } }
}
"""
UPDATE_PARTNER = """
mutation($id: ID!, $input: PartnerInput!) {
  updatePartner(id: $id, input: $input) { errors { path code } }
}
"""
INVITE = """
mutation($partnerId: ID!, $email: String!) {
  inviteContact(partnerId: $partnerId, email: $email, name: "New Hire", role: SALES_REP) {
    contact { id } invitationToken errors { code }
  }
}
"""
ACCEPT = """
mutation($token: String!, $password: String!) {
  acceptInvitation(token: $token, password: $password) { token errors { code } }
}
"""
LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { token errors { code } }
}
"""
CREATE_KEY = """
mutation {
  createApiKey(name: "CRM sync", scopes: ["partners:write"]) { id secret errors { code } }
}
"""
PARTNER_COUNT = "{ partners { totalCount } }"

ACME = {"name": "Acme", "type": "MSP", "tier": "SILVER", "region": "EMEA", "phase": "ACTIVE"}


async def _all_entries(api: Api, admin: str) -> list[dict[str, Any]]:
    response = await api.gql(AUDIT_LOG, {"first": 100}, token=admin)
    assert response.errors == []
    assert response.data["auditLog"]["pageInfo"]["hasNextPage"] is False
    return [edge["node"] for edge in response.data["auditLog"]["edges"]]


def _summary(entry: dict[str, Any]) -> tuple[str, str, str | None, str]:
    return (entry["actor"], entry["action"], entry["target"], entry["outcome"])


# ---------------------------------------------------------------- who may read it


@pytest.mark.parametrize("who", ["ANALYST", "CHANNEL_MANAGER", "partner ADMIN", "API key"])
async def test_only_vendor_admins_may_read_the_audit_log(api: Api, who: str) -> None:
    # given
    admin, _ = await api.staff()
    credentials: Credentials
    if who in {"ANALYST", "CHANNEL_MANAGER"}:
        credentials = {"token": (await api.staff(StaffRole(who)))[0]}
    elif who == "partner ADMIN":
        token, _ = await api.contact(await api.partner(), ContactRole.ADMIN)
        credentials = {"token": token}
    else:
        credentials = {"api_key": await create_api_key(api, admin, *EVERY_SCOPE)}
    # when
    response = await api.gql(AUDIT_LOG, **credentials)
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None


async def test_the_audit_log_is_not_readable_without_credentials(api: Api) -> None:
    # given
    await api.staff()
    # when
    response = await api.gql(AUDIT_LOG)
    # then
    assert response.error_codes == ["UNAUTHENTICATED"]
    assert response.body["data"] is None


# ---------------------------------------------------------------- what it records


async def test_audit_log_lists_mutations_newest_first_with_actor_action_target_and_outcome(
    api: Api,
) -> None:
    # given
    admin, admin_id = await api.staff()
    partner_id = await api.partner(tier="SILVER")
    contact_token, contact_id = await api.contact(partner_id, ContactRole.ADMIN)
    key_secret, key_id = await api_key(api, "partners:write")
    # when
    created = await api.gql(CREATE_PARTNER, {"input": ACME}, token=admin)
    await api.gql(UPDATE_PARTNER, {"id": partner_id, "input": {"tier": "GOLD"}}, token=admin)
    await api.gql(CREATE_PARTNER, {"input": {**ACME, "tier": "BRONZE"}}, token=admin)
    invited = await api.gql(
        INVITE, {"partnerId": partner_id, "email": "hire@partner.example.com"}, token=contact_token
    )
    await api.gql(CREATE_PARTNER, {"input": ACME}, token=contact_token)
    await api.gql(CREATE_PARTNER, {"input": {**ACME, "name": "Beta"}}, api_key=key_secret)
    await api.gql(
        UPDATE_PARTNER,
        {"id": partner_id, "input": {"tier": "PLATINUM"}},
        token=admin,
        headers={"X-View-As": contact_id},
    )
    # then
    acme_id = created.data["createPartner"]["partner"]["id"]
    hire_id = invited.data["inviteContact"]["contact"]["id"]
    entries = await _all_entries(api, admin)
    staff, contact, key = f"staff:{admin_id}", f"contact:{contact_id}", f"apikey:{key_id}"
    assert [_summary(e) for e in entries[:8]] == [
        (f"{staff} viewing as {contact}", "FORBIDDEN:updatePartner", None, "FORBIDDEN"),
        (staff, "VIEW_AS", f"Contact:{contact_id}", "OK"),
        (key, "createPartner", entries[2]["target"], "OK"),
        (contact, "FORBIDDEN:createPartner", None, "FORBIDDEN"),
        (contact, "inviteContact", f"Contact:{hire_id}", "OK"),
        (staff, "createPartner", None, "REFUSED"),
        (staff, "updatePartner", f"Partner:{partner_id}", "OK"),
        (staff, "createPartner", f"Partner:{acme_id}", "OK"),
    ]
    assert entries[2]["target"].startswith("Partner:")
    assert entries[2]["target"] != f"Partner:{acme_id}"


async def test_an_update_entry_holds_before_and_after_of_the_changed_fields_only(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner(name="Acme", tier="SILVER", region="EMEA")
    # when
    response = await api.gql(
        UPDATE_PARTNER,
        {"id": partner_id, "input": {"tier": "GOLD", "name": "Acme", "region": "EMEA"}},
        token=admin,
    )
    # then
    assert response.data["updatePartner"]["errors"] == []
    newest = (await _all_entries(api, admin))[0]
    assert (newest["action"], newest["outcome"]) == ("updatePartner", "OK")
    assert newest["detail"] == {"tier": {"before": "SILVER", "after": "GOLD"}}


async def test_a_refused_entry_names_the_errors_that_refused_it(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    await api.gql(CREATE_PARTNER, {"input": {**ACME, "region": "MARS"}}, token=admin)
    # then
    newest = (await _all_entries(api, admin))[0]
    assert (newest["action"], newest["outcome"]) == ("createPartner", "REFUSED")
    assert newest["detail"]["errors"] == [{"path": ["input", "region"], "code": "INVALID_VALUE"}]


async def test_entries_are_ordered_newest_first_by_time(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    for name in ["One", "Two", "Three"]:
        await api.gql(CREATE_PARTNER, {"input": {**ACME, "name": name}}, token=admin)
    # then
    entries = await _all_entries(api, admin)
    times = [entry["at"] for entry in entries]
    assert len(entries) >= 4
    assert times == sorted(times, reverse=True)
    assert [e["action"] for e in entries[:3]] == ["createPartner"] * 3


async def test_queries_leave_no_entry(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    before = await _all_entries(api, admin)
    # when
    await api.gql(PARTNER_COUNT, token=admin)
    # then
    assert await _all_entries(api, admin) == before


# ---------------------------------------------------------------- pagination


async def test_paging_with_first_and_after_walks_every_entry_once_in_order(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    for i in range(7):
        await api.gql(CREATE_PARTNER, {"input": {**ACME, "name": f"Partner {i}"}}, token=admin)
    everything = [entry["id"] for entry in await _all_entries(api, admin)]
    # when
    walked: list[str] = []
    pages = 0
    after = None
    while True:
        response = await api.gql(AUDIT_LOG, {"first": 3, "after": after}, token=admin)
        connection = response.data["auditLog"]
        walked += [edge["node"]["id"] for edge in connection["edges"]]
        pages += 1
        after = connection["pageInfo"]["endCursor"]
        if not connection["pageInfo"]["hasNextPage"]:
            break
    # then
    assert len(everything) >= 8
    assert walked == everything
    assert len(set(walked)) == len(walked)
    assert pages == -(-len(everything) // 3)


async def test_a_page_ends_where_the_next_begins(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    for i in range(4):
        await api.gql(CREATE_PARTNER, {"input": {**ACME, "name": f"Partner {i}"}}, token=admin)
    first = (await api.gql(AUDIT_LOG, {"first": 2}, token=admin)).data["auditLog"]
    # when
    second = (
        await api.gql(AUDIT_LOG, {"first": 2, "after": first["pageInfo"]["endCursor"]}, token=admin)
    ).data["auditLog"]
    # then
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    names = [e["node"]["id"] for e in first["edges"] + second["edges"]]
    assert len(set(names)) == 4


@pytest.mark.parametrize("after", ["not-a-cursor", "WyJ4Il0", "W10"])
async def test_a_cursor_that_is_not_from_the_audit_log_is_bad_user_input(
    api: Api, after: str
) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(AUDIT_LOG, {"first": 5, "after": after}, token=admin)
    # then
    assert response.error_codes == ["BAD_USER_INPUT"]


# ---------------------------------------------------------------- secrets


async def test_no_password_token_or_key_secret_ever_appears_in_any_entry(api: Api) -> None:
    # given
    admin, admin_id = await api.staff()
    partner_id = await api.partner()
    _, contact_id = await api.contact(partner_id, ContactRole.ADMIN)
    chosen = "my chosen passphrase 42"
    wrong = "a wrong passphrase 17"
    # when
    staff_login = await api.gql(LOGIN, {"email": await email_of(api, admin_id), "password": wrong})
    invited = await api.gql(
        INVITE, {"partnerId": partner_id, "email": "hire@partner.example.com"}, token=admin
    )
    renewed = await api.gql(
        INVITE, {"partnerId": partner_id, "email": "hire@partner.example.com"}, token=admin
    )
    first_token = invited.data["inviteContact"]["invitationToken"]
    second_token = renewed.data["inviteContact"]["invitationToken"]
    stale = await api.gql(ACCEPT, {"token": first_token, "password": chosen})
    accepted = await api.gql(ACCEPT, {"token": second_token, "password": chosen})
    signed_in = await api.gql(LOGIN, {"email": "hire@partner.example.com", "password": chosen})
    key = await api.gql(CREATE_KEY, token=admin)
    secret = key.data["createApiKey"]["secret"]
    used = await api.gql(CREATE_PARTNER, {"input": ACME}, api_key=secret)
    await api.gql(PARTNER_COUNT, token=admin, headers={"X-View-As": contact_id})
    # then
    assert staff_login.data["login"]["errors"] == [{"code": "INVALID_CREDENTIALS"}]
    assert stale.data["acceptInvitation"]["token"] is None
    assert accepted.data["acceptInvitation"]["errors"] == []
    assert used.data["createPartner"]["errors"] == []
    logged = json.dumps(await _all_entries(api, admin))
    for action in ["login", "inviteContact", "acceptInvitation", "createApiKey", "VIEW_AS"]:
        assert f'"{action}"' in logged
    secrets = {
        "password": chosen,
        "wrong password": wrong,
        "factory password": PASSWORD,
        "invitation token": first_token,
        "renewed invitation token": second_token,
        "session token from acceptInvitation": accepted.data["acceptInvitation"]["token"],
        "session token from login": signed_in.data["login"]["token"],
        "API key secret": secret,
        "admin's bearer token": admin,
    }
    leaked = [name for name, value in secrets.items() if value in logged]
    assert leaked == []
