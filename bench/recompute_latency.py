"""API write latency while a cold full recompute runs.

    python -m bench.recompute_latency --database sqlite|postgresql [--pause 0.05]

On a copy of the segment benchmark dataset (bench/segment_dataset.py: 50,000 partners,
250,000 contacts, 100 segments; built on first use and kept) the membership tables are
emptied, then `schedule.recompute` runs in a process of its own as `partnerscope
recompute` runs it (bench.timed_recompute, which also times its transactions): the
chunked full recompute (metrics for every partner in chunks of 2,000, then every segment
in chunks of 50,000 subject ids, each chunk its own short transaction). Meanwhile
`partnerscope serve` (1 worker, shipped settings) answers small API writes sent one after
another by a staff member: `updatePartner` changing the tier of a random partner with at
most 10 contacts (which moves its memberships in all 100 segments). Reported: the
recompute's duration, each write's latency (p50/p99/max) and failures during it, next to
the same writes with nothing else running, before (membership empty) and after (complete);
how long the recompute's transactions held the write lock; and each write over the target
with the recompute transactions it waited behind.
Target: no write waits more than about a second, and none fails.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import statistics
import sys
import time
from collections import Counter
from typing import Any

from sqlalchemy import func, select, text

from bench import segment_dataset as dataset
from bench.live import (
    ROOT,
    STAFF,
    Server,
    brief,
    client,
    conditions,
    copy_database,
    partnerscope,
    post,
    server_environment,
    sign_in,
)
from bench.support import bench_database, percentiles, record, run
from domain import ids
from domain.db import open_database
from domain.models import Contact, MembershipEvent, Partner, SegmentMember

TIERS = ["REGISTERED", "SILVER", "GOLD", "PLATINUM"]
SMALL = 10  # contacts at most, for the partners the writes change
TARGET_MAX_MS = 1000
UPDATE = """
mutation($id: ID!, $input: PartnerInput!) {
  updatePartner(id: $id, input: $input) { partner { id tier } errors { code message } }
}"""


# ---------------------------------------------------------------- the dataset copy


async def ensure_dataset(kind: str) -> None:
    """Build the kept segment dataset if it is not there yet (as bench.segments does)."""
    async with bench_database(kind, "segments", fresh=False) as (db, needs_data):
        if needs_data:
            started = time.perf_counter()
            await dataset.load_programme(db)
            await dataset.define_segments(db)
            await db.refresh_statistics(full=True)
            print(f"dataset loaded in {time.perf_counter() - started:.1f} s")
        if db.dialect == "sqlite":
            async with db.engine.connect() as connection:  # the copy is of one file
                await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


async def prepare_copy(kind: str) -> tuple[str, dict[int, str]]:
    """(URL of an emptied-membership copy with a staff admin, {small partner id: tier})."""
    await ensure_dataset(kind)
    url = await copy_database(kind, "segments", "recompute_latency")
    db = open_database(url)
    try:
        async with db.write() as session:
            if kind == "postgresql":
                tables = f"{SegmentMember.__tablename__}, {MembershipEvent.__tablename__}"
                await session.execute(text(f"TRUNCATE {tables}"))
            else:
                await session.execute(SegmentMember.__table__.delete())
                await session.execute(MembershipEvent.__table__.delete())
        partners = await small_partners(db)
    finally:
        await db.dispose()
    email, password = STAFF
    role = "VENDOR_ADMIN"
    partnerscope(url, "create-staff", "--email", email, "--password", password, "--role", role)
    return url, partners


async def small_partners(db: Any) -> dict[int, str]:
    contacts = (
        select(Contact.partner_id, func.count().label("n")).group_by(Contact.partner_id).subquery()
    )
    query = (
        select(Partner.id, Partner.tier)
        .outerjoin(contacts, contacts.c.partner_id == Partner.id)
        .where(func.coalesce(contacts.c.n, 0) <= SMALL)
    )
    async with db.read() as session:
        return {pk: tier for pk, tier in (await session.execute(query)).all()}


# ---------------------------------------------------------------- writes


class Writer:
    """updatePartner calls one after another, each to a different tier than the last."""

    def __init__(self, url: str, token: str, partners: dict[int, str], pause: float) -> None:
        self.url, self.token, self.tiers, self.pause = url, token, dict(partners), pause
        self.rng = random.Random(7)
        self.ids = sorted(partners)

    async def until(self, done: asyncio.Event | float) -> list[Any]:
        """Every write's answer until `done` is set (or for `done` seconds)."""
        event = done if isinstance(done, asyncio.Event) else None
        deadline = time.perf_counter() + (0.0 if isinstance(done, asyncio.Event) else done)
        answers = []
        async with client(self.url, connections=1) as http:
            while not (event.is_set() if event is not None else time.perf_counter() >= deadline):
                answers.append(await self._one(http))
                await asyncio.sleep(self.pause)
        return answers

    async def _one(self, http: Any) -> Any:
        pk = self.rng.choice(self.ids)
        tier = self.rng.choice([t for t in TIERS if t != self.tiers[pk]])
        answer = await post(
            http,
            UPDATE,
            {"id": ids.encode("Partner", pk), "input": {"tier": tier}},
            token=self.token,
        )
        if answer.status == 200 and not answer.codes:
            self.tiers[pk] = tier
        return answer


def summary(answers: list[Any]) -> dict[str, Any]:
    figures: dict[str, Any] = percentiles([a.ms for a in answers])
    failed = Counter(a.outcome for a in answers if a.status != 200 or a.codes)
    figures["failures"] = sum(failed.values())
    if failed:
        figures["failure_outcomes"] = dict(failed)
    figures["over_1s"] = sum(a.ms > TARGET_MAX_MS for a in answers)
    return figures


# ---------------------------------------------------------------- the run


async def recompute_while_writing(url: str, writer: Writer) -> tuple[float, str, list, list]:
    """(recompute seconds, its report, its write transactions, the writes' answers)."""
    done = asyncio.Event()
    writes = asyncio.create_task(writer.until(done))
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.timed_recompute",
        url,
        cwd=ROOT,
        env=server_environment(url, "bench-cli"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    output, errors = await process.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    answers = await writes
    if process.returncode != 0:
        raise RuntimeError(f"the recompute failed: {errors.decode().strip()[-500:]}")
    report, spans = output.decode().strip().splitlines()[-2:]
    return elapsed, report, json.loads(spans), answers


def transactions(spans: list[list[float]]) -> dict[str, Any]:
    """How long the recompute's write transactions held the lock, and the gaps between."""
    gaps = [b[0] - (a[0] + a[1]) for a, b in itertools.pairwise(spans)]
    figures: dict[str, Any] = percentiles([d * 1000 for _, d in spans])
    figures["gap_between_p50_ms"] = round(statistics.median(gaps) * 1000, 2) if gaps else None
    figures["held_s"] = round(sum(d for _, d in spans), 1)
    return figures


def slow_writes(answers: list[Any], spans: list[list[float]], start: float) -> list[dict]:
    """The writes over the target, each with the recompute transactions it waited behind."""
    slow = []
    for a in answers:
        if a.ms <= TARGET_MAX_MS and a.status == 200 and not a.codes:
            continue
        end = a.sent + a.ms / 1000
        overlapping = [d for t, d in spans if t < end and t + d > a.sent]
        slow.append(
            {
                "sent_s_into_recompute": round(a.sent - start, 1),
                "ms": round(a.ms),
                "outcome": a.outcome,
                "recompute_transactions_meanwhile": len(overlapping),
                "longest_of_them_s": round(max(overlapping, default=0), 2),
            }
        )
    return slow


async def bench(kind: str, pause: float, alone_s: float) -> dict[str, Any]:
    before = conditions()
    url, partners = await prepare_copy(kind)
    async with Server(url, log_name=f"recompute-latency-{kind}-server") as server:
        async with client(server.url) as http:
            token = await sign_in(http, *STAFF)
        writer = Writer(server.url, token, partners, pause)
        await writer.until(2.0)  # warm up
        alone_before = await writer.until(alone_s)
        start = time.time()
        seconds, report, spans, during = await recompute_while_writing(url, writer)
        alone_after = await writer.until(alone_s)
    figures: dict[str, Any] = {
        "recompute_s": round(seconds, 1),
        "recompute_report": report,
        "writes_during_recompute": summary(during),
        "recompute_write_transactions": transactions(spans),
        "slow_or_failed_writes": slow_writes(during, spans, start),
        "writes_alone_before_membership_empty": summary(alone_before),
        "writes_alone_after_membership_complete": summary(alone_after),
        "target_max_ms": TARGET_MAX_MS,
    }
    worst = figures["writes_during_recompute"]
    figures["target_met"] = worst["max_ms"] <= TARGET_MAX_MS and worst["failures"] == 0
    print(f"recompute: {seconds:.1f} s ({report})")
    print(f"writes alone, membership empty:    {brief(summary(alone_before))}")
    print(f"writes during the recompute:       {brief(worst)}, {worst['over_1s']} over 1 s")
    print(f"writes alone, membership complete: {brief(summary(alone_after))}")
    held = figures["recompute_write_transactions"]
    print(
        f"recompute write transactions: {held['samples']}, p50 {held['p50_ms']:.0f} ms, "
        f"max {held['max_ms']:.0f} ms, gaps between them p50 {held['gap_between_p50_ms']} ms"
    )
    for write in figures["slow_or_failed_writes"]:
        print(f"  slow or failed write: {write}")
    record(
        "recompute-write-latency",
        kind,
        figures,
        {
            "partners": dataset.PARTNERS,
            "contacts": dataset.CONTACTS,
            "segments": dataset.SEGMENTS,
            "recompute": "schedule.recompute as `partnerscope recompute` runs it, in its own "
            "process (bench.timed_recompute), membership emptied first",
            "write": f"updatePartner tier change, random partner with <= {SMALL} contacts",
            "writer": f"one connection, {pause} s between writes",
            "server": "partnerscope serve, 1 worker, shipped settings",
            "before": before,
            "after": conditions(),
        },
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.recompute_latency", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between writes")
    parser.add_argument("--alone", type=float, default=10.0, help="seconds of writes alone")
    args = parser.parse_args()
    run(bench(args.database, args.pause, args.alone))


if __name__ == "__main__":
    main()
