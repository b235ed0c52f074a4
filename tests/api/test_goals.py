"""Goals: the viewer's partner's value and attainment over the goal's period, and for staff
the roll-up per segment the goal's audience names."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from domain.clock import utcnow
from domain.models import Deal
from domain.principal import ContactRole
from tests.records import pk, snapshot
from tests.support import Api, create_api_key, create_segment

CREATE = """
mutation($name: String!, $metric: GoalMetric!, $target: Decimal!, $start: Date!, $end: Date!,
         $audience: AudienceInput) {
  createGoal(name: $name, metric: $metric, target: $target, periodStart: $start,
             periodEnd: $end, audience: $audience) { id errors { path code message } } }
"""
UPDATE = """
mutation($id: ID!, $target: Decimal) {
  updateGoal(id: $id, target: $target) { id errors { path code } } }
"""
MINE = "{ viewer { goals { value attainment goal { name metric target } } } }"
GOALS = """
{ goals { name periodStart periodEnd audience { anySegments allSegments }
          segmentProgress { segment { key name } partners value attainment } } }
"""
AWARD = """
mutation($contactId: ID!) { awardCertification(contactId: $contactId, key: "pro") {
  errors { code } } }
"""
TODAY = utcnow().date()
QUARTER = (TODAY - timedelta(days=30), TODAY + timedelta(days=60))


async def _goal(api: Api, admin: str, name: str, metric: str, target: str, **extra: Any) -> str:
    start, end = extra.pop("period", QUARTER)
    variables = {
        "name": name,
        "metric": metric,
        "target": target,
        "start": start.isoformat(),
        "end": end.isoformat(),
        **extra,
    }
    response = await api.gql(CREATE, variables, token=admin)
    payload = response.data["createGoal"]
    assert payload["errors"] == [], payload["errors"]
    return payload["id"]


async def _deal(
    api: Api,
    partner: str,
    amount: str,
    *,
    stage: str = "WON",
    close: date | None = None,
    won: date | None = None,
    created: datetime | None = None,
) -> None:
    """A deal as the deal desk leaves it (the goal reads deals; it does not move them)."""
    async with api.db.write() as session:
        session.add(
            Deal(
                partner_id=pk(partner),
                record_type="deal",
                customer_name="Customer",
                amount=Decimal(amount),
                close_date=close,
                won_on=won,
                stage=stage,
                values={},
                created_at=created or utcnow(),
            )
        )


async def _mine(api: Api, token: str) -> list[tuple[str, str, float]]:
    response = await api.gql(MINE, token=token)
    assert response.errors == [], response.errors
    return [
        (g["goal"]["name"], g["value"], g["attainment"]) for g in response.data["viewer"]["goals"]
    ]


async def test_a_contact_sees_its_partners_value_and_attainment_over_the_period(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(
        api, admin, "emea", {"field": "partner.region", "op": "eq", "value": "EMEA"}
    )
    await _goal(
        api, admin, "EMEA revenue", "REVENUE_WON", "10000", audience={"anySegments": ["emea"]}
    )
    await _goal(api, admin, "Deals won", "DEALS_WON", "4")
    await _goal(api, admin, "Deals registered", "DEALS_REGISTERED", "10")
    emea = await api.partner(region="EMEA")
    other = await api.partner(region="EMEA")
    start, end = QUARTER
    await _deal(api, emea, "1000.50", close=start)  # first day counts
    await _deal(api, emea, "499.50", won=end)  # no close date: the day it was won; last day counts
    await _deal(api, emea, "700", close=start - timedelta(days=1))  # before the period
    await _deal(api, emea, "900", stage="LOST", close=TODAY)
    await _deal(api, emea, "300", stage="APPROVED", close=TODAY)
    await _deal(api, other, "5000", close=TODAY)  # another company's
    just_before = datetime.combine(start, time.min, tzinfo=UTC) - timedelta(microseconds=1)
    await _deal(api, emea, "1", stage="REGISTERED", created=just_before)
    token, _ = await api.contact(emea)
    apac, _ = await api.contact(await api.partner(region="APAC"))
    # when
    seen = await _mine(api, token)
    # then
    assert seen == [
        ("Deals registered", "5", 0.5),
        ("Deals won", "2", 0.5),
        ("EMEA revenue", "1500.00", 0.15),
    ]
    assert [name for name, _, _ in await _mine(api, apac)] == ["Deals registered", "Deals won"]
    assert await _mine(api, admin) == []


async def test_staff_see_each_named_segments_partners_value_and_attainment(api: Api) -> None:
    # given: two gold EMEA partners, one gold APAC partner, admins of gold partners
    admin, _ = await api.staff()
    gold = {"field": "partner.tier", "op": "eq", "value": "GOLD"}
    await create_segment(api, admin, "gold", gold)
    await create_segment(
        api, admin, "emea", {"field": "partner.region", "op": "eq", "value": "EMEA"}
    )
    await create_segment(
        api,
        admin,
        "gold-admins",
        {"all": [{"segment": "gold"}, {"field": "contact.role", "op": "eq", "value": "ADMIN"}]},
        subject="CONTACT",
    )
    await create_segment(
        api, admin, "nobody", {"field": "partner.tier", "op": "eq", "value": "PLATINUM"}
    )
    first = await api.partner(tier="GOLD", region="EMEA")
    second = await api.partner(tier="GOLD", region="EMEA")
    apac = await api.partner(tier="GOLD", region="APAC")
    for partner in (first, second, apac):
        await api.contact(partner, ContactRole.ADMIN, sign_in=False)
    await api.contact(first, ContactRole.ADMIN, sign_in=False)  # two admins: the company once
    await _deal(api, first, "1000", close=TODAY)
    await _deal(api, second, "3000", close=TODAY)
    await _deal(api, apac, "500", close=TODAY)
    await _goal(
        api,
        admin,
        "Revenue",
        "REVENUE_WON",
        "1000",
        audience={
            "anySegments": ["gold", "emea"],
            "allSegments": ["gold-admins", "gold"],
            "noneSegments": ["nobody"],
        },
    )
    contact, _ = await api.contact(first, ContactRole.ADMIN)
    analytics = await create_api_key(api, admin, "analytics:read")
    partners_key = await create_api_key(api, admin, "partners:read")
    # when
    staff = await api.gql(GOALS, token=admin)
    key = await api.gql(GOALS, api_key=analytics)
    mine = await api.gql(GOALS, token=contact)
    refused = await api.gql(GOALS, api_key=partners_key)
    # then
    (goal,) = staff.data["goals"]
    assert goal["segmentProgress"] == [
        {
            "segment": {"key": "emea", "name": "Emea"},
            "partners": 2,
            "value": "4000.00",
            "attainment": 2.0,
        },
        {
            "segment": {"key": "gold", "name": "Gold"},
            "partners": 3,
            "value": "4500.00",
            "attainment": 1.5,
        },
        {
            "segment": {"key": "gold-admins", "name": "Gold Admins"},
            "partners": 3,
            "value": "4500.00",
            "attainment": 1.5,
        },
    ]
    assert key.data == staff.data
    assert [g["segmentProgress"] for g in mine.data["goals"]] == [[]]
    assert refused.error_codes == ["FORBIDDEN"]


async def test_a_named_segment_without_partners_rolls_up_to_zero(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(
        api, admin, "nobody", {"field": "partner.tier", "op": "eq", "value": "PLATINUM"}
    )
    await _goal(api, admin, "Revenue", "REVENUE_WON", "1000", audience={"anySegments": ["nobody"]})
    # when
    response = await api.gql(GOALS, token=admin)
    # then
    assert response.data["goals"][0]["segmentProgress"] == [
        {
            "segment": {"key": "nobody", "name": "Nobody"},
            "partners": 0,
            "value": "0.00",
            "attainment": 0.0,
        }
    ]


async def test_certifications_and_completions_count_when_obtained_in_the_period(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    await api.gql(
        'mutation { createCertification(key: "pro", name: "Pro") { errors { code } } }',
        token=admin,
    )
    await api.gql(
        'mutation { createCourse(key: "basics", title: "Basics", autoEnrollAudience: {}) '
        "{ errors { code } } }",
        token=admin,
    )
    last_year = (TODAY - timedelta(days=400), TODAY - timedelta(days=300))
    await _goal(api, admin, "Certified now", "CERTIFIED_CONTACTS", "2")
    await _goal(api, admin, "Certified last year", "CERTIFIED_CONTACTS", "2", period=last_year)
    await _goal(api, admin, "Completions now", "COURSE_COMPLETIONS", "4")
    partner = await api.partner()
    token, contact = await api.contact(partner)
    await api.gql(AWARD, {"contactId": contact}, token=admin)
    enrollments = await api.gql("{ viewer { enrollments { id } } }", token=token)
    enrollment = enrollments.data["viewer"]["enrollments"][0]["id"]
    await api.gql(
        "mutation($id: ID!) { recordCourseProgress(enrollmentId: $id, progress: 1.0) "
        "{ errors { code } } }",
        {"id": enrollment},
        token=token,
    )
    # when
    seen = await _mine(api, token)
    # then
    assert seen == [
        ("Certified last year", "0", 0.0),
        ("Certified now", "1", 0.5),
        ("Completions now", "1", 0.25),
    ]


async def test_goal_inputs_are_checked_whole_and_nothing_is_written(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    goal = await _goal(api, admin, "Revenue", "REVENUE_WON", "1000")
    contact, _ = await api.contact(await api.partner())
    before = await snapshot(api)
    # when
    bad = await api.gql(
        CREATE,
        {
            "name": "",
            "metric": "REVENUE_WON",
            "target": "0",
            "start": "2026-12-31",
            "end": "2026-01-01",
            "audience": {"anySegments": ["missing"]},
        },
        token=admin,
    )
    fraction = await api.gql(UPDATE, {"id": goal, "target": "10.005"}, token=admin)
    missing = await api.gql(UPDATE, {"id": "R29hbDo5OTk", "target": "1"}, token=admin)
    refused = await api.gql(UPDATE, {"id": goal, "target": "1"}, token=contact)
    # then
    assert [(e["path"], e["code"]) for e in bad.data["createGoal"]["errors"]] == [
        (["name"], "INVALID_VALUE"),
        (["target"], "INVALID_VALUE"),
        (["periodEnd"], "INVALID_VALUE"),
        (["audience", "anySegments", "0"], "UNKNOWN_SEGMENT"),
    ]
    assert fraction.data["updateGoal"]["errors"] == [{"path": ["target"], "code": "INVALID_VALUE"}]
    assert missing.data["updateGoal"]["errors"] == [{"path": ["id"], "code": "NOT_FOUND"}]
    assert refused.error_codes == ["FORBIDDEN"]
    assert await snapshot(api) == before
