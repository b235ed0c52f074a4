"""Metrics follow the data they derive from; the clock moves time-dependent segments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from domain import certifications, courses, models
from domain.catalogue import load_catalogue
from domain.clock import utcnow
from domain.contacts import create_contact
from domain.db import Database
from domain.errors import DomainError
from domain.identity import passwords
from domain.identity.throttle import create_throttle
from domain.partners import create_partner
from domain.principal import ContactRole, ContactStatus
from domain.segments import schedule
from domain.segments.service import save_segment
from domain.services import identity
from domain.uow import perform

PASSWORD = "correct horse battery"


async def _sign_in(db: Database, email: str) -> None:
    throttle = create_throttle(None, 900, 10, 50)
    await perform(
        db, None, "login", lambda uow: identity.sign_in(uow, email, PASSWORD, throttle=throttle)
    )


async def _partner(db: Database, **fields: Any) -> models.Partner:
    patch = {"name": "Acme", "type": "MSP", "tier": "SILVER", "region": "EMEA", "phase": "ACTIVE"}
    async with db.write() as session:
        return (
            await create_partner(session, await load_catalogue(session), patch | fields)
        ).partner


async def _contact(db: Database, partner: models.Partner, email: str) -> models.Contact:
    async with db.write() as session:
        return await create_contact(
            session,
            partner.id,
            email,
            "Pat",
            ContactRole.SALES_REP,
            status=ContactStatus.ACTIVE,
            password_hash=passwords.hash_password(PASSWORD),
        )


async def _segment(db: Database, key: str, subject: str, rule: dict[str, Any]) -> None:
    async with db.write() as session:
        await save_segment(
            session, None, {"key": key, "name": key, "subject": subject, "rule": rule}
        )


async def _events(db: Database, key: str) -> list[tuple[int, str, str]]:
    async with db.read() as session:
        rows = await session.execute(
            select(
                models.MembershipEvent.subject_id,
                models.MembershipEvent.change,
                models.MembershipEvent.cause,
            )
            .join(models.Segment, models.Segment.id == models.MembershipEvent.segment_id)
            .where(models.Segment.key == key)
            .order_by(models.MembershipEvent.id)
        )
        return [(subject_id, change, cause) for subject_id, change, cause in rows]


async def _metrics(db: Database, partner: models.Partner) -> models.PartnerMetrics:
    async with db.read() as session:
        found = await session.get(models.PartnerMetrics, partner.id)
        assert found is not None
        return found


async def test_certifying_a_contact_counts_for_its_company_and_moves_both_segment_kinds(
    db: Database,
) -> None:
    # given
    partner = await _partner(db)
    contact = await _contact(db, partner, "cert@acme.example.com")
    await _segment(
        db,
        "certified-companies",
        "PARTNER",
        {"field": "partner.metrics.certifiedContacts", "op": "gte", "value": 1},
    )
    await _segment(
        db,
        "security-certified",
        "CONTACT",
        {"field": "contact.certifications", "op": "contains", "value": "security"},
    )
    # when
    async with db.write() as session:
        awarded = await certifications.award(
            session, contact, "security", certifications.Source.MANUAL
        )
    # then
    assert awarded is True
    assert (await _metrics(db, partner)).certified_contacts == 1
    assert await _events(db, "certified-companies") == [(partner.id, "JOINED", "ATTRIBUTE_CHANGE")]
    assert await _events(db, "security-certified") == [(contact.id, "JOINED", "ATTRIBUTE_CHANGE")]


async def test_withdrawing_the_last_certification_takes_the_company_out_again(db: Database) -> None:
    # given
    partner = await _partner(db)
    contact = await _contact(db, partner, "cert@acme.example.com")
    await _segment(
        db,
        "certified-companies",
        "PARTNER",
        {"field": "partner.metrics.certifiedContacts", "op": "gte", "value": 1},
    )
    async with db.write() as session:
        await certifications.award(session, contact, "security", certifications.Source.MANUAL)
    # when
    async with db.write() as session:
        withdrawn = await certifications.withdraw(session, contact, "security")
    # then
    assert withdrawn is True
    assert (await _metrics(db, partner)).certified_contacts == 0
    assert [e[1] for e in await _events(db, "certified-companies")] == ["JOINED", "LEFT"]


async def test_completing_a_course_raises_the_training_completion_rate(db: Database) -> None:
    # given
    partner = await _partner(db)
    first = await _contact(db, partner, "one@acme.example.com")
    await _contact(db, partner, "two@acme.example.com")
    async with db.write() as session:
        course = models.Course(key="onboarding-101", title="Onboarding")
        session.add(course)
        await session.flush()
        await courses.enrol(session, course.id, select(models.Contact.id))
    # when
    async with db.write() as session:
        enrollment = await session.scalar(
            select(models.Enrollment).where(models.Enrollment.contact_id == first.id)
        )
        assert enrollment is not None
        completed = await courses.record_progress(session, enrollment, first, 1.0)
    # then
    assert completed is True
    assert (await _metrics(db, partner)).training_completion_rate == pytest.approx(0.5)


async def test_signing_in_raises_engagement_and_moves_segments_reading_it(db: Database) -> None:
    # given
    partner = await _partner(db)
    await _contact(db, partner, "one@acme.example.com")
    await _contact(db, partner, "two@acme.example.com")
    await _segment(
        db,
        "engaged",
        "PARTNER",
        {"field": "partner.metrics.engagementScore", "op": "gte", "value": 50},
    )
    # when
    await _sign_in(db, "one@acme.example.com")
    # then
    assert (await _metrics(db, partner)).engagement_score == pytest.approx(50.0)
    assert await _events(db, "engaged") == [(partner.id, "JOINED", "ATTRIBUTE_CHANGE")]


async def test_the_schedule_moves_relative_date_segments_with_cause_time(db: Database) -> None:
    # given: a contact who signed in now, in a "signed in within 30 days" segment
    partner = await _partner(db)
    contact = await _contact(db, partner, "one@acme.example.com")
    await _sign_in(db, "one@acme.example.com")
    await _segment(
        db,
        "recently-active",
        "CONTACT",
        {"field": "contact.lastLoginAt", "op": "withinLastDays", "value": 30},
    )
    await _segment(
        db,
        "engaged",
        "PARTNER",
        {"field": "partner.metrics.engagementScore", "op": "gt", "value": 0},
    )
    assert await _events(db, "recently-active") == [(contact.id, "JOINED", "RULE_CHANGE")]
    # when: the periodic run happens 31 days later
    report = await schedule.scheduled(db, now=utcnow() + timedelta(days=31))
    # then
    assert await _events(db, "recently-active") == [
        (contact.id, "JOINED", "RULE_CHANGE"),
        (contact.id, "LEFT", "TIME"),
    ]
    assert (await _events(db, "engaged"))[-1] == (partner.id, "LEFT", "TIME")
    assert (await _metrics(db, partner)).engagement_score == 0.0
    assert report.left == 2  # the contact's relative-date segment and the partner's metric one
    assert report.partners_with_new_metrics == 1


async def test_recompute_of_an_unknown_segment_is_refused(db: Database) -> None:
    with pytest.raises(DomainError) as refused:
        await schedule.recompute(db, "no-such-segment")
    assert refused.value.codes == ["NOT_FOUND"]


async def test_a_full_recompute_repairs_memberships_changed_behind_the_engines_back(
    db: Database,
) -> None:
    # given: a member row deleted directly in the database
    partner = await _partner(db, tier="GOLD")
    await _segment(db, "gold", "PARTNER", {"field": "partner.tier", "op": "eq", "value": "GOLD"})
    async with db.write() as session:
        await session.execute(models.SegmentMember.__table__.delete())
    # when
    report = await schedule.recompute(db)
    # then
    assert report.joined == 1
    assert (await _events(db, "gold"))[-1] == (partner.id, "JOINED", "TIME")


@pytest.mark.parametrize("with_lists", [False, True], ids=["rule only", "with an include list"])
async def test_a_full_recompute_finds_a_joiner_and_a_leaver_even_when_the_counts_agree(
    db: Database, with_lists: bool
) -> None:
    # given: two Gold members and a Silver partner; then, behind the engine's back, one
    # Gold member's row is gone and the Silver partner has one (still two members)
    gold_a, gold_b = await _partner(db, tier="GOLD"), await _partner(db, tier="GOLD")
    silver = await _partner(db, tier="SILVER")
    await _segment(db, "gold", "PARTNER", {"field": "partner.tier", "op": "eq", "value": "GOLD"})
    async with db.write() as session:
        segment = await session.scalar(select(models.Segment).where(models.Segment.key == "gold"))
        assert segment is not None
        if with_lists:  # lists take the scratch-table path on every database
            session.add(
                models.SegmentOverride(segment_id=segment.id, kind="INCLUDE", subject_id=gold_b.id)
            )
        await session.execute(
            models.SegmentMember.__table__.delete().where(
                models.SegmentMember.subject_id == gold_a.id
            )
        )
        session.add(
            models.SegmentMember(segment_id=segment.id, subject_id=silver.id, since=utcnow())
        )
    # when
    report = await schedule.recompute(db)
    again = await schedule.recompute(db)
    # then
    assert (report.joined, report.left) == (1, 1)
    assert (await _events(db, "gold"))[-2:] == [
        (gold_a.id, "JOINED", "TIME"),
        (silver.id, "LEFT", "TIME"),
    ]
    assert (again.joined, again.left) == (0, 0)
