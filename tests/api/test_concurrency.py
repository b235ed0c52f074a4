"""Concurrent writers over shared companies leave no drift, exact metrics and no double events.

Partner and contact updates, sign-ins, rule saves, upserts and recomputes run at the same
time over the same ten companies (segments read partner and contact fields together,
contact rules read partner fields and name partner segments, one partner segment reads a
metric that sign-ins move). Afterwards the drift check (what `partnerscope
check-memberships` runs) finds every stored membership and metric equal to a fresh
evaluation, every subject's events alternate JOINED/LEFT ending in its current state, and
no request answered INTERNAL_SERVER_ERROR. Races on unique keys answer their payload
errors. Bounded: about 200 requests, 16 at a time, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from itertools import groupby, pairwise
from typing import Any

from sqlalchemy import select

from domain.models import MembershipEvent, SegmentMember
from domain.principal import ContactRole
from domain.segments import check, schedule
from tests.records import email_of
from tests.support import PASSWORD, Api, Response, create_segment

COMPANIES = 10
CONCURRENCY = 16
ROUNDS = 12

UPDATE_PARTNER = """
mutation($id: ID!, $input: PartnerInput!) {
  updatePartner(id: $id, input: $input) { partner { version } errors { code } }
}
"""
UPDATE_CONTACT = """
mutation($id: ID!, $title: String) {
  updateContact(id: $id, title: $title) { contact { title } errors { code } }
}
"""
LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { token errors { code } }
}
"""
UPDATE_SEGMENT = """
mutation($key: String!, $rule: JSON) {
  updateSegment(key: $key, input: {rule: $rule}) { segment { version } errors { code } }
}
"""
UPSERT = """
mutation($inputs: [PartnerInput!]!) {
  upsertPartners(inputs: $inputs) { created updated errors { code } }
}
"""
CREATE_PARTNER = """
mutation($input: PartnerInput!) { createPartner(input: $input) { partner { id } errors { code } } }
"""
INVITE = """
mutation($partnerId: ID!, $email: String!) {
  inviteContact(partnerId: $partnerId, email: $email, name: "Twin", role: SALES_REP) {
    contact { id } errors { code }
  }
}
"""
SET_ACTION_POLICY = """
mutation { setActionPolicy(action: CREATE_QUOTE, audience: {roles: [ADMIN, FINANCE]}) {
  id errors { code } } }
"""
SET_FIELD_POLICY = """
mutation { setFieldPolicy(typeName: "Contact", fieldName: "title", audience: {roles: [ADMIN]}) {
  id errors { code } } }
"""
CREATE_SEGMENT = """
mutation($key: String!) {
  createSegment(input: {key: $key, name: "Twin", subject: PARTNER, rule: null}) {
    segment { id } errors { code }
  }
}
"""

GOLD_EMEA = {
    "all": [
        {"field": "partner.tier", "op": "gte", "value": "GOLD"},
        {"field": "partner.region", "op": "eq", "value": "EMEA"},
    ]
}
SEGMENTS: list[tuple[str, Any, str]] = [
    ("gold-emea", GOLD_EMEA, "PARTNER"),
    ("engaged", {"field": "partner.metrics.engagementScore", "op": "gte", "value": 50}, "PARTNER"),
    (
        "gold-directors",
        {
            "all": [
                {"field": "partner.tier", "op": "gte", "value": "GOLD"},
                {"field": "contact.title", "op": "startsWith", "value": "Director"},
            ]
        },
        "CONTACT",
    ),
    (
        "engaged-directors",
        {
            "all": [
                {"segment": "engaged"},
                {"field": "contact.title", "op": "contains", "value": "Director"},
            ]
        },
        "CONTACT",
    ),
]
TIERS = ["SILVER", "GOLD", "PLATINUM"]
REGIONS = ["EMEA", "APAC"]
TITLES = ["Director of Sales", "Sales Engineer", "Director", None]


async def _programme(api: Api) -> tuple[str, list[str], list[tuple[str, str]]]:
    admin, _ = await api.staff()
    partners = [
        await api.partner(externalId=f"CRM-{i}", tier="SILVER", region="EMEA")
        for i in range(COMPANIES)
    ]
    contacts = []
    for partner in partners:
        for role in (ContactRole.ADMIN, ContactRole.SALES_REP):
            _, contact_id = await api.contact(partner, role, sign_in=False)
            contacts.append((contact_id, await email_of(api, contact_id)))
    for key, rule, subject in SEGMENTS:
        await create_segment(api, admin, key, rule, subject=subject)
    return admin, partners, contacts


def _operations(
    api: Api, admin: str, partners: list[str], contacts: list[tuple[str, str]], rng: random.Random
) -> list[Callable[[], Awaitable[Response | None]]]:
    def partner_update() -> Awaitable[Response]:
        patch = {"tier": rng.choice(TIERS), "region": rng.choice(REGIONS)}
        return api.gql(UPDATE_PARTNER, {"id": rng.choice(partners), "input": patch}, token=admin)

    def contact_update() -> Awaitable[Response]:
        contact_id, _ = rng.choice(contacts)
        return api.gql(UPDATE_CONTACT, {"id": contact_id, "title": rng.choice(TITLES)}, token=admin)

    def sign_in() -> Awaitable[Response]:
        _, email = rng.choice(contacts)
        return api.gql(LOGIN, {"email": email, "password": PASSWORD})

    def rule_save() -> Awaitable[Response]:
        tier = rng.choice(TIERS)
        rule = {"all": [{"field": "partner.tier", "op": "gte", "value": tier}, GOLD_EMEA["all"][1]]}
        return api.gql(UPDATE_SEGMENT, {"key": "gold-emea", "rule": rule}, token=admin)

    def upsert() -> Awaitable[Response]:
        inputs = [
            {"externalId": f"CRM-{i}", "tier": rng.choice(TIERS)}
            for i in rng.sample(range(COMPANIES), 3)
        ]
        return api.gql(UPSERT, {"inputs": inputs}, token=admin)

    async def recompute() -> None:
        await schedule.recompute(api.db)

    return (
        [partner_update] * 4
        + [contact_update] * 4
        + [sign_in] * 4
        + [
            rule_save,
            upsert,
            recompute,
        ]
    )


async def _run_all(jobs: list[Callable[[], Awaitable[Response | None]]]) -> list[Response]:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(job: Callable[[], Awaitable[Response | None]]) -> Response | None:
        async with gate:
            return await job()

    results = await asyncio.gather(*(one(job) for job in jobs))
    return [r for r in results if r is not None]


def _no_crash(responses: list[Response]) -> None:
    crashes = [r.body for r in responses if "INTERNAL_SERVER_ERROR" in r.error_codes]
    assert crashes == []
    assert all(r.status == 200 for r in responses)


async def _events_alternate(api: Api) -> None:
    async with api.db.read() as session:
        events = list(
            await session.execute(
                select(
                    MembershipEvent.segment_id,
                    MembershipEvent.subject_id,
                    MembershipEvent.change,
                ).order_by(
                    MembershipEvent.segment_id, MembershipEvent.subject_id, MembershipEvent.id
                )
            )
        )
        members = set(
            await session.execute(select(SegmentMember.segment_id, SegmentMember.subject_id))
        )
    for (segment_id, subject_id), group in groupby(events, key=lambda e: (e[0], e[1])):
        changes = [e[2] for e in group]
        doubled = [a for a, b in pairwise(changes) if a == b]
        assert doubled == [], (segment_id, subject_id, changes)
        assert (changes[-1] == "JOINED") == ((segment_id, subject_id) in members)


async def test_concurrent_writers_leave_no_drift_exact_metrics_and_no_double_events(
    api: Api,
) -> None:
    # given
    rng = random.Random(9)
    admin, partners, contacts = await _programme(api)
    kinds = _operations(api, admin, partners, contacts, rng)
    jobs = [rng.choice(kinds) for _ in range(ROUNDS * CONCURRENCY)]
    # when
    responses = await _run_all(jobs)
    # then
    _no_crash(responses)
    report = await check.check(api.db)
    assert report.clean, str(report)
    await _events_alternate(api)


async def test_the_same_unique_write_sent_twice_at_once_answers_duplicate_not_a_crash(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner()
    new = {
        "externalId": "CRM-TWIN",
        "name": "Twin",
        "type": "MSP",
        "tier": "GOLD",
        "region": "EMEA",
        "phase": "ACTIVE",
    }
    pairs: list[tuple[str, dict[str, Any], str]] = [
        (CREATE_PARTNER, {"input": new}, "createPartner"),
        (INVITE, {"partnerId": partner, "email": "twin@partner.example.com"}, "inviteContact"),
        (CREATE_SEGMENT, {"key": "twin"}, "createSegment"),
    ]
    for document, variables, field in pairs:
        # when
        first, second = await asyncio.gather(
            api.gql(document, variables, token=admin), api.gql(document, variables, token=admin)
        )
        # then: one succeeds, the other is told why (or, for a renewable invitation, renews)
        _no_crash([first, second])
        codes = sorted(tuple(e["code"] for e in r.data[field]["errors"]) for r in (first, second))
        assert codes[0] == ()
        assert codes[1] in {(), ("DUPLICATE",)}, (field, codes)


async def test_overlapping_upserts_of_the_same_new_partners_both_succeed(api: Api) -> None:
    # given: two integrations send the same 200 new externalIds at once
    admin, _ = await api.staff()
    inputs = [
        {
            "externalId": f"NEW-{i}",
            "name": f"New {i}",
            "type": "MSP",
            "tier": "GOLD",
            "region": "EMEA",
            "phase": "ACTIVE",
        }
        for i in range(200)
    ]
    # when
    first, second = await asyncio.gather(
        api.gql(UPSERT, {"inputs": inputs}, token=admin),
        api.gql(UPSERT, {"inputs": inputs}, token=admin),
    )
    # then: one created them, the other updated them
    _no_crash([first, second])
    payloads = sorted(
        (r.data["upsertPartners"]["created"], r.data["upsertPartners"]["updated"])
        for r in (first, second)
    )
    assert payloads == [(0, 200), (200, 0)]
    assert (await check.check(api.db)).clean


async def test_concurrent_sign_ins_of_one_company_count_every_engagement(api: Api) -> None:
    # given: 4 contacts at each of 5 partners, none signed in yet
    admin, _ = await api.staff()
    await create_segment(api, admin, *SEGMENTS[1][:2])
    emails = []
    for _ in range(5):
        partner = await api.partner()
        for _ in range(4):
            _, contact_id = await api.contact(partner, sign_in=False)
            emails.append(await email_of(api, contact_id))
    # when
    responses = await asyncio.gather(
        *(api.gql(LOGIN, {"email": e, "password": PASSWORD}) for e in emails)
    )
    # then: every company at 100 (all signed in), every one in "engaged"
    _no_crash(list(responses))
    report = await check.check(api.db)
    assert report.clean, str(report)
    members = await api.gql('{ segment(key: "engaged") { memberCount } }', token=admin)
    assert members.data["segment"]["memberCount"] == 5
