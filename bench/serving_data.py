"""The serving benchmark's data: the demo programme (its logins, tabs, pages, courses, goals,
policies) with, for the full run, the segment benchmark's 50,000 partners and 250,000
contacts beside it, and what the workloads read in quantity: the enablement benchmark's
1,000 nested folders and 1,000 assets, 40 announcements, 120 deals of the signed-in
contact's company with field policies on two of their fields, enrolments and goals.

Built with the `partnerscope` CLI (migrate, seed --demo, recompute) and the other
benchmarks' builders, and kept in bench/.data (SQLite) or `partnerscope_bench_serving`
(PostgreSQL) until `--fresh`; a marker file says the build finished.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select

from bench import enablement
from bench import segment_dataset as dataset
from bench.live import copy_database, fresh_database, partnerscope
from bench.support import DATA
from domain import audiences, ids
from domain.audiences import AudienceSpec
from domain.db import Database, open_database
from domain.models import (
    Announcement,
    AssetFolder,
    Contact,
    Course,
    Deal,
    Enrollment,
    Goal,
    Partner,
    Segment,
    SegmentMember,
)
from domain.policies import set_field_policy
from domain.segments.service import save_segment
from seeds import generator

STAFF = ("admin@partnerscope.example.com", "demo-admin-2026")
# The Platinum reseller's admin: it sees every deal of its company, most content, and
# holds a few segments.
CONTACT = ("admin@northwind-systems.example.com", "demo-partner-2026")
FIRST_GENERATED_ID = 1001  # above the demo programme's partners and contacts
DEALS = 120
ANNOUNCEMENTS = 40
STAGES = ["REGISTERED", "APPROVED", "WON", "LOST", "REJECTED"]
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Dataset:
    kind: str
    name: str
    url: str
    contact_id: int
    partner_id: int
    big_partner_id: int  # a staff workload reads the partner with the most contacts
    partners: int
    contacts: int


def _marker(kind: str, name: str) -> Any:
    return DATA / f"{name}-{kind}.ready"


def _url(kind: str, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{DATA / f'{name}.db'}"
    from bench.live import pg_url

    return pg_url(f"partnerscope_bench_{name}")


async def prepare(kind: str, quick: bool, fresh: bool) -> Dataset:
    """The dataset, built unless a finished build is kept (or `fresh` asks for a new one)."""
    name = "serving-quick" if quick else "serving"
    marker = _marker(kind, name)
    if fresh or not marker.exists():
        marker.unlink(missing_ok=True)
        started = time.perf_counter()
        url = await fresh_database(kind, name)
        partnerscope(url, "migrate")
        partnerscope(url, "seed", "--demo")
        if not quick:
            db = open_database(url)
            try:
                programme = generator.generate(
                    dataset.PARTNERS, dataset.CONTACTS, first_id=FIRST_GENERATED_ID
                )
                await generator.insert_programme(db, programme)
            finally:
                await db.dispose()
            partnerscope(url, "recompute")
        db = open_database(url)
        try:
            await _workload_data(db)
            await db.refresh_statistics(full=True)
        finally:
            await db.dispose()
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(datetime.now(UTC).isoformat() + "\n")
        print(f"{name} dataset built in {time.perf_counter() - started:.0f} s")
    return await describe(kind, name, _url(kind, name))


async def describe(kind: str, name: str, url: str) -> Dataset:
    db = open_database(url)
    try:
        async with db.read() as session:
            contact = (
                await session.execute(
                    select(Contact.id, Contact.partner_id).where(Contact.email == CONTACT[0])
                )
            ).one()
            big = await session.scalar(
                select(Contact.partner_id)
                .group_by(Contact.partner_id)
                .order_by(func.count().desc(), Contact.partner_id)
                .limit(1)
            )
            partners = await session.scalar(select(func.count()).select_from(Partner))
            contacts = await session.scalar(select(func.count()).select_from(Contact))
    finally:
        await db.dispose()
    return Dataset(
        kind,
        name,
        url,
        contact[0],
        contact[1],
        int(big or 0),
        int(partners or 0),
        int(contacts or 0),
    )


async def _workload_data(db: Database) -> None:
    rng = random.Random(2030)
    async with db.write() as session:
        for key, subject, rule in enablement.SEGMENTS:
            await save_segment(
                session, None, {"key": key, "name": key, "subject": subject, "rule": rule}
            )
    async with db.write() as session:  # the enablement benchmark's 1,000 nested folders
        specs = [
            await audiences.store(session, AudienceSpec(any_segments=frozenset({key})))
            for key in ("bench-gold", "bench-emea", "bench-silver")
        ]
        admins = await audiences.store(session, AudienceSpec(roles=frozenset({"ADMIN"})))
        await enablement._folders(session, rng, [a for a in (*specs, admins) if a is not None])
    await enablement._content(db, 1_000, rng)
    await enablement._courses(db)
    async with db.write() as session:
        contact_id, partner_id = (
            await session.execute(
                select(Contact.id, Contact.partner_id).where(Contact.email == CONTACT[0])
            )
        ).one()
        gold = await audiences.store(session, AudienceSpec(any_segments=frozenset({"gold-plus"})))
        finance = await audiences.store(session, AudienceSpec(roles=frozenset({"FINANCE"})))
        emea = await audiences.store(
            session, AudienceSpec(any_segments=frozenset({"emea-partners"}))
        )
        # Guarded deal fields: the amount for Gold and Platinum partners (this contact sees
        # it), the exclusivity date for finance contacts only (hidden from this admin).
        await set_field_policy(
            session, "Deal", "amount", AudienceSpec(any_segments=frozenset({"gold-plus"}))
        )
        await set_field_policy(
            session, "Deal", "exclusivityUntil", AudienceSpec(roles=frozenset({"FINANCE"}))
        )
        await session.execute(insert(Deal), _deals(rng, partner_id, contact_id))
        await session.execute(
            insert(Announcement),
            [
                {
                    "title": f"Programme update {i:02d}",
                    "body": f"What changed in week {i}: "
                    + " ".join(rng.sample(enablement.WORDS, 8)),
                    "publish_at": NOW - timedelta(days=i, hours=rng.randrange(24)),
                    "expires_at": None if i % 7 else NOW - timedelta(days=1),
                    "audience_id": [None, None, gold, finance, emea][i % 5],
                }
                for i in range(ANNOUNCEMENTS)
            ],
        )
        courses = list(
            await session.scalars(select(Course.id).where(Course.key.like("course-%")).limit(12))
        )
        await session.execute(
            insert(Enrollment),
            [
                {
                    "course_id": course,
                    "contact_id": contact_id,
                    "progress": 1.0 if i % 3 == 0 else round(i / 12, 2),
                    "status": "COMPLETED" if i % 3 == 0 else "ENROLLED",
                    "enrolled_at": NOW - timedelta(days=60 - i),
                    "completed_at": NOW - timedelta(days=30 - i) if i % 3 == 0 else None,
                }
                for i, course in enumerate(courses)
            ],
        )
        start, end = date(2026, 1, 1), date(2026, 12, 31)
        await session.execute(
            insert(Goal),
            [
                {
                    "name": f"Programme {metric.lower().replace('_', ' ')}",
                    "metric": metric,
                    "target": target,
                    "period_start": start,
                    "period_end": end,
                    "audience_id": audience,
                }
                for metric, target, audience in [
                    ("REVENUE_WON", 500_000, None),
                    ("DEALS_WON", 20, gold),
                    ("DEALS_REGISTERED", 60, None),
                    ("CERTIFIED_CONTACTS", 5, emea),
                    ("COURSE_COMPLETIONS", 10, None),
                ]
            ],
        )


def _deals(rng: random.Random, partner_id: int, owner_id: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(DEALS):
        stage = STAGES[i % len(STAGES)]
        created = NOW - timedelta(days=rng.randrange(400), seconds=rng.randrange(86400))
        close = (created + timedelta(days=rng.randrange(30, 200))).date()
        rows.append(
            {
                "partner_id": partner_id,
                "owner_id": owner_id,
                "record_type": "resale",
                "customer_name": f"Customer {i:03d} {rng.choice(enablement.WORDS)}",
                "amount": rng.randrange(1_000, 400_000),
                "close_date": close,
                "stage": stage,
                "exclusivity_until": close + timedelta(days=90),
                "won_on": close if stage == "WON" else None,
                "values": {"seats": rng.randrange(5, 500)},
                "version": 1,
                "created_at": created,
                "updated_at": created,
            }
        )
    return rows


# ---------------------------------------------------------------- the scaling curves


async def scaling_copy(source: Dataset, what: str) -> Dataset:
    """A throwaway copy of the kept dataset to grow (the kept one stays as it is)."""
    name = f"{source.name}-{what}"
    url = await copy_database(source.kind, source.name, name)
    return Dataset(
        source.kind,
        name,
        url,
        source.contact_id,
        source.partner_id,
        source.big_partner_id,
        source.partners,
        source.contacts,
    )


async def drop_copy(data: Dataset) -> None:
    """Remove a scaling copy (a SQLite file, or a PostgreSQL database)."""
    if data.kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (DATA / f"{data.name}.db{suffix}").unlink(missing_ok=True)
        return
    import asyncpg

    from bench.support import PG_SERVER

    admin = await asyncpg.connect(f"{PG_SERVER}/postgres")
    try:
        await admin.execute(
            f'DROP DATABASE IF EXISTS "partnerscope_bench_{data.name}" WITH (FORCE)'
        )
    finally:
        await admin.close()


async def grow_assets(data: Dataset, assets: int) -> int:
    """Add assets (random titles, a fifth gated, in the nested folders) up to `assets`."""
    db = open_database(data.url)
    try:
        await enablement._content(db, assets, random.Random(assets))
        async with db.read() as session:
            folders = await session.scalar(select(func.count()).select_from(AssetFolder))
    finally:
        await db.dispose()
    return int(folders or 0)


async def set_viewer_segments(data: Dataset, count: int) -> int:
    """Make the viewer a member of exactly `count` segments: the first of its own, then as
    many include-only partner segments as needed. Returns how many it is in."""
    db = open_database(data.url)
    try:
        async with db.write() as session:
            own = (
                await session.execute(
                    select(SegmentMember.segment_id, Segment.subject)
                    .join(Segment, Segment.id == SegmentMember.segment_id)
                    .where(
                        (
                            (Segment.subject == "PARTNER")
                            & (SegmentMember.subject_id == data.partner_id)
                        )
                        | (
                            (Segment.subject == "CONTACT")
                            & (SegmentMember.subject_id == data.contact_id)
                        )
                    )
                    .order_by(Segment.key)
                )
            ).all()
            keep = own[:count]
            for segment_id, subject in own[count:]:
                subject_id = data.partner_id if subject == "PARTNER" else data.contact_id
                await session.execute(
                    delete(SegmentMember).where(
                        SegmentMember.segment_id == segment_id,
                        SegmentMember.subject_id == subject_id,
                    )
                )
        have = len(keep)
        n = 0
        while have < count:
            async with db.write() as session:
                key = f"scale-{n:03d}"
                exists = await session.scalar(select(Segment.id).where(Segment.key == key))
                if exists is None:
                    await save_segment(
                        session,
                        None,
                        {
                            "key": key,
                            "name": f"Scale {n:03d}",
                            "subject": "PARTNER",
                            "include": [ids.encode("Partner", data.partner_id)],
                        },
                    )
                    have += 1
            n += 1
        await db.refresh_statistics()
    finally:
        await db.dispose()
    return have
