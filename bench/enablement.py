"""Enablement benchmarks on the segment benchmark's programme (50,000 partners, 250,000
contacts), with 300 courses and up to 20,000 assets in nested, audience-gated folders.

    python -m bench.enablement --database sqlite|postgresql [--fresh] [--rounds N]

auto-enrol: a rule change brings 50,000 contacts (every partner's admin) into a CONTACT
segment that a course's auto-enrol audience and a certification's award audience both name.
Timed: the whole save in one transaction, as `updateSegment` runs it (recompute, 50,000
enrolments, 50,000 AUDIENCE certifications, the certifiedContacts metric of 50,000 partners
and the segments reading it). Between rounds the rule is changed back (leavers keep their
enrolments and lose the certification; timed too) and the enrolments are removed, so each
round enrols everyone anew. Target: under 10 s.

assets: `assets(first: 20)` for a partner contact through the GraphQL app (token, viewer,
audiences, SQL, serialisation), at 1,000 and then 20,000 assets in 1,000 nested folders
whose audiences hide part of them from that contact. Target: the 20,000 figure within
1.5x the 1,000 figure.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import delete, func, insert, select

from bench import segment_dataset as dataset
from bench.support import bench_database, percentiles, record, run
from domain import audiences
from domain.audiences import AudienceSpec
from domain.content import asset_visible
from domain.db import Database
from domain.identity.tokens import TokenIssuer
from domain.models import (
    Asset,
    AssetFolder,
    AssetFolderPath,
    Certification,
    Contact,
    ContactCertification,
    Course,
    Enrollment,
    Partner,
    Segment,
)
from domain.principal import ContactRole, Principal, PrincipalKind
from domain.segments.service import save_segment
from permissions.viewer import load_viewer
from server.app import create_app
from server.settings import Settings

COURSES = 300
FOLDERS = (100, 3, 2)  # top-level folders, subfolders of each, sub-subfolders of each
SMALL, LARGE = 1_000, 20_000
SECRET = "bench-signing-secret-not-for-production"
NOBODY = {"field": "contact.title", "op": "eq", "value": "nobody has this title"}
ADMINS = {"field": "contact.role", "op": "eq", "value": "ADMIN"}
ASSETS_PAGE = "{ assets(first: 20) { edges { cursor node { id title kind url } } } }"
# Segments the content's audiences name: (key, subject, rule).
SEGMENTS = [
    ("bench-gold", "PARTNER", {"field": "partner.tier", "op": "gte", "value": "GOLD"}),
    ("bench-emea", "PARTNER", {"field": "partner.region", "op": "eq", "value": "EMEA"}),
    ("bench-silver", "PARTNER", {"field": "partner.tier", "op": "eq", "value": "SILVER"}),
    ("bench-enrol", "CONTACT", NOBODY),
]


# ---------------------------------------------------------------- the dataset


async def _prepare(db: Database, needs_data: bool) -> None:
    if not needs_data:
        return
    started = time.perf_counter()
    await dataset.load_programme(db)
    async with db.write() as session:
        for key, subject, rule in SEGMENTS:
            await save_segment(
                session, None, {"key": key, "name": key, "subject": subject, "rule": rule}
            )
    await _courses(db)
    await db.refresh_statistics(full=True)
    print(f"dataset loaded in {time.perf_counter() - started:.1f} s")


async def _courses(db: Database) -> None:
    """300 courses; every tenth auto-enrols a segment the rule change does not move, one
    auto-enrols `bench-enrol`; its certification is held by the same audience."""
    async with db.write() as session:
        enrol = await audiences.store(
            session, AudienceSpec(any_segments=frozenset({"bench-enrol"}))
        )
        gold = await audiences.store(session, AudienceSpec(any_segments=frozenset({"bench-gold"})))
        emea = await audiences.store(session, AudienceSpec(any_segments=frozenset({"bench-emea"})))
        session.add(Certification(key="bench-certified", name="Bench", award_audience_id=enrol))
        await session.flush()
        rows = []
        for i in range(COURSES):
            auto = enrol if i == 0 else (gold if i % 20 == 10 else emea if i % 10 == 0 else None)
            rows.append(
                {
                    "key": f"course-{i:03d}",
                    "title": f"Course {i:03d}",
                    "audience_id": gold if i % 3 == 0 else None,
                    "auto_enroll_audience_id": auto,
                }
            )
        await session.execute(insert(Course), rows)
        # configuration written directly: say so, as the services do (memoised config expires)
        await audiences.bump_access_version(session)


async def _content(db: Database, assets: int, rng: random.Random) -> None:
    """Nested folders (built once), and assets until there are `assets` of them: random
    titles, a fifth gated by an audience, most in folders (a tenth at the top level)."""
    async with db.write() as session:
        specs = {
            key: await audiences.store(session, AudienceSpec(any_segments=frozenset({key})))
            for key in ("bench-gold", "bench-emea", "bench-silver")
        }
        admins = await audiences.store(session, AudienceSpec(roles=frozenset({"ADMIN"})))
        choices = [a for a in (*specs.values(), admins) if a is not None]
        folder_ids = list(await session.scalars(select(AssetFolder.id)))
        if not folder_ids:
            folder_ids = await _folders(session, rng, choices)
        have = await session.scalar(select(func.count()).select_from(Asset)) or 0
        rows = []
        for _ in range(assets - have):
            rows.append(
                {
                    "title": f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.randrange(10**6)}",
                    "kind": rng.choice(["DOCUMENT", "VIDEO", "LINK", "PRICE_SHEET"]),
                    "url": f"https://content.example.com/{rng.randrange(10**9)}.pdf",
                    "folder_id": None if rng.random() < 0.1 else rng.choice(folder_ids),
                    "audience_id": rng.choice(choices) if rng.random() < 0.2 else None,
                }
            )
        for start in range(0, len(rows), 5000):
            await session.execute(insert(Asset), rows[start : start + 5000])
    await db.refresh_statistics(full=True)


async def _folders(session: Any, rng: random.Random, choices: list[int]) -> list[int]:
    """1,000 folders three levels deep; a quarter of each level gated by an audience."""
    made: list[int] = []
    paths: list[dict[str, int]] = []
    ancestors: dict[int, list[tuple[int, int]]] = {}
    level: list[int | None] = [None]
    for width in FOLDERS:
        next_level: list[int | None] = []
        for parent in level:
            for n in range(width):
                audience = rng.choice(choices) if rng.random() < 0.25 else None
                folder = AssetFolder(
                    name=f"Folder {len(made)} {n}", parent_id=parent, audience_id=audience
                )
                session.add(folder)
                await session.flush()
                above = [(folder.id, 0)] + [
                    (a, d + 1) for a, d in (ancestors[parent] if parent is not None else [])
                ]
                ancestors[folder.id] = above
                paths += [{"folder_id": folder.id, "ancestor_id": a, "depth": d} for a, d in above]
                made.append(folder.id)
                next_level.append(folder.id)
        level = next_level
    await session.execute(insert(AssetFolderPath), paths)
    return made


WORDS = [
    "Annual",
    "Brand",
    "Campaign",
    "Channel",
    "Cloud",
    "Competitive",
    "Customer",
    "Data",
    "Demo",
    "Enablement",
    "Field",
    "Guide",
    "Launch",
    "Market",
    "Onboarding",
    "Partner",
    "Playbook",
    "Price",
    "Product",
    "Quarterly",
    "Reference",
    "Sales",
    "Security",
    "Solution",
]


# ---------------------------------------------------------------- auto-enrolment


async def _save_rule(db: Database, rule: dict[str, Any]) -> float:
    started = time.perf_counter()
    async with db.write() as session:
        await save_segment(session, "bench-enrol", {"rule": rule})
    return time.perf_counter() - started


async def _counts(db: Database) -> tuple[int, int]:
    async with db.read() as session:
        course = await session.scalar(select(Course.id).where(Course.key == "course-000"))
        enrolled = await session.scalar(
            select(func.count()).select_from(Enrollment).where(Enrollment.course_id == course)
        )
        certified = await session.scalar(
            select(func.count())
            .select_from(ContactCertification)
            .where(ContactCertification.certification_key == "bench-certified")
        )
    return int(enrolled or 0), int(certified or 0)


async def bench_auto_enrol(db: Database, rounds: int) -> dict[str, Any]:
    joins: list[float] = []
    leaves: list[float] = []
    enrolled = certified = 0
    await db.refresh_statistics(full=True)  # whatever an earlier run left behind
    for _ in range(rounds):
        await _save_rule(db, NOBODY)
        async with db.write() as session:
            await session.execute(delete(Enrollment))
        # The statistics autovacuum keeps (the bench server runs without it): the rule change
        # then plans against an audience that is empty, as it is the first time.
        await db.refresh_statistics(full=True)
        joins.append(await _save_rule(db, ADMINS))
        enrolled, certified = await _counts(db)
        await db.refresh_statistics(full=True)  # 50,000 memberships more: autovacuum would
        leaves.append(await _save_rule(db, NOBODY))
        print(
            f"join {joins[-1]:.2f} s ({enrolled} enrolled, {certified} certified), "
            f"leave {leaves[-1]:.2f} s, kept {(await _counts(db))[0]} enrolments"
        )
    return {
        "rule_change_in_s": {
            "median": round(statistics.median(joins), 2),
            "all": [round(j, 2) for j in joins],
        },
        "rule_change_out_s": {
            "median": round(statistics.median(leaves), 2),
            "all": [round(j, 2) for j in leaves],
        },
        "enrolled": enrolled,
        "certified": certified,
        "target_s": 10,
    }


# ---------------------------------------------------------------- a page of assets


async def _viewer(db: Database) -> int:
    """An active SALES_REP of a Silver EMEA partner: it sees part of the content."""
    async with db.read() as session:
        found = await session.scalar(
            select(Contact.id)
            .join(Partner, Partner.id == Contact.partner_id)
            .where(
                Partner.tier == "SILVER",
                Partner.region == "EMEA",
                Contact.role == "SALES_REP",
                Contact.status == "ACTIVE",
            )
            .order_by(Contact.id)
            .limit(1)
        )
    assert found is not None
    return found


async def _page_times(db_url: str, contact_id: int, rounds: int) -> tuple[list[float], int]:
    settings = Settings(database_url=db_url, secret_key=SECRET, _env_file=None)
    app = create_app(settings)
    token, _ = TokenIssuer(SECRET, timedelta(hours=1)).issue(PrincipalKind.CONTACT, contact_id)
    headers = {"Authorization": f"Bearer {token}"}
    samples: list[float] = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            seen = 0
            for i in range(rounds + 20):  # the first 20 warm the caches
                started = time.perf_counter()
                response = await client.post(
                    "/graphql", json={"query": ASSETS_PAGE}, headers=headers
                )
                elapsed = (time.perf_counter() - started) * 1000
                body = response.json()
                assert "errors" not in body, body
                seen = len(body["data"]["assets"]["edges"])
                if i >= 20:
                    samples.append(elapsed)
    return samples, seen


async def _visible(db: Database, contact_id: int) -> tuple[int, int]:
    """(assets, of which the contact may see) for the record."""
    async with db.read() as session:
        contact = await session.get(Contact, contact_id)
        assert contact is not None
        principal = Principal(
            PrincipalKind.CONTACT,
            contact.id,
            contact_role=ContactRole(contact.role),
            partner_id=contact.partner_id,
        )
    viewer = await load_viewer(db, principal)
    async with db.read() as session:
        total = await session.scalar(select(func.count()).select_from(Asset))
        visible = await session.scalar(
            select(func.count()).select_from(Asset).where(asset_visible(viewer.access.audience_ids))
        )
    return int(total or 0), int(visible or 0)


async def bench_assets(db: Database, db_url: str, rounds: int) -> dict[str, Any]:
    rng = random.Random(2026)
    contact = await _viewer(db)
    figures: dict[str, Any] = {}
    for size in (SMALL, LARGE):
        await _content(db, size, rng)
        samples, seen = await _page_times(db_url, contact, rounds)
        total, visible = await _visible(db, contact)
        figures[f"assets_{size}"] = {
            **percentiles(samples),
            "assets": total,
            "visible_to_contact": visible,
            "page": seen,
        }
        print(f"{total} assets ({visible} visible): p50 {figures[f'assets_{size}']['p50_ms']} ms")
    figures["ratio_p50"] = round(
        figures[f"assets_{LARGE}"]["p50_ms"] / figures[f"assets_{SMALL}"]["p50_ms"], 2
    )
    figures["target_ratio"] = 1.5
    return figures


async def _reset_content(db: Database) -> None:
    async with db.write() as session:
        await session.execute(delete(Asset))


async def main_async(kind: str, fresh: bool, rounds: int, enrol_rounds: int) -> None:
    async with bench_database(kind, "enablement", fresh) as (db, needs_data):
        await _prepare(db, needs_data)
        async with db.read() as session:
            assert await session.scalar(select(Segment.id).where(Segment.key == "bench-enrol"))
        figures = {"auto_enrol": await bench_auto_enrol(db, enrol_rounds)}
        await _reset_content(db)
        url = db.engine.url.render_as_string(hide_password=False)
        figures["assets_page"] = await bench_assets(db, url, rounds)
        parameters = {
            "partners": dataset.PARTNERS,
            "contacts": dataset.CONTACTS,
            "courses": COURSES,
            "folders": 100 + 300 + 600,
            "assets": [SMALL, LARGE],
            "page_rounds": rounds,
            "enrol_rounds": enrol_rounds,
        }
        print(record("enablement", kind, figures, parameters))


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.enablement", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached dataset")
    parser.add_argument("--rounds", type=int, default=200, help="requests per asset page figure")
    parser.add_argument("--enrol-rounds", type=int, default=3)
    args = parser.parse_args()
    run(main_async(args.database, args.fresh, args.rounds, args.enrol_rounds))


if __name__ == "__main__":
    main()
