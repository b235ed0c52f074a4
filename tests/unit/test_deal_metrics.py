"""Deal metrics over time: the scheduled run moves won revenue and recent registrations out of
their windows (cause TIME); a won deal counts from the day it closed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from domain import deals, metrics, models
from domain.catalogue import load_catalogue
from domain.clock import utcnow
from domain.db import Database
from domain.partners import create_partner
from domain.segments import schedule
from domain.segments.service import save_segment


async def _partner(db: Database) -> int:
    patch = {"name": "Acme", "type": "MSP", "tier": "SILVER", "region": "EMEA", "phase": "ACTIVE"}
    async with db.write() as session:
        return (await create_partner(session, await load_catalogue(session), patch)).partner.id


async def _deal(db: Database, partner_id: int, **fields: Any) -> None:
    """A deal written as the services would, then the partner's deal metrics refreshed."""
    row = {"record_type": "resale", "customer_name": "C", "stage": "REGISTERED", "values": {}}
    async with db.write() as session:
        session.add(models.Deal(partner_id=partner_id, **(row | fields)))
        await session.flush()
        await metrics.refresh(session, [partner_id], deals.METRICS)


async def _metrics(db: Database, partner_id: int) -> tuple[Decimal, int, Decimal, int]:
    async with db.read() as session:
        row = await session.get(models.PartnerMetrics, partner_id)
    assert row is not None
    return (row.won_revenue_12m, row.deals_won_12m, row.open_pipeline, row.deals_registered_90d)


async def _events(db: Database, key: str) -> list[tuple[str, str]]:
    async with db.read() as session:
        rows = await session.execute(
            select(models.MembershipEvent.change, models.MembershipEvent.cause)
            .join(models.Segment, models.Segment.id == models.MembershipEvent.segment_id)
            .where(models.Segment.key == key)
            .order_by(models.MembershipEvent.id)
        )
        return [(change, cause) for change, cause in rows]


def _today() -> date:
    return deals.today(utcnow())


async def test_won_revenue_leaves_its_window_on_the_scheduled_run(db: Database) -> None:
    # given: a deal won ten days ago, and a segment of partners with won revenue
    partner = await _partner(db)
    closed = _today() - timedelta(days=10)
    await _deal(db, partner, stage="WON", amount=Decimal("250.00"), close_date=closed)
    async with db.write() as session:
        rule = {"field": "partner.metrics.wonRevenue12m", "op": "gt", "value": 0}
        await save_segment(
            session, None, {"key": "sellers", "name": "S", "subject": "PARTNER", "rule": rule}
        )
    # when: the periodic run, 364 and 365 days after it closed
    await schedule.scheduled(db, now=utcnow() + timedelta(days=354))
    inside = (await _metrics(db, partner), await _events(db, "sellers"))
    await schedule.scheduled(db, now=utcnow() + timedelta(days=355))
    outside = (await _metrics(db, partner), await _events(db, "sellers"))
    # then
    assert inside[0][:2] == (Decimal("250.00"), 1)
    assert inside[1] == [("JOINED", "RULE_CHANGE")]
    assert outside[0][:2] == (Decimal("0.00"), 0)
    assert outside[1] == [("JOINED", "RULE_CHANGE"), ("LEFT", "TIME")]


async def test_a_won_deal_without_a_close_date_counts_from_the_day_it_was_won(
    db: Database,
) -> None:
    partner = await _partner(db)
    won_on = _today() - timedelta(days=400)
    await _deal(db, partner, stage="WON", amount=Decimal("10.00"), won_on=won_on)
    await _deal(db, partner, stage="WON", amount=Decimal("7.50"), won_on=_today())
    assert (await _metrics(db, partner))[:2] == (Decimal("7.50"), 1)


async def test_a_close_date_still_ahead_counts_once_it_arrives(db: Database) -> None:
    # given: won today, closing in five days
    partner = await _partner(db)
    ahead = _today() + timedelta(days=5)
    await _deal(
        db, partner, stage="WON", amount=Decimal("99.99"), close_date=ahead, won_on=_today()
    )
    before = await _metrics(db, partner)
    # when
    await schedule.scheduled(db, now=utcnow() + timedelta(days=5))
    # then
    assert before[:2] == (Decimal("0.00"), 0)
    assert (await _metrics(db, partner))[:2] == (Decimal("99.99"), 1)


async def test_registrations_count_for_ninety_days(db: Database) -> None:
    # given
    partner = await _partner(db)
    await _deal(db, partner, amount=Decimal("1.00"), created_at=utcnow() - timedelta(days=89))
    await _deal(db, partner, amount=None)
    registered = await _metrics(db, partner)
    # when
    await schedule.scheduled(db, now=utcnow() + timedelta(days=2))
    # then: the older one left the window; open pipeline does not depend on the clock
    assert registered[2:] == (Decimal("1.00"), 2)
    assert (await _metrics(db, partner))[2:] == (Decimal("1.00"), 1)


async def test_amounts_sum_exactly(db: Database) -> None:
    partner = await _partner(db)
    for _ in range(10):
        await _deal(db, partner, amount=Decimal("0.10"))
    await _deal(db, partner, stage="APPROVED", amount=Decimal("999999999999.99"))
    assert (await _metrics(db, partner))[2] == Decimal("1000000000000.99")


def test_today_is_the_utc_date() -> None:
    evening_in_new_york = datetime.fromisoformat("2026-11-22T21:00:00-05:00")
    assert deals.today(evening_in_new_york) == date(2026, 11, 23)
