"""Segment engine benchmarks.

    python -m bench.segments recompute   --database sqlite|postgresql [--fresh]
    python -m bench.segments incremental --database sqlite|postgresql [--fresh]

recompute: full recompute of 100 mixed segments over 50,000 partners and 250,000
contacts (cold: empty membership; warm: nothing changed). Target < 10 s per database.
incremental: one partner's tier flips through updatePartner's domain path; p50/p99 of
the membership update (all 100 segments read partner.tier). Target p50 < 5 ms.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from sqlalchemy import func, select

from bench import segment_dataset as dataset
from bench.support import bench_database, percentiles, record, run
from domain.catalogue import load_catalogue
from domain.db import Database
from domain.models import Contact, MembershipEvent, Partner, SegmentMember
from domain.partners import update_partner
from domain.segments.index import load_index
from domain.segments.membership import ChangeSet, apply_changes
from domain.segments.moves import Cause
from domain.segments.recompute import recompute_many


async def _prepare(db: Database, needs_data: bool) -> None:
    if needs_data:
        started = time.perf_counter()
        await dataset.load_programme(db)
        await dataset.define_segments(db)
        await db.refresh_statistics(full=True)
        print(f"dataset loaded in {time.perf_counter() - started:.1f} s")


async def _clear_membership(db: Database) -> None:
    async with db.write() as session:
        await session.execute(SegmentMember.__table__.delete())
        await session.execute(MembershipEvent.__table__.delete())


async def _full_recompute(db: Database) -> tuple[float, int, int]:
    started = time.perf_counter()
    async with db.write() as session:
        index = await load_index(session)
        results = await recompute_many(session, index, index.order, Cause.RULE_CHANGE)
    elapsed = time.perf_counter() - started
    return elapsed, sum(j for j, _ in results.values()), sum(v for _, v in results.values())


async def bench_recompute(kind: str, fresh: bool) -> dict[str, Any]:
    async with bench_database(kind, "segments", fresh) as (db, needs_data):
        await _prepare(db, needs_data)
        await _clear_membership(db)
        cold, joined, _ = await _full_recompute(db)
        print(f"cold full recompute: {cold:.2f} s ({joined} memberships)")
        # What autovacuum (PostgreSQL) or the periodic task's PRAGMA optimize (SQLite) does
        # after a bulk change: the warm run is the steady state, with current statistics.
        await db.refresh_statistics(full=True)
        warm, joined_again, left = await _full_recompute(db)
        print(
            f"warm full recompute (no changes): {warm:.2f} s ({joined_again} joined, {left} left)"
        )
        async with db.read() as session:
            members = await session.scalar(select(func.count()).select_from(SegmentMember))
        figures = {
            "cold_recompute_s": round(cold, 2),
            "warm_recompute_s": round(warm, 2),
            "memberships": members,
            "target_s": 10,
        }
        record("segment-recompute", kind, figures, _parameters())
        return figures


def _parameters() -> dict[str, Any]:
    return {
        "partners": dataset.PARTNERS,
        "contacts": dataset.CONTACTS,
        "segments": dataset.SEGMENTS,
        "segment_mix": "50 PARTNER, 50 CONTACT; 1-10 conditions; all read partner.tier",
    }


async def _partner_with_contacts(db: Database, wanted: int) -> int:
    """A partner whose contact count is closest to `wanted`."""
    async with db.read() as session:
        counts = (
            select(Contact.partner_id, func.count().label("n"))
            .group_by(Contact.partner_id)
            .subquery()
        )
        found = await session.scalar(
            select(counts.c.partner_id)
            .order_by(func.abs(counts.c.n - wanted), counts.c.partner_id)
            .limit(1)
        )
        if found is None:
            raise SystemExit("the dataset has no contacts: build it first")
        return int(found)


async def _tier_flips(
    db: Database, partner_id: int, rounds: int
) -> tuple[list[float], list[float]]:
    """(membership update alone, whole update transaction) in milliseconds per flip.

    Every step really changes the tier: round i sets tier i, then tier i+2 (mod 4).
    """
    tiers = ["REGISTERED", "SILVER", "GOLD", "PLATINUM"]
    engine_ms: list[float] = []
    total_ms: list[float] = []
    for i in range(rounds):
        started = time.perf_counter()
        async with db.write() as session:
            partner = await session.get_one(Partner, partner_id)
            catalogue = await load_catalogue(session)
            # the membership step is measured inside update_partner's own call of it
            await update_partner(session, catalogue, partner, {"tier": tiers[i % 4]})
        total_ms.append((time.perf_counter() - started) * 1000)
        async with db.write() as session:
            partner = await session.get_one(Partner, partner_id)
            partner.tier = tiers[(i + 2) % 4]
            await session.flush()
            changes = ChangeSet()
            changes.partner(partner_id, frozenset({"partner.tier"}))
            started = time.perf_counter()
            await apply_changes(session, changes)
            engine_ms.append((time.perf_counter() - started) * 1000)
    return engine_ms, total_ms


async def bench_incremental(kind: str, fresh: bool, rounds: int) -> dict[str, Any]:
    async with bench_database(kind, "segments", fresh) as (db, needs_data):
        await _prepare(db, needs_data)
        async with db.read() as session:
            has_members = await session.scalar(select(func.count()).select_from(SegmentMember))
        if not has_members:
            await _full_recompute(db)
        await db.refresh_statistics(full=True)  # as after any bulk change (see above)
        figures: dict[str, Any] = {}
        for label, contacts in (
            ("typical_partner_4_contacts", 4),
            ("large_partner_200_contacts", 200),
        ):
            partner_id = await _partner_with_contacts(db, contacts)
            await _tier_flips(db, partner_id, 10)  # warm caches (compiled segment index)
            engine, total = await _tier_flips(db, partner_id, rounds)
            figures[label] = {
                "membership_update": percentiles(engine),
                "update_partner_transaction": percentiles(total),
            }
            print(label, figures[label])
        figures["target_p50_ms"] = 5
        record("segment-incremental", kind, figures, {**_parameters(), "rounds": rounds})
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.segments", description=__doc__.splitlines()[0]
    )
    parser.add_argument("benchmark", choices=["recompute", "incremental"])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached SQLite dataset")
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    if args.benchmark == "recompute":
        run(bench_recompute(args.database, args.fresh))
    else:
        run(bench_incremental(args.database, args.fresh, args.rounds))


if __name__ == "__main__":
    main()
