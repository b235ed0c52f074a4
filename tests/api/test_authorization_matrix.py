"""Authorization matrix: generated segments, audiences and viewers, judged by an oracle.

The oracle (the `oracle_*` functions) is written from the contract README ("Audiences",
"Roles", "Actions and fields", "Segment rules"), not from the implementation. Each test
builds a small programme (partners of several tiers and regions, contacts of every role,
three PARTNER segments and one CONTACT segment), then plays seeded rounds: each round
re-draws some segment rules, moves a partner or a contact, sets the MANAGE_TEAM and
CREATE_QUOTE action policies and four field policies, and checks every contact (a case)
against the oracle, with a VENDOR_ADMIN, an ANALYST and an API key as controls.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from domain.models import Contact
from domain.principal import ContactRole, StaffRole
from tests.records import count, pk
from tests.support import Api, create_api_key, create_segment

ROLES = [role.value for role in ContactRole]
TIER_RANKS = {"REGISTERED": 1, "SILVER": 2, "GOLD": 3, "PLATINUM": 4}
TIERS = list(TIER_RANKS)
REGIONS = ["NORTH_AMERICA", "LATIN_AMERICA", "EMEA", "APAC"]
PARTNER_SEGMENTS = ["seg-a", "seg-b", "seg-c"]  # evaluated in this order: b may name a, c a or b
CONTACT_SEGMENT = "team"
SEGMENT_KEYS = [*PARTNER_SEGMENTS, CONTACT_SEGMENT]
GATED_ACTIONS = {"MANAGE_TEAM": "manageTeam", "CREATE_QUOTE": "createQuote"}
GUARDED_FIELDS = ["Partner.metrics", "Partner.verticals", "Contact.title", "Contact.attributes"]
METRIC_KEYS = {"dealsWon12m", "engagementScore"}
ABSENT = "<absent>"

PARTNERS_PER_PROGRAMME = 5
CONTACTS_PER_PARTNER = 2  # besides one ADMIN anchor per partner, which keeps LAST_ADMIN away
ROUNDS = 6


# ---------------------------------------------------------------- documents

GUARDED_FRAGMENTS = """
fragment GuardedPartner on Partner { id verticals metrics { dealsWon12m engagementScore } }
fragment GuardedContact on Contact { id title attributes }
"""
PORTAL = (
    """
query Portal($partnerId: ID!, $colleagueId: ID!) {
  viewer {
    segments { key }
    capabilities { manageTeam createQuote }
    partner { ...GuardedPartner contacts(first: 100) { edges { node { ...GuardedContact } } } }
  }
  partner(id: $partnerId) { ...GuardedPartner }
  partners(first: 100) { edges { node { ...GuardedPartner } } }
  contact(id: $colleagueId) { ...GuardedContact partner { ...GuardedPartner } }
  partnerNode: node(id: $partnerId) { ... on Partner { ...GuardedPartner } }
  contactNode: node(id: $colleagueId) { ... on Contact { ...GuardedContact } }
}
"""
    + GUARDED_FRAGMENTS
)
RECORDS = (
    """
query Records($partnerId: ID!, $contactId: ID!) {
  partners(first: 20) {
    edges {
      node { ...GuardedPartner contacts(first: 20) { edges { node { ...GuardedContact } } } }
    }
  }
  partner(id: $partnerId) { ...GuardedPartner }
  contact(id: $contactId) { ...GuardedContact partner { ...GuardedPartner } }
}
"""
    + GUARDED_FRAGMENTS
)
UNGUARDED_ONLY = "{ viewer { partner { id name contacts(first: 5) { edges { node { id } } } } } }"
INVITE = """
mutation($partnerId: ID!, $email: String!) {
  inviteContact(partnerId: $partnerId, email: $email, name: "New Colleague", role: SALES_REP) {
    contact { id title attributes } errors { path code }
  }
}
"""
SET_ACTION_POLICY = """
mutation($action: Action!, $audience: AudienceInput) {
  setActionPolicy(action: $action, audience: $audience) { errors { path code message } }
}
"""
SET_FIELD_POLICY = """
mutation($typeName: String!, $fieldName: String!, $audience: AudienceInput) {
  setFieldPolicy(typeName: $typeName, fieldName: $fieldName, audience: $audience) {
    errors { path code message }
  }
}
"""
UPDATE_SEGMENT = """
mutation($key: String!, $input: SegmentInput!) {
  updateSegment(key: $key, input: $input) { errors { path code message } }
}
"""
UPDATE_PARTNER = """
mutation($id: ID!, $input: PartnerInput!) {
  updatePartner(id: $id, input: $input) { errors { path code message } }
}
"""
UPDATE_CONTACT = """
mutation($id: ID!, $title: String, $attributes: JSON) {
  updateContact(id: $id, title: $title, attributes: $attributes) { errors { path code message } }
}
"""
SET_CONTACT_ROLE = """
mutation($contactId: ID!, $role: ContactRole!) {
  setContactRole(contactId: $contactId, role: $role) { errors { path code message } }
}
"""
DEFINE_ATTRIBUTE = """
mutation { defineAttribute(subject: CONTACT, key: "badge", type: STRING) { errors { code } } }
"""


# ---------------------------------------------------------------- the oracle (from the contract)


def _compare(op: str, actual: str, value: Any, ranks: dict[str, int] | None) -> bool:
    """One condition of "Segment rules" on a picklist value (tier compares by rank)."""
    if op == "eq":
        return actual == value
    if op == "ne":
        return actual != value
    if op == "in":
        return actual in value
    if op == "notIn":
        return actual not in value
    assert ranks is not None, f"{op} is for ranked picklists only"
    left, right = ranks[actual], ranks[value]
    return {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}[op]


def oracle_rule_holds(rule: dict[str, Any], facts: dict[str, str], member: dict[str, bool]) -> bool:
    """A rule per "Segment rules": all / any / not / segment / condition."""
    if "all" in rule:
        return all(oracle_rule_holds(r, facts, member) for r in rule["all"])
    if "any" in rule:
        return any(oracle_rule_holds(r, facts, member) for r in rule["any"])
    if "not" in rule:
        return not oracle_rule_holds(rule["not"], facts, member)
    if "segment" in rule:
        return member[rule["segment"]]
    ranks = TIER_RANKS if rule["field"] == "partner.tier" else None
    return _compare(rule["op"], facts[rule["field"]], rule["value"], ranks)


def oracle_viewer_segments(
    rules: dict[str, dict[str, Any]], tier: str, region: str, role: str
) -> frozenset[str]:
    """The segments a contact is in: its company's PARTNER segments and its CONTACT segments."""
    facts = {"partner.tier": tier, "partner.region": region, "contact.role": role}
    member: dict[str, bool] = {}
    for key in PARTNER_SEGMENTS:
        member[key] = oracle_rule_holds(rules[key], facts, member)
    member[CONTACT_SEGMENT] = oracle_rule_holds(rules[CONTACT_SEGMENT], facts, member)
    return frozenset(key for key, holds in member.items() if holds)


def oracle_audience_matches(
    audience: dict[str, list[str]] | None, viewer_segments: frozenset[str], role: str
) -> bool:
    """The four numbered rules of "Audiences"; a null audience is every partner contact."""
    if audience is None:
        return True
    any_segments = audience.get("anySegments") or []
    all_segments = audience.get("allSegments") or []
    none_segments = audience.get("noneSegments") or []
    roles = audience.get("roles") or []
    return (
        (not any_segments or any(s in viewer_segments for s in any_segments))  # 1
        and all(s in viewer_segments for s in all_segments)  # 2
        and not any(s in viewer_segments for s in none_segments)  # 3
        and (not roles or role in roles)  # 4
    )


@dataclass(frozen=True)
class OracleViewer:
    kind: str  # CONTACT, STAFF or API_KEY
    role: str | None = None
    segments: frozenset[str] = frozenset()


# "An action with no policy is allowed to every contact, except MANAGE_TEAM and
# EDIT_PARTNER_PROFILE, which default to roles [ADMIN]."
DEFAULT_ACTION_AUDIENCES: dict[str, dict[str, list[str]] | None] = {
    "MANAGE_TEAM": {"roles": ["ADMIN"]},
    "EDIT_PARTNER_PROFILE": {"roles": ["ADMIN"]},
}


def oracle_action_allowed(
    action: str, policies: dict[str, dict[str, list[str]] | None], viewer: OracleViewer
) -> bool:
    """`policies` holds the actions that have a policy (audience None: every contact)."""
    assert viewer.kind == "CONTACT"
    assert viewer.role is not None
    audience = policies[action] if action in policies else DEFAULT_ACTION_AUDIENCES.get(action)
    return oracle_audience_matches(audience, viewer.segments, viewer.role)


def oracle_field_visible(
    type_field: str, policies: dict[str, dict[str, list[str]]], viewer: OracleViewer
) -> bool:
    """Staff and API keys see whole records; contacts are subject to field policies."""
    if viewer.kind != "CONTACT" or type_field not in policies:
        return True
    assert viewer.role is not None
    return oracle_audience_matches(policies[type_field], viewer.segments, viewer.role)


# ---------------------------------------------------------------- generators


def draw_condition(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.55:
        op = rng.choice(["eq", "ne", "in", "notIn", "gt", "gte", "lt", "lte"])
        values = TIERS
        field_path = "partner.tier"
    else:
        op = rng.choice(["eq", "ne", "in", "notIn"])
        values = REGIONS
        field_path = "partner.region"
    value: Any = rng.sample(values, rng.randint(1, 3)) if op in {"in", "notIn"} else None
    return {"field": field_path, "op": op, "value": value or rng.choice(values)}


def draw_partner_rule(rng: random.Random, earlier: list[str]) -> dict[str, Any]:
    """A PARTNER rule on tier and region; it may name an earlier PARTNER segment (no cycles)."""
    shape = rng.choice(["condition", "condition", "all", "any", "not", "segment"])
    if shape == "segment" and earlier:
        return {rng.choice(["all", "any"]): [{"segment": rng.choice(earlier)}, draw_condition(rng)]}
    if shape in {"all", "any"}:
        return {shape: [draw_condition(rng), draw_condition(rng)]}
    if shape == "not":
        return {"not": draw_condition(rng)}
    return draw_condition(rng)


def draw_contact_rule(rng: random.Random) -> dict[str, Any]:
    """A CONTACT rule on the role; it may name a PARTNER segment (the company is a member)."""
    op = rng.choice(["eq", "ne", "in", "notIn"])
    value = rng.sample(ROLES, rng.randint(1, 3)) if op in {"in", "notIn"} else rng.choice(ROLES)
    by_role = {"field": "contact.role", "op": op, "value": value}
    shape = rng.choice(["role", "role", "all", "any"])
    if shape == "role":
        return by_role
    return {shape: [by_role, {"segment": rng.choice(PARTNER_SEGMENTS)}]}


AUDIENCE_LISTS = ("anySegments", "allSegments", "noneSegments", "roles")


def _audience_list(rng: random.Random, name: str) -> list[str]:
    pool = ROLES if name == "roles" else SEGMENT_KEYS
    return rng.sample(pool, rng.randint(1, 2 if name != "roles" else 3))


def draw_audience(rng: random.Random) -> dict[str, list[str]] | None:
    """null, an empty audience, one list, or a combination of two to four lists."""
    shape = rng.choice(["null", "empty", *AUDIENCE_LISTS, "combined", "combined"])
    if shape == "null":
        return None
    if shape == "empty":
        empty: list[dict[str, list[str]]] = [{}, {name: [] for name in AUDIENCE_LISTS}]
        return rng.choice(empty)
    names = rng.sample(AUDIENCE_LISTS, rng.randint(2, 4)) if shape == "combined" else [shape]
    return {name: _audience_list(rng, name) for name in names}


# ---------------------------------------------------------------- the programme under test


@dataclass
class PartnerRecord:
    id: str
    tier: str
    region: str
    verticals: list[str]


@dataclass
class ContactRecord:
    id: str
    partner: PartnerRecord
    role: str
    title: str | None
    attributes: dict[str, Any]
    token: str | None = None  # None: the ADMIN anchor, or an invitee
    anchor: bool = False  # the company's ADMIN nobody demotes (keeps LAST_ADMIN away)


@dataclass
class Programme:
    api: Api
    rng: random.Random
    admin: str
    analyst: str
    api_key: str
    partners: list[PartnerRecord] = field(default_factory=list)
    contacts: dict[str, ContactRecord] = field(default_factory=dict)  # every contact, by id
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    actions: dict[str, dict[str, list[str]] | None] = field(default_factory=dict)
    fields: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    emails: itertools.count = field(default_factory=lambda: itertools.count(1))
    cases: int = 0
    seen: set[tuple[str, bool]] = field(default_factory=set)  # (check, outcome) the cases hit

    @property
    def signed_in(self) -> list[ContactRecord]:
        return [c for c in self.contacts.values() if c.token is not None]

    def anchor_of(self, partner: PartnerRecord) -> ContactRecord:
        return next(c for c in self.contacts.values() if c.partner is partner and c.anchor)

    async def ok(self, document: str, variables: dict[str, Any], name: str) -> None:
        response = await self.api.gql(document, variables, token=self.admin)
        assert response.errors == [], response.errors
        assert response.data[name]["errors"] == [], (name, variables, response.data[name])


async def build_programme(api: Api, seed: int) -> Programme:
    rng = random.Random(seed)
    admin, _ = await api.staff()
    analyst, _ = await api.staff(StaffRole.ANALYST)
    programme = Programme(
        api, rng, admin, analyst, await create_api_key(api, admin, "partners:read")
    )
    await programme.ok(DEFINE_ATTRIBUTE, {}, "defineAttribute")
    for number in range(PARTNERS_PER_PROGRAMME):
        tier, region = TIERS[number % len(TIERS)], rng.choice(REGIONS)
        verticals = rng.sample(["cloud", "security", "retail", "health"], 2)
        partner = PartnerRecord(
            await api.partner(tier=tier, region=region, verticals=verticals),
            tier,
            region,
            verticals,
        )
        programme.partners.append(partner)
        roles = [ContactRole.ADMIN] + [
            ContactRole(rng.choice(ROLES)) for _ in range(CONTACTS_PER_PARTNER)
        ]
        for index, role in enumerate(roles):
            token, contact_id = await api.contact(partner.id, role, sign_in=index > 0)
            contact = ContactRecord(
                contact_id,
                partner,
                role.value,
                f"Title {contact_id[-6:]}",
                {"badge": f"badge-{index}"},
                token,
                anchor=index == 0,
            )
            programme.contacts[contact_id] = contact
            await programme.ok(
                UPDATE_CONTACT,
                {"id": contact_id, "title": contact.title, "attributes": contact.attributes},
                "updateContact",
            )
    for number, key in enumerate(PARTNER_SEGMENTS):
        programme.rules[key] = draw_partner_rule(rng, PARTNER_SEGMENTS[:number])
        await create_segment(api, admin, key, programme.rules[key])
    programme.rules[CONTACT_SEGMENT] = draw_contact_rule(rng)
    await create_segment(
        api, admin, CONTACT_SEGMENT, programme.rules[CONTACT_SEGMENT], subject="CONTACT"
    )
    return programme


async def reshape(programme: Programme, *, with_actions: bool) -> None:
    """One round's changes: some rules, a partner, a role, the action and field policies."""
    rng = programme.rng
    for number, key in enumerate(SEGMENT_KEYS):
        if rng.random() < 0.6:
            rule = (
                draw_contact_rule(rng)
                if key == CONTACT_SEGMENT
                else draw_partner_rule(rng, PARTNER_SEGMENTS[:number])
            )
            programme.rules[key] = rule
            await programme.ok(
                UPDATE_SEGMENT, {"key": key, "input": {"rule": rule}}, "updateSegment"
            )
    if rng.random() < 0.5:
        partner = rng.choice(programme.partners)
        partner.tier, partner.region = rng.choice(TIERS), rng.choice(REGIONS)
        patch = {"tier": partner.tier, "region": partner.region}
        await programme.ok(UPDATE_PARTNER, {"id": partner.id, "input": patch}, "updatePartner")
    if rng.random() < 0.5:
        contact = rng.choice(programme.signed_in)
        contact.role = rng.choice(ROLES)
        await programme.ok(
            SET_CONTACT_ROLE, {"contactId": contact.id, "role": contact.role}, "setContactRole"
        )
    for action in GATED_ACTIONS if with_actions else ():
        audience = draw_audience(rng)
        programme.actions[action] = audience
        await programme.ok(
            SET_ACTION_POLICY, {"action": action, "audience": audience}, "setActionPolicy"
        )
    for type_field in GUARDED_FIELDS:
        audience = draw_audience(rng)  # null removes the field policy
        type_name, field_name = type_field.split(".")
        variables = {"typeName": type_name, "fieldName": field_name, "audience": audience}
        await programme.ok(SET_FIELD_POLICY, variables, "setFieldPolicy")
        programme.fields.pop(type_field, None)
        programme.fields.update({type_field: audience} if audience is not None else {})


# ---------------------------------------------------------------- expected answers


def hidden_fields(response: Any) -> list[str] | str:
    """extensions.hiddenFields in a stable order, or ABSENT when the response has none."""
    value = (response.body.get("extensions") or {}).get("hiddenFields", ABSENT)
    return sorted(value) if isinstance(value, list) else value


def sorted_edges(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(connection["edges"], key=lambda edge: edge["node"]["id"])


def expect_partner(
    partner: PartnerRecord, metrics: dict[str, dict[str, Any]], visible: set[str]
) -> dict[str, Any]:
    return {
        "id": partner.id,
        "verticals": partner.verticals if "Partner.verticals" in visible else [],
        "metrics": metrics[partner.id] if "Partner.metrics" in visible else None,
    }


def expect_contact(contact: ContactRecord, visible: set[str]) -> dict[str, Any]:
    return {
        "id": contact.id,
        "title": contact.title if "Contact.title" in visible else None,
        "attributes": contact.attributes if "Contact.attributes" in visible else {},
    }


def expect_records(
    programme: Programme, metrics: dict[str, dict[str, Any]], partner: PartnerRecord
) -> dict[str, Any]:
    """What staff and API keys read through RECORDS: every record whole."""
    everything = set(GUARDED_FIELDS)
    contact = next(c for c in programme.signed_in if c.partner is partner)
    return {
        "partners": sorted(
            (
                {
                    **expect_partner(p, metrics, everything),
                    "contacts": [
                        {"node": expect_contact(c, everything)}
                        for c in sorted(programme.contacts.values(), key=lambda c: c.id)
                        if c.partner is p
                    ],
                }
                for p in programme.partners
            ),
            key=lambda node: node["id"],
        ),
        "partner": expect_partner(partner, metrics, everything),
        "contact": {
            **expect_contact(contact, everything),
            "partner": expect_partner(partner, metrics, everything),
        },
    }


def normalised_records(data: dict[str, Any]) -> dict[str, Any]:
    partners = [
        {**edge["node"], "contacts": sorted_edges(edge["node"]["contacts"])}
        for edge in sorted_edges(data["partners"])
    ]
    return {"partners": partners, "partner": data["partner"], "contact": data["contact"]}


def expect_portal(
    programme: Programme,
    contact: ContactRecord,
    metrics: dict[str, dict[str, Any]],
    visible: set[str],
) -> dict[str, Any]:
    """PORTAL as `contact` must see it: its own company only, hidden fields blanked."""
    own = expect_partner(contact.partner, metrics, visible)
    colleagues = sorted(
        (c for c in programme.contacts.values() if c.partner is contact.partner),
        key=lambda c: c.id,
    )
    anchor = expect_contact(programme.anchor_of(contact.partner), visible)
    return {
        "partner_in_viewer": {
            **own,
            "contacts": [{"node": expect_contact(c, visible)} for c in colleagues],
        },
        "partner": own,
        "partners": [{"node": own}],
        "contact": {**anchor, "partner": own},
        "partnerNode": own,
        "contactNode": anchor,
    }


def normalised_portal(data: dict[str, Any]) -> dict[str, Any]:
    in_viewer = data["viewer"]["partner"]
    return {
        "partner_in_viewer": {**in_viewer, "contacts": sorted_edges(in_viewer["contacts"])},
        "partner": data["partner"],
        "partners": sorted_edges(data["partners"]),
        "contact": data["contact"],
        "partnerNode": data["partnerNode"],
        "contactNode": data["contactNode"],
    }


# ---------------------------------------------------------------- checks


async def check_staff_and_api_key_see_whole_records(programme: Programme) -> dict[str, Any]:
    """The controls: VENDOR_ADMIN, ANALYST and an API key read every guarded field."""
    api, partner = programme.api, programme.rng.choice(programme.partners)
    contact = next(c for c in programme.signed_in if c.partner is partner)
    variables = {"partnerId": partner.id, "contactId": contact.id}
    vendor_admin = await api.gql(RECORDS, variables, token=programme.admin)
    analyst = await api.gql(RECORDS, variables, token=programme.analyst)
    api_key = await api.gql(RECORDS, variables, api_key=programme.api_key)
    metrics = {
        edge["node"]["id"]: edge["node"]["metrics"]
        for edge in vendor_admin.data["partners"]["edges"]
    }
    assert {p.id for p in programme.partners} == set(metrics)
    assert all(isinstance(m, dict) and set(m) == METRIC_KEYS for m in metrics.values()), metrics
    expected = expect_records(programme, metrics, partner)
    for response in (vendor_admin, analyst, api_key):
        assert response.errors == []
        assert normalised_records(response.data) == expected, describe(programme)
        assert hidden_fields(response) == ABSENT, describe(programme)
    return metrics


async def check_contact(
    programme: Programme, contact: ContactRecord, metrics: dict[str, dict[str, Any]]
) -> None:
    """One case: capabilities, segments, guarded fields and hiddenFields, then inviteContact."""
    api = programme.api
    assert contact.token is not None
    segments = oracle_viewer_segments(
        programme.rules, contact.partner.tier, contact.partner.region, contact.role
    )
    viewer = OracleViewer("CONTACT", contact.role, segments)
    visible = {f for f in GUARDED_FIELDS if oracle_field_visible(f, programme.fields, viewer)}
    programme.cases += 1
    programme.seen.update((f, f in visible) for f in GUARDED_FIELDS)
    programme.seen.update(
        (action, oracle_action_allowed(action, programme.actions, viewer))
        for action in GATED_ACTIONS
    )
    case = describe(programme, contact, segments)
    variables = {
        "partnerId": contact.partner.id,
        "colleagueId": programme.anchor_of(contact.partner).id,
    }

    # when
    response = await api.gql(PORTAL, variables, token=contact.token)
    viewed_as = await api.gql(
        PORTAL, variables, token=programme.admin, headers={"X-View-As": contact.id}
    )

    # then
    assert response.errors == [], case
    assert sorted(s["key"] for s in response.data["viewer"]["segments"]) == sorted(segments), case
    assert response.data["viewer"]["capabilities"] == {
        name: oracle_action_allowed(action, programme.actions, viewer)
        for action, name in GATED_ACTIONS.items()
    }, case
    assert normalised_portal(response.data) == expect_portal(
        programme, contact, metrics, visible
    ), case
    assert hidden_fields(response) == (sorted(set(GUARDED_FIELDS) - visible) or ABSENT), case
    # staff viewing as the contact get exactly the contact's answers
    assert (viewed_as.errors, viewed_as.data) == (response.errors, response.data), case
    assert hidden_fields(viewed_as) == hidden_fields(response), case

    # when: the contact invites a colleague into its own company
    company = Contact.partner_id == pk(contact.partner.id)
    before = await count(api, Contact, company)
    email = f"invitee{next(programme.emails)}.{contact.id[-6:]}@partner.example.com"
    invited = await api.gql(
        INVITE, {"partnerId": contact.partner.id, "email": email}, token=contact.token
    )
    written = await count(api, Contact, company) - before

    # then: allowed exactly when the oracle allows MANAGE_TEAM, and nothing written otherwise
    payload = (invited.body.get("data") or {}).get("inviteContact")
    allowed = oracle_action_allowed("MANAGE_TEAM", programme.actions, viewer)
    new_contact = (payload or {}).get("contact")
    outcome = (
        invited.error_codes,
        payload and payload["errors"],
        written,
        hidden_fields(invited),
        new_contact and {**new_contact, "id": "<new>"},
    )
    hidden_in_payload = sorted({"Contact.title", "Contact.attributes"} - visible) or ABSENT
    assert outcome == (
        ([], [], 1, hidden_in_payload, {"id": "<new>", "title": None, "attributes": {}})
        if allowed
        else (["FORBIDDEN"], None, 0, ABSENT, None)
    ), case
    programme.contacts.update(
        {
            new_contact["id"]: ContactRecord(
                new_contact["id"], contact.partner, "SALES_REP", None, {}
            )
        }
        if new_contact
        else {}
    )


async def check_unqueried_fields_are_not_reported(programme: Programme) -> None:
    """A query that asks for no guarded field gets no hiddenFields, whatever the policies."""
    contact = programme.rng.choice(programme.signed_in)
    response = await programme.api.gql(UNGUARDED_ONLY, token=contact.token)
    assert response.errors == []
    assert response.data["viewer"]["partner"]["id"] == contact.partner.id
    assert hidden_fields(response) == ABSENT, describe(programme, contact)


def describe(
    programme: Programme,
    contact: ContactRecord | None = None,
    segments: frozenset[str] | None = None,
) -> str:
    """The case, for the failure message: enough to replay it by hand."""
    who = (
        {
            "contact": contact.id,
            "role": contact.role,
            "tier": contact.partner.tier,
            "region": contact.partner.region,
            "oracle segments": sorted(segments or ()),
        }
        if contact
        else {}
    )
    state = {
        **who,
        "rules": programme.rules,
        "action policies (absent: default)": programme.actions,
        "field policies": programme.fields,
    }
    return json.dumps(state, indent=1)


async def play(api: Api, seed: int, *, with_actions: bool) -> Programme:
    programme = await build_programme(api, seed)
    for _ in range(ROUNDS):
        await reshape(programme, with_actions=with_actions)
        metrics = await check_staff_and_api_key_see_whole_records(programme)
        for contact in programme.signed_in:
            await check_contact(programme, contact, metrics)
        await check_unqueried_fields_are_not_reported(programme)
    return programme


# ---------------------------------------------------------------- the matrix


@pytest.mark.parametrize("seed", [101, 102])
async def test_field_policies_and_default_action_policies_answer_as_the_oracle(
    api: Api, seed: int
) -> None:
    # given: a programme whose action policies are never set (the defaults hold)
    # when: rounds of generated segment rules, field policies and viewers
    programme = await play(api, seed, with_actions=False)
    # then: every case matched the oracle (checked inside play), and the cases hit both
    # outcomes of every check the defaults leave open (CREATE_QUOTE: everyone)
    assert programme.cases == ROUNDS * PARTNERS_PER_PROGRAMME * CONTACTS_PER_PARTNER
    assert programme.seen == {
        *itertools.product([*GUARDED_FIELDS, "MANAGE_TEAM"], [True, False]),
        ("CREATE_QUOTE", True),
    }


@pytest.mark.parametrize("seed", [201, 202, 203])
async def test_action_policies_and_field_policies_answer_as_the_oracle(api: Api, seed: int) -> None:
    # given: a programme whose MANAGE_TEAM and CREATE_QUOTE policies change every round
    # when: rounds of generated segment rules, audiences and viewers
    programme = await play(api, seed, with_actions=True)
    # then: every case matched the oracle (checked inside play), and the cases hit both
    # outcomes of every check
    assert programme.cases == ROUNDS * PARTNERS_PER_PROGRAMME * CONTACTS_PER_PARTNER
    assert programme.seen == set(
        itertools.product([*GUARDED_FIELDS, *GATED_ACTIONS], [True, False])
    )


def test_oracle_reads_the_audience_rules_literally() -> None:
    """The oracle itself, on the contract's own wording, so a wrong oracle cannot hide a bug."""
    # given
    gold_emea = frozenset({"gold", "emea"})
    # then: rule 1 (any), 2 (all), 3 (none), 4 (roles), null and empty audiences
    assert oracle_audience_matches(None, frozenset(), "FINANCE")
    assert oracle_audience_matches({}, frozenset(), "FINANCE")
    assert oracle_audience_matches({"anySegments": ["gold", "apac"]}, gold_emea, "FINANCE")
    assert not oracle_audience_matches({"anySegments": ["apac"]}, gold_emea, "FINANCE")
    assert not oracle_audience_matches({"allSegments": ["gold", "apac"]}, gold_emea, "ADMIN")
    assert oracle_audience_matches({"allSegments": ["gold", "emea"]}, gold_emea, "ADMIN")
    assert not oracle_audience_matches({"noneSegments": ["apac", "emea"]}, gold_emea, "ADMIN")
    assert not oracle_audience_matches({"roles": ["ADMIN"]}, gold_emea, "SALES_REP")
    assert not oracle_audience_matches(
        {"anySegments": ["gold"], "roles": ["ADMIN"]}, gold_emea, "SALES_REP"
    )
    # and the action defaults: MANAGE_TEAM for admins, CREATE_QUOTE for everyone
    sales_rep = OracleViewer("CONTACT", "SALES_REP")
    assert not oracle_action_allowed("MANAGE_TEAM", {}, sales_rep)
    assert oracle_action_allowed("MANAGE_TEAM", {}, OracleViewer("CONTACT", "ADMIN"))
    assert oracle_action_allowed("CREATE_QUOTE", {}, sales_rep)
    assert oracle_action_allowed("MANAGE_TEAM", {"MANAGE_TEAM": None}, sales_rep)
    assert oracle_field_visible("Partner.metrics", {"Partner.metrics": {"roles": []}}, sales_rep)
    assert oracle_field_visible(
        "Partner.metrics", {"Partner.metrics": {"roles": ["ADMIN"]}}, OracleViewer("STAFF")
    )
    # and rank comparisons on tiers
    facts = {"partner.tier": "PLATINUM", "partner.region": "EMEA", "contact.role": "ADMIN"}
    assert oracle_rule_holds({"field": "partner.tier", "op": "gte", "value": "GOLD"}, facts, {})
    assert not oracle_rule_holds({"field": "partner.tier", "op": "lt", "value": "GOLD"}, facts, {})
