"""Statements run straight on the driver read and write exactly what SQLAlchemy would."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.dialects import sqlite

from domain import models
from domain.catalogue import load_catalogue
from domain.contacts import create_contact
from domain.db import Database
from domain.direct import DirectSelect
from domain.partners import create_partner
from domain.principal import ContactRole, ContactStatus
from domain.segments import facts
from domain.segments.index import catalog_version
from domain.segments.moves import Cause, Moves

NOW = datetime(2026, 5, 17, 9, 30, 15, 123456, tzinfo=UTC)


async def _company(db: Database) -> tuple[models.Partner, list[models.Contact]]:
    async with db.write() as session:
        partner = (
            await create_partner(
                session,
                await load_catalogue(session),
                {
                    "name": "Ünïcode Systems",
                    "type": "MSP",
                    "tier": "GOLD",
                    "region": "EMEA",
                    "phase": "ACTIVE",
                    "verticals": ["HEALTHCARE", "RETAIL"],
                },
            )
        ).partner
        people = [
            await create_contact(
                session,
                partner.id,
                f"p{i}@unicode.example",
                f"Pat {i}",
                role,
                status=ContactStatus.ACTIVE,
            )
            for i, role in enumerate((ContactRole.ADMIN, ContactRole.SALES_REP))
        ]
        # Set after the contacts: adding one refreshes the metrics it feeds.
        await session.execute(
            update(models.PartnerMetrics)
            .where(models.PartnerMetrics.partner_id == partner.id)
            .values(won_revenue_12m=Decimal("1234.56"), training_completion_rate=0.375)
        )
        people[0].last_login_at = NOW
        people[0].attributes = {"nickname": "Zoë", "score": 7}
    return partner, people


def _same(direct: Any, through_sqlalchemy: Any) -> None:
    expected = through_sqlalchemy._asdict()
    assert direct._asdict() == expected
    for key, value in expected.items():
        assert type(getattr(direct, key)) is type(value), key


async def test_rows_read_as_through_sqlalchemy(db: Database) -> None:
    partner, people = await _company(db)
    async with db.read() as session:
        connection = await session.connection()
        rows, metrics = await facts.partners(session, [partner.id, 999_999])
        assert set(rows) == {partner.id}
        by_sqlalchemy = (
            await connection.execute(facts._PARTNERS_BY_ID.portable, {"ids": [partner.id]})
        ).one()
        _same(rows[partner.id], by_sqlalchemy)
        assert metrics[partner.id].won_revenue_12m == Decimal("1234.56")
        assert metrics[partner.id].training_completion_rate == 0.375

        contacts = await facts.contacts_of(session, [partner.id])
        assert set(contacts) == {p.id for p in people}
        for row in (
            await connection.execute(facts._CONTACTS_OF.portable, {"ids": [partner.id]})
        ).all():
            _same(contacts[row.id], row)
        assert contacts[people[0].id].last_login_at == NOW
        assert contacts[people[0].id].attributes == {"nickname": "Zoë", "score": 7}
        assert (await facts.contacts(session, [people[1].id])).keys() == {people[1].id}


async def test_no_ids_reads_nothing(db: Database) -> None:
    await _company(db)
    async with db.read() as session:
        assert await facts._CONTACTS_OF.rows(session, []) == []
        assert (await catalog_version(session)).version >= 0


async def test_writes_store_what_sqlalchemy_reads_back(db: Database) -> None:
    _, people = await _company(db)
    async with db.write() as session:
        segment = models.Segment(key="direct", name="Direct", subject="CONTACT", rule=None)
        session.add(segment)
        await session.flush()
        moves = Moves(NOW)
        for person in people:
            moves.record(segment.id, person.id, True, Cause.MANUAL)
        assert await moves.write(session) == 2
    async with db.write() as session:
        members = (
            await session.scalars(
                select(models.SegmentMember).where(models.SegmentMember.segment_id == segment.id)
            )
        ).all()
        assert {(m.subject_id, m.since) for m in members} == {(p.id, NOW) for p in people}
        leaving = Moves(NOW)
        leaving.record(segment.id, people[0].id, False, Cause.RULE_CHANGE)
        await leaving.write(session)
    async with db.read() as session:
        events = (
            await session.scalars(
                select(models.MembershipEvent)
                .where(models.MembershipEvent.segment_id == segment.id)
                .order_by(models.MembershipEvent.id)
            )
        ).all()
        assert [(e.subject_id, e.change, e.cause, e.at) for e in events] == [
            (people[0].id, "JOINED", "MANUAL", NOW),
            (people[1].id, "JOINED", "MANUAL", NOW),
            (people[0].id, "LEFT", "RULE_CHANGE", NOW),
        ]
        held = await facts.memberships(session, [segment.id], [p.id for p in people])
        assert dict(held) == {people[1].id: {segment.id}}
        assert dict(await facts.memberships(session, [], [p.id for p in people])) == {}


def test_a_direct_select_takes_only_the_ids() -> None:
    table = models.Contact.__table__
    mixed = DirectSelect(
        lambda in_ids: select(table.c.id).where(in_ids(table.c.id), table.c.role == "ADMIN")
    )
    with pytest.raises(ValueError, match="only the ids"):
        mixed._compile(sqlite.dialect())
