"""The audit log: every mutation and every refusal leaves a row, and no secret is ever in one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain.models import AuditEntry
from domain.principal import ContactRole
from resolvers import partners as partner_resolvers
from tests.records import audit_entries, email_of
from tests.support import PASSWORD, Api

CREATE = """
mutation($input: PartnerInput!) { createPartner(input: $input) { errors { path code } } }
"""
UPDATE = """
mutation($id: ID!, $input: PartnerInput!) {
  updatePartner(id: $id, input: $input) { errors { path code } }
}
"""
LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { token errors { code } }
}
"""
INVITE = """
mutation($partnerId: ID!) {
  inviteContact(partnerId: $partnerId, email: "new@partner.example.com", name: "New",
                role: SALES_REP) { invitationToken errors { code } }
}
"""
ACCEPT = """
mutation($token: String!, $password: String!) {
  acceptInvitation(token: $token, password: $password) { token errors { code } }
}
"""
PARTNERS = "{ partners { totalCount } }"
CREATE_KEY = """
mutation { createApiKey(name: "CRM", scopes: ["partners:write"]) { secret errors { code } } }
"""

ACME = {"name": "Acme", "type": "MSP", "tier": "GOLD", "region": "EMEA", "phase": "ACTIVE"}


def _everything_logged(entries: list[AuditEntry]) -> str:
    return json.dumps(
        [[e.actor, e.action, e.target, e.outcome, e.detail] for e in entries], default=str
    )


async def test_forbidden_mutation_leaves_a_forbidden_entry(api: Api) -> None:
    # given
    partner_id = await api.partner()
    token, contact_id = await api.contact(partner_id, ContactRole.ADMIN)
    # when
    response = await api.gql(CREATE, {"input": ACME}, token=token)
    # then
    assert response.error_codes == ["FORBIDDEN"]
    forbidden = [e for e in await audit_entries(api) if e.outcome == "FORBIDDEN"]
    assert [(e.action, e.actor) for e in forbidden] == [
        ("FORBIDDEN:createPartner", f"contact:{contact_id}")
    ]


async def test_refused_mutation_leaves_a_refused_entry_with_its_errors(api: Api) -> None:
    # given
    admin, admin_id = await api.staff()
    # when
    response = await api.gql(CREATE, {"input": {**ACME, "tier": "BRONZE"}}, token=admin)
    # then
    assert response.data["createPartner"]["errors"] == [
        {"path": ["input", "tier"], "code": "INVALID_VALUE"}
    ]
    refused = [e for e in await audit_entries(api) if e.action == "createPartner"]
    assert [(e.outcome, e.actor) for e in refused] == [("REFUSED", f"staff:{admin_id}")]
    assert refused[0].detail["errors"] == [{"path": ["input", "tier"], "code": "INVALID_VALUE"}]


async def test_successful_update_leaves_an_ok_entry_with_before_and_after_of_changed_fields(
    api: Api,
) -> None:
    # given
    admin, admin_id = await api.staff()
    partner_id = await api.partner(name="Acme", tier="SILVER", country="DE")
    # when
    response = await api.gql(
        UPDATE, {"id": partner_id, "input": {"tier": "GOLD", "name": "Acme"}}, token=admin
    )
    # then
    assert response.data["updatePartner"]["errors"] == []
    updates = [e for e in await audit_entries(api) if e.action == "updatePartner"]
    assert len(updates) == 1
    entry = updates[0]
    assert (entry.outcome, entry.actor, entry.target) == (
        "OK",
        f"staff:{admin_id}",
        f"Partner:{partner_id}",
    )
    assert entry.detail == {"tier": {"before": "SILVER", "after": "GOLD"}}


async def test_passwords_never_appear_in_the_audit_log(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    _, staff_id = await api.staff()
    partner_id = await api.partner()
    invited = await api.gql(INVITE, {"partnerId": partner_id}, token=admin)
    invitation = invited.data["inviteContact"]["invitationToken"]
    chosen = "my secret passphrase"
    # when
    staff_email = await email_of(api, staff_id)
    await api.gql(LOGIN, {"email": staff_email, "password": PASSWORD})
    await api.gql(LOGIN, {"email": staff_email, "password": "wrong secret passphrase"})
    await api.gql(ACCEPT, {"token": invitation, "password": "Zq7!x"})
    accepted = await api.gql(ACCEPT, {"token": invitation, "password": chosen})
    # then
    assert accepted.data["acceptInvitation"]["errors"] == []
    logged = _everything_logged(await audit_entries(api))
    assert "acceptInvitation" in logged
    assert "login" in logged
    for password in [PASSWORD, "wrong secret passphrase", "Zq7!x", chosen]:
        assert password not in logged


async def test_invitation_tokens_and_api_key_secrets_never_appear_in_the_audit_log(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner()
    # when
    invited = await api.gql(INVITE, {"partnerId": partner_id}, token=admin)
    key = await api.gql(CREATE_KEY, token=admin)
    # then
    invitation = invited.data["inviteContact"]["invitationToken"]
    secret = key.data["createApiKey"]["secret"]
    logged = _everything_logged(await audit_entries(api))
    assert "inviteContact" in logged
    assert "createApiKey" in logged
    assert invitation not in logged
    assert secret not in logged


async def test_unexpected_failure_is_internal_server_error_with_a_request_id_and_no_details(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    admin, _ = await api.staff()

    async def broken(*_args: Any) -> None:
        raise RuntimeError('column "secret_sauce" does not exist: SELECT secret_sauce FROM x')

    monkeypatch.setattr(partner_resolvers, "partner_list", broken)
    # when
    response = await api.gql(PARTNERS, token=admin)
    # then
    assert response.error_codes == ["INTERNAL_SERVER_ERROR"]
    assert response.errors[0]["extensions"]["requestId"] == response.headers["X-Request-Id"]
    answered = json.dumps(response.body)
    for leak in ["secret_sauce", "SELECT", "RuntimeError", "Traceback", ".py"]:
        assert leak not in answered
