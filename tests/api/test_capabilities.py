"""`viewer.capabilities` says what the team mutations will do; deactivation and LAST_ADMIN.

Contract, "Actions and fields": MANAGE_TEAM gates inviteContact, setContactRole and
deactivateContact; with no policy it is for roles [ADMIN]; `viewer.capabilities` answers the
same question the mutation will ask. Nobody may deactivate or demote a company's last
active ADMIN (LAST_ADMIN), and a deactivated contact's tokens stop working at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from domain.models import Contact
from domain.principal import ContactRole, ContactStatus
from tests.records import count, email_of, pk, snapshot
from tests.support import PASSWORD, Api, Response, create_segment

CAPABILITIES = """
{ viewer { capabilities { manageTeam createQuote registerDeal editPartnerProfile } } }
"""
MANAGE_TEAM = "{ viewer { capabilities { manageTeam } } }"
VIEWER = "{ viewer { id kind } }"
INVITE = """
mutation($partnerId: ID!, $email: String!) {
  inviteContact(partnerId: $partnerId, email: $email, name: "Newcomer", role: SALES_REP) {
    contact { id status } errors { path code message }
  }
}
"""
SET_ROLE = """
mutation($contactId: ID!, $role: ContactRole!) {
  setContactRole(contactId: $contactId, role: $role) {
    contact { id role } errors { path code message }
  }
}
"""
DEACTIVATE = """
mutation($contactId: ID!) {
  deactivateContact(contactId: $contactId) { contact { id status } errors { path code message } }
}
"""
SET_ACTION_POLICY = """
mutation($audience: AudienceInput) {
  setActionPolicy(action: MANAGE_TEAM, audience: $audience) { errors { path code message } }
}
"""
UPDATE_PARTNER = """
mutation($id: ID!, $input: PartnerInput!) {
  updatePartner(id: $id, input: $input) { errors { path code message } }
}
"""
LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { token errors { code } }
}
"""
GOLD = {"field": "partner.tier", "op": "eq", "value": "GOLD"}
DEFAULT = "no policy"  # MANAGE_TEAM never set: roles [ADMIN]


async def set_manage_team(api: Api, admin: str, audience: dict[str, Any] | None) -> None:
    response = await api.gql(SET_ACTION_POLICY, {"audience": audience}, token=admin)
    assert response.errors == []
    assert response.data["setActionPolicy"]["errors"] == []


async def given_manage_team_policy(api: Api, admin: str, audience: Any) -> None:
    """Set MANAGE_TEAM's audience, or leave it without a policy (DEFAULT)."""
    if audience != DEFAULT:
        await set_manage_team(api, admin, audience)


def outcome(response: Response, field: str) -> str:
    """ALLOWED (done, no payload errors), a top-level code, or the payload's codes."""
    if response.errors:
        return ",".join(response.error_codes)
    codes = [e["code"] for e in response.data[field]["errors"]]
    return ",".join(codes) or "ALLOWED"


async def manage_team(api: Api, token: str) -> bool:
    response = await api.gql(MANAGE_TEAM, token=token)
    assert response.errors == []
    return response.data["viewer"]["capabilities"]["manageTeam"]


async def status_and_role(api: Api, contact_id: str) -> tuple[str, str]:
    async with api.db.read() as session:
        contact = await session.get(Contact, pk(contact_id))
        assert contact is not None
        return contact.status, contact.role


# ---------------------------------------------------------------- defaults


@pytest.mark.parametrize("role", list(ContactRole))
async def test_capabilities_without_policies_follow_the_contract_defaults(
    api: Api, role: ContactRole
) -> None:
    # given
    partner = await api.partner()
    await api.contact(partner, ContactRole.ADMIN, sign_in=False)
    token, _ = await api.contact(partner, role)
    # when
    response = await api.gql(CAPABILITIES, token=token)
    # then: MANAGE_TEAM and EDIT_PARTNER_PROFILE for admins, the others for everyone
    assert response.errors == []
    is_admin = role is ContactRole.ADMIN
    assert response.data["viewer"]["capabilities"] == {
        "manageTeam": is_admin,
        "createQuote": True,
        "registerDeal": True,
        "editPartnerProfile": is_admin,
    }


# ---------------------------------------------------------------- capability == mutation


@dataclass(frozen=True)
class Setting:
    name: str
    audience: Any  # DEFAULT, None (every contact) or an audience
    tier: str
    role: str
    manage_team: bool  # what the contract says


SETTINGS = [
    Setting("default, admin", DEFAULT, "SILVER", ContactRole.ADMIN, True),
    Setting("default, sales rep", DEFAULT, "SILVER", ContactRole.SALES_REP, False),
    Setting("default, finance", DEFAULT, "GOLD", ContactRole.FINANCE, False),
    Setting("roles [SALES_REP], sales rep", {"roles": ["SALES_REP"]}, "SILVER", "SALES_REP", True),
    Setting("roles [SALES_REP], admin", {"roles": ["SALES_REP"]}, "SILVER", "ADMIN", False),
    Setting("null audience, marketing", None, "SILVER", ContactRole.MARKETING, True),
    Setting("any [gold], gold technical", {"anySegments": ["gold"]}, "GOLD", "TECHNICAL", True),
    Setting("any [gold], silver admin", {"anySegments": ["gold"]}, "SILVER", "ADMIN", False),
    Setting("none [gold], gold admin", {"noneSegments": ["gold"]}, "GOLD", "ADMIN", False),
    Setting("none [gold], silver rep", {"noneSegments": ["gold"]}, "SILVER", "SALES_REP", True),
    Setting(
        "all [gold] and roles [ADMIN], gold admin",
        {"allSegments": ["gold"], "roles": ["ADMIN"]},
        "GOLD",
        ContactRole.ADMIN,
        True,
    ),
    Setting(
        "all [gold] and roles [ADMIN], gold finance",
        {"allSegments": ["gold"], "roles": ["ADMIN"]},
        "GOLD",
        ContactRole.FINANCE,
        False,
    ),
]


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.name for s in SETTINGS])
async def test_manage_team_capability_answers_what_the_three_team_mutations_do(
    api: Api, setting: Setting
) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await given_manage_team_policy(api, admin, setting.audience)
    partner = await api.partner(tier=setting.tier)
    await api.contact(partner, ContactRole.ADMIN, sign_in=False)
    token, _ = await api.contact(partner, ContactRole(setting.role))
    _, colleague = await api.contact(partner, ContactRole.TECHNICAL, sign_in=False)
    _, leaver = await api.contact(partner, ContactRole.MARKETING, sign_in=False)
    assert token is not None
    company = Contact.partner_id == pk(partner)
    allowed = "ALLOWED" if setting.manage_team else "FORBIDDEN"

    # when
    capability = await manage_team(api, token)
    before = (await count(api, Contact, company), await snapshot(api))
    invite = await api.gql(
        INVITE, {"partnerId": partner, "email": "newcomer@partner.example.com"}, token=token
    )
    invited = await count(api, Contact, company) - before[0]
    role_before = await snapshot(api)
    set_role = await api.gql(SET_ROLE, {"contactId": colleague, "role": "FINANCE"}, token=token)
    role_written = await snapshot(api) != role_before
    deactivate_before = await snapshot(api)
    deactivate = await api.gql(DEACTIVATE, {"contactId": leaver}, token=token)
    deactivate_written = await snapshot(api) != deactivate_before

    # then: the capability is what the contract says, and what every mutation did
    assert capability is setting.manage_team
    assert {
        "inviteContact": outcome(invite, "inviteContact"),
        "setContactRole": outcome(set_role, "setContactRole"),
        "deactivateContact": outcome(deactivate, "deactivateContact"),
    } == dict.fromkeys(["inviteContact", "setContactRole", "deactivateContact"], allowed)
    # ...and a refusal wrote nothing, an allowed change wrote exactly its change
    assert (invited, role_written, deactivate_written) == (
        (1, True, True) if setting.manage_team else (0, False, False)
    )
    assert await status_and_role(api, colleague) == (
        "ACTIVE",
        "FINANCE" if setting.manage_team else "TECHNICAL",
    )
    assert await status_and_role(api, leaver) == (
        "DEACTIVATED" if setting.manage_team else "ACTIVE",
        "MARKETING",
    )


async def test_capabilities_follow_a_policy_change_on_the_next_request(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner()
    boss, _ = await api.contact(partner, ContactRole.ADMIN)
    finance, _ = await api.contact(partner, ContactRole.FINANCE)
    assert boss is not None
    assert finance is not None
    defaults = (await manage_team(api, boss), await manage_team(api, finance))

    # when: MANAGE_TEAM moves to finance, then to everyone
    await set_manage_team(api, admin, {"roles": ["FINANCE"]})
    finance_only = (await manage_team(api, boss), await manage_team(api, finance))
    await set_manage_team(api, admin, None)
    everyone = (await manage_team(api, boss), await manage_team(api, finance))

    # then
    assert (defaults, finance_only, everyone) == ((True, False), (False, True), (True, True))


async def test_manage_team_follows_the_companys_segments_on_the_next_request(api: Api) -> None:
    # given: MANAGE_TEAM for gold partners; the company is silver
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await set_manage_team(api, admin, {"anySegments": ["gold"]})
    partner = await api.partner(tier="SILVER")
    token, _ = await api.contact(partner, ContactRole.SALES_REP)
    assert token is not None
    silver = await manage_team(api, token)

    # when: the company becomes gold
    updated = await api.gql(UPDATE_PARTNER, {"id": partner, "input": {"tier": "GOLD"}}, token=admin)
    assert updated.data["updatePartner"]["errors"] == []
    gold = await manage_team(api, token)
    invite = await api.gql(
        INVITE, {"partnerId": partner, "email": "gold@partner.example.com"}, token=token
    )

    # then
    assert (silver, gold) == (False, True)
    assert outcome(invite, "inviteContact") == "ALLOWED"


async def test_promoted_contact_manages_the_team_with_the_token_it_already_holds(
    api: Api,
) -> None:
    # given
    partner = await api.partner()
    boss, _ = await api.contact(partner, ContactRole.ADMIN)
    rep, rep_id = await api.contact(partner, ContactRole.SALES_REP)
    assert boss is not None
    assert rep is not None
    before = await manage_team(api, rep)

    # when
    promoted = await api.gql(SET_ROLE, {"contactId": rep_id, "role": "ADMIN"}, token=boss)
    after = await manage_team(api, rep)
    invite = await api.gql(
        INVITE, {"partnerId": partner, "email": "hire@partner.example.com"}, token=rep
    )

    # then
    assert outcome(promoted, "setContactRole") == "ALLOWED"
    assert (before, after) == (False, True)
    assert outcome(invite, "inviteContact") == "ALLOWED"


async def test_demoted_admin_loses_manage_team_with_the_token_it_already_holds(
    api: Api,
) -> None:
    # given: two admins
    partner = await api.partner()
    boss, _ = await api.contact(partner, ContactRole.ADMIN)
    other, other_id = await api.contact(partner, ContactRole.ADMIN)
    assert boss is not None
    assert other is not None

    # when
    demoted = await api.gql(SET_ROLE, {"contactId": other_id, "role": "SALES_REP"}, token=boss)
    capability = await manage_team(api, other)
    before = await snapshot(api)
    invite = await api.gql(
        INVITE, {"partnerId": partner, "email": "late@partner.example.com"}, token=other
    )

    # then
    assert outcome(demoted, "setContactRole") == "ALLOWED"
    assert capability is False
    assert outcome(invite, "inviteContact") == "FORBIDDEN"
    assert await snapshot(api) == before


# ---------------------------------------------------------------- deactivation


@pytest.mark.parametrize("by", ["partner admin", "vendor admin"])
async def test_deactivated_contacts_token_stops_working_at_once(api: Api, by: str) -> None:
    # given
    staff, _ = await api.staff()
    partner = await api.partner()
    boss, _ = await api.contact(partner, ContactRole.ADMIN)
    rep, rep_id = await api.contact(partner, ContactRole.SALES_REP)
    deactivator = {"partner admin": boss, "vendor admin": staff}[by]
    working = await api.gql(VIEWER, token=rep)

    # when
    deactivated = await api.gql(DEACTIVATE, {"contactId": rep_id}, token=deactivator)
    next_request = await api.gql(VIEWER, token=rep)

    # then
    assert working.data["viewer"] == {"id": rep_id, "kind": "CONTACT"}
    assert deactivated.data["deactivateContact"] == {
        "contact": {"id": rep_id, "status": "DEACTIVATED"},
        "errors": [],
    }
    assert (next_request.error_codes, next_request.body["data"]) == (["UNAUTHENTICATED"], None)


async def test_deactivated_admins_token_may_not_manage_the_team_any_more(api: Api) -> None:
    # given: two admins; one deactivates the other
    partner = await api.partner()
    boss, _ = await api.contact(partner, ContactRole.ADMIN)
    leaver, leaver_id = await api.contact(partner, ContactRole.ADMIN)
    deactivated = await api.gql(DEACTIVATE, {"contactId": leaver_id}, token=boss)
    assert outcome(deactivated, "deactivateContact") == "ALLOWED"
    before = await snapshot(api)

    # when
    invite = await api.gql(
        INVITE, {"partnerId": partner, "email": "revenge@partner.example.com"}, token=leaver
    )

    # then
    assert (invite.error_codes, invite.body["data"]) == (["UNAUTHENTICATED"], None)
    assert await snapshot(api) == before


async def test_deactivated_contact_cannot_sign_in_for_a_new_token(api: Api) -> None:
    # given
    partner = await api.partner()
    boss, _ = await api.contact(partner, ContactRole.ADMIN)
    _, rep_id = await api.contact(partner, ContactRole.SALES_REP)
    await api.gql(DEACTIVATE, {"contactId": rep_id}, token=boss)
    # when
    response = await api.gql(LOGIN, {"email": await email_of(api, rep_id), "password": PASSWORD})
    # then
    assert response.data["login"]["token"] is None
    assert response.data["login"]["errors"] != []


# ---------------------------------------------------------------- LAST_ADMIN


@dataclass(frozen=True)
class Refusal:
    name: str
    document: str
    field: str
    variables: dict[str, Any]


DEMOTE = Refusal("demote", SET_ROLE, "setContactRole", {"role": "SALES_REP"})
DEACTIVATE_ADMIN = Refusal("deactivate", DEACTIVATE, "deactivateContact", {})


@pytest.mark.parametrize("change", [DEMOTE, DEACTIVATE_ADMIN], ids=["demote", "deactivate"])
@pytest.mark.parametrize("actor", ["the admin itself", "vendor admin", "rep with MANAGE_TEAM"])
async def test_last_active_admin_can_be_neither_demoted_nor_deactivated(
    api: Api, change: Refusal, actor: str
) -> None:
    # given: one active admin, plus an invited and a deactivated admin that do not count
    staff, _ = await api.staff()
    await set_manage_team(api, staff, {"roles": ["ADMIN", "SALES_REP"]})
    partner = await api.partner()
    boss, boss_id = await api.contact(partner, ContactRole.ADMIN)
    rep, _ = await api.contact(partner, ContactRole.SALES_REP)
    await api.contact(partner, ContactRole.ADMIN, status=ContactStatus.INVITED)
    await api.contact(partner, ContactRole.ADMIN, status=ContactStatus.DEACTIVATED)
    token = {"the admin itself": boss, "vendor admin": staff, "rep with MANAGE_TEAM": rep}[actor]
    before = await snapshot(api)

    # when
    response = await api.gql(
        change.document, {"contactId": boss_id, **change.variables}, token=token
    )

    # then
    assert response.errors == []
    payload = response.data[change.field]
    assert (payload["contact"], [e["code"] for e in payload["errors"]]) == (None, ["LAST_ADMIN"])
    assert await snapshot(api) == before
    assert await manage_team(api, boss) is True


@pytest.mark.parametrize("change", [DEMOTE, DEACTIVATE_ADMIN], ids=["demote", "deactivate"])
async def test_with_two_active_admins_one_may_go_and_then_the_other_is_the_last(
    api: Api, change: Refusal
) -> None:
    # given
    partner = await api.partner()
    boss, boss_id = await api.contact(partner, ContactRole.ADMIN)
    _, second_id = await api.contact(partner, ContactRole.ADMIN)

    # when
    first = await api.gql(change.document, {"contactId": second_id, **change.variables}, token=boss)
    before = await snapshot(api)
    last = await api.gql(change.document, {"contactId": boss_id, **change.variables}, token=boss)

    # then
    assert outcome(first, change.field) == "ALLOWED"
    assert outcome(last, change.field) == "LAST_ADMIN"
    assert await snapshot(api) == before


async def test_last_admin_may_be_set_to_admin_again(api: Api) -> None:
    # given
    partner = await api.partner()
    boss, boss_id = await api.contact(partner, ContactRole.ADMIN)
    # when
    response = await api.gql(SET_ROLE, {"contactId": boss_id, "role": "ADMIN"}, token=boss)
    # then
    assert response.data["setContactRole"] == {
        "contact": {"id": boss_id, "role": "ADMIN"},
        "errors": [],
    }


async def test_two_admins_removing_each_other_at_once_leave_exactly_one_active_admin(
    api: Api,
) -> None:
    # given: several companies of exactly two admins
    companies = []
    for _ in range(4):
        partner = await api.partner()
        first, first_id = await api.contact(partner, ContactRole.ADMIN)
        second, second_id = await api.contact(partner, ContactRole.ADMIN)
        companies.append((partner, first, first_id, second, second_id))

    # when: in each company, each admin removes the other in concurrent requests
    results = [
        await asyncio.gather(
            api.gql(SET_ROLE, {"contactId": second_id, "role": "SALES_REP"}, token=first),
            api.gql(DEACTIVATE, {"contactId": first_id}, token=second),
        )
        for _, first, first_id, second, second_id in companies
    ]

    # then: one change went through, and each company keeps one active admin
    allowed = [
        [outcome(demote, "setContactRole"), outcome(deactivate, "deactivateContact")].count(
            "ALLOWED"
        )
        for demote, deactivate in results
    ]
    active_admins = [
        await count(
            api,
            Contact,
            Contact.partner_id == pk(partner),
            Contact.role == "ADMIN",
            Contact.status == "ACTIVE",
        )
        for partner, *_ in companies
    ]
    assert (allowed, active_admins) == ([1] * len(companies), [1] * len(companies))
