"""AUDIENCE certifications follow membership moves on every path, through the move hook.

Held exactly while a contact matches the award audience: granted and withdrawn when a data
change moves a segment (incremental), when a rule change recomputes one (set-based), when
the clock moves one (the scheduled run), and when a role changes; a loop between an award
audience and a rule reading the certification is refused as CYCLE, from either side.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from domain import models
from domain.catalogue import load_catalogue
from domain.clock import utcnow
from domain.contacts import create_contact
from domain.db import Database
from domain.errors import DomainError
from domain.partners import create_partner, update_partner
from domain.principal import ContactRole, ContactStatus
from domain.segments import schedule
from domain.services import certifications as certification_service
from domain.services import segments as segment_service
from domain.services import team
from domain.uow import perform

GOLD = {"field": "partner.tier", "op": "eq", "value": "GOLD"}


async def _partner(db: Database, **fields: Any) -> models.Partner:
    patch = {"name": "Acme", "type": "MSP", "tier": "SILVER", "region": "EMEA", "phase": "ACTIVE"}
    async with db.write() as session:
        change = await create_partner(session, await load_catalogue(session), patch | fields)
        return change.partner


async def _contact(
    db: Database, partner: models.Partner, email: str, role: ContactRole = ContactRole.SALES_REP
) -> models.Contact:
    async with db.write() as session:
        return await create_contact(
            session, partner.id, email, "Pat", role, status=ContactStatus.ACTIVE
        )


async def _segment(db: Database, key: str, rule: Any, subject: str = "PARTNER") -> None:
    patch = {"key": key, "name": key, "subject": subject, "rule": rule}
    await perform(db, None, "createSegment", lambda uow: segment_service.save(uow, None, patch))


async def _certification(db: Database, key: str, audience: dict[str, Any] | None) -> None:
    await perform(
        db,
        None,
        "createCertification",
        lambda uow: certification_service.save_certification(uow, key, key.title(), audience),
    )


async def _held(db: Database) -> set[tuple[int, str, str]]:
    async with db.read() as session:
        rows = await session.execute(
            select(
                models.ContactCertification.contact_id,
                models.ContactCertification.certification_key,
                models.ContactCertification.source,
            )
        )
        return {(contact, key, source) for contact, key, source in rows}


async def _certified(db: Database, partner: models.Partner) -> int:
    async with db.read() as session:
        found = await session.get(models.PartnerMetrics, partner.id)
        assert found is not None
        return found.certified_contacts


async def _set_tier(db: Database, partner: models.Partner, tier: str) -> None:
    async with db.write() as session:
        current = await session.get(models.Partner, partner.id)
        await update_partner(session, await load_catalogue(session), current, {"tier": tier})


async def test_a_data_change_that_moves_the_company_grants_and_withdraws_the_certification(
    db: Database,
) -> None:
    # given
    partner = await _partner(db)
    ann = await _contact(db, partner, "ann@acme.example.com")
    bob = await _contact(db, partner, "bob@acme.example.com")
    await _segment(db, "gold", GOLD)
    await _certification(db, "gold-seller", {"anySegments": ["gold"]})
    assert await _held(db) == set()
    # when
    await _set_tier(db, partner, "GOLD")
    # then
    assert await _held(db) == {
        (ann.id, "gold-seller", "AUDIENCE"),
        (bob.id, "gold-seller", "AUDIENCE"),
    }
    assert await _certified(db, partner) == 2
    # and when the company leaves, so does the certification
    await _set_tier(db, partner, "SILVER")
    assert await _held(db) == set()
    assert await _certified(db, partner) == 0


async def test_a_rule_change_grants_it_set_based_to_everyone_it_moves(db: Database) -> None:
    # given
    partners = [await _partner(db, name=f"P{i}", tier="GOLD") for i in range(3)]
    contacts = [await _contact(db, p, f"c{i}@p.example.com") for i, p in enumerate(partners)]
    await _segment(db, "top", {"field": "partner.tier", "op": "eq", "value": "PLATINUM"})
    await _certification(db, "top-seller", {"anySegments": ["top"]})
    # when
    await perform(
        db,
        None,
        "updateSegment",
        lambda uow: segment_service.save(uow, "top", {"rule": GOLD}),
    )
    # then
    assert await _held(db) == {(c.id, "top-seller", "AUDIENCE") for c in contacts}


async def test_the_scheduled_run_moves_it_with_a_relative_date_segment(db: Database) -> None:
    # given: a segment of partners that joined within 30 days
    partner = await _partner(db, joinedAt=utcnow())
    contact = await _contact(db, partner, "new@acme.example.com")
    await _segment(db, "new", {"field": "partner.joinedAt", "op": "withinLastDays", "value": 30})
    await _certification(db, "newcomer", {"anySegments": ["new"]})
    assert await _held(db) == {(contact.id, "newcomer", "AUDIENCE")}
    # when: the periodic run happens 31 days later
    await schedule.scheduled(db, now=utcnow() + timedelta(days=31))
    # then
    assert await _held(db) == set()


async def test_a_role_change_moves_it_when_the_audience_names_roles(db: Database) -> None:
    # given
    partner = await _partner(db)
    await _contact(db, partner, "boss@acme.example.com", ContactRole.ADMIN)
    rep = await _contact(db, partner, "rep@acme.example.com")
    await _certification(db, "admin-ready", {"roles": ["ADMIN"]})
    before = {k for _, k, _ in await _held(db) if _ == rep.id}
    # when
    await perform(
        db,
        None,
        "setContactRole",
        lambda uow: _set_role(uow, rep, ContactRole.ADMIN),
    )
    # then
    assert before == set()
    assert (rep.id, "admin-ready", "AUDIENCE") in await _held(db)


async def _set_role(uow: Any, contact: models.Contact, role: ContactRole) -> Any:
    from domain import ids
    from domain.principal import Principal, PrincipalKind, StaffRole

    uow.actor = Principal(PrincipalKind.STAFF, 1, staff_role=StaffRole.VENDOR_ADMIN)
    return await team.set_contact_role(uow, ids.encode("Contact", contact.id), role)


async def test_a_certification_already_held_by_hand_is_kept_when_the_audience_leaves(
    db: Database,
) -> None:
    # given
    partner = await _partner(db, tier="GOLD")
    contact = await _contact(db, partner, "ann@acme.example.com")
    await _segment(db, "gold", GOLD)
    async with db.write() as session:
        from domain import certifications

        await certifications.award(session, contact, "gold-seller", certifications.Source.MANUAL)
    await _certification(db, "gold-seller", {"anySegments": ["gold"]})
    # when
    await _set_tier(db, partner, "SILVER")
    # then
    assert await _held(db) == {(contact.id, "gold-seller", "MANUAL")}


async def test_an_award_audience_that_depends_on_a_rule_reading_the_certification_is_a_cycle(
    db: Database,
) -> None:
    # given: "experts" are contacts holding "security-pro"; "expert-shops" names them
    await _segment(
        db,
        "experts",
        {"field": "contact.certifications", "op": "contains", "value": "security-pro"},
        subject="CONTACT",
    )
    await _segment(db, "expert-team", {"segment": "experts"}, subject="CONTACT")
    # when
    with pytest.raises(DomainError) as refused:
        await _certification(db, "security-pro", {"anySegments": ["expert-team"]})
    # then
    assert refused.value.codes == ["CYCLE"]
    assert refused.value.problems[0].path == ("awardAudience",)


async def test_a_rule_reading_a_certification_its_segment_awards_is_a_cycle(db: Database) -> None:
    # given
    await _segment(db, "gold", GOLD)
    await _certification(db, "gold-seller", {"anySegments": ["gold"]})
    # when: gold's rule now reads the certification gold awards
    with pytest.raises(DomainError) as refused:
        await perform(
            db,
            None,
            "updateSegment",
            lambda uow: segment_service.save(
                uow,
                "gold",
                {"rule": {"field": "partner.metrics.certifiedContacts", "op": "gt", "value": 0}},
            ),
        )
    # then
    assert refused.value.codes == ["CYCLE"]
    assert refused.value.problems[0].path == ("input", "rule")


async def test_a_segment_an_award_audience_names_cannot_be_deleted(db: Database) -> None:
    # given
    await _segment(db, "gold", GOLD)
    await _certification(db, "gold-seller", {"anySegments": ["gold"]})
    # when
    with pytest.raises(DomainError) as refused:
        await perform(db, None, "deleteSegment", lambda uow: segment_service.delete(uow, "gold"))
    # then
    assert refused.value.codes == ["SEGMENT_IN_USE"]
    assert "certification gold-seller" in refused.value.problems[0].message


async def test_an_award_audience_switched_to_one_stored_already_is_followed_next_change(
    db: Database,
) -> None:
    # given: two certifications, and which awards follow which audience is memoised
    partner = await _partner(db)
    ann = await _contact(db, partner, "ann@acme.example.com")
    await _segment(db, "gold", GOLD)
    await _segment(db, "emea", {"field": "partner.region", "op": "eq", "value": "EMEA"})
    await _certification(db, "gold-seller", {"anySegments": ["gold"]})
    await _certification(db, "emea-seller", {"anySegments": ["emea"]})
    await _set_tier(db, partner, "GOLD")
    assert await _held(db) == {
        (ann.id, "gold-seller", "AUDIENCE"),
        (ann.id, "emea-seller", "AUDIENCE"),
    }
    # when: gold-seller now follows the EMEA audience (stored already: no new audience row)
    await _certification(db, "gold-seller", {"anySegments": ["emea"]})
    await _set_tier(db, partner, "SILVER")
    # then: the change that moved the company out of gold used the new award audience
    assert await _held(db) == {
        (ann.id, "gold-seller", "AUDIENCE"),
        (ann.id, "emea-seller", "AUDIENCE"),
    }
    await _set_tier(db, partner, "GOLD")
    async with db.write() as session:
        current = await session.get(models.Partner, partner.id)
        await update_partner(session, await load_catalogue(session), current, {"region": "APAC"})
    assert await _held(db) == set()
