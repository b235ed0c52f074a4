"""A burst of sign-ins at the production password cost, and what it does to ordinary reads.

    python -m bench.signins --database sqlite|postgresql [--rounds 2] [--rate 20]

`partnerscope serve` runs with the settings it ships with (argon2id time cost 3, 64 MiB,
hashing on one fewer thread than the CPUs, in-process sign-in throttling) on a freshly
seeded demo database to which 80 active contacts were added, their password hashed once
with the production parameters. A contact's ordinary portal request runs at a steady rate
the whole time; 80 `login` requests for those 80 accounts are sent at once, `--rounds`
times. Reported with 1 and with 2 workers (`--workers 2`): the reads' p50/p99/max during
each burst next to without it, the sign-ins' own latencies, and every error (any non-200
answer or GraphQL error). Target: the reads' p99 under 0.5 s during the burst.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from typing import Any

from sqlalchemy import select

from bench.live import (
    CONTACT,
    LOGIN,
    ORDINARY,
    Running,
    Server,
    SteadyLoad,
    brief,
    client,
    conditions,
    demo_database,
    post,
    sign_in,
)
from bench.support import percentiles, record, run
from domain.contacts import create_contact
from domain.db import open_database
from domain.identity import passwords
from domain.models import Partner
from domain.principal import ContactRole, ContactStatus
from server.settings import Settings

ACCOUNTS = 80
PASSWORD = "burst-password-2026"
TARGET_P99_MS = 500


def production_cost() -> dict[str, int]:
    """The password cost the server ships with (its settings' defaults)."""
    fields = Settings.model_fields
    return {
        "time_cost": fields["password_time_cost"].default,
        "memory_cost_kib": fields["password_memory_kib"].default,
    }


def account(i: int) -> str:
    return f"burst-{i:02d}@signins.example.com"


async def add_accounts(database_url: str) -> None:
    """ACCOUNTS active contacts spread over the demo partners, one production-cost hash."""
    passwords.configure(**production_cost())
    hashed = passwords.hash_password(PASSWORD)
    db = open_database(database_url)
    try:
        async with db.write() as session:
            partner_ids = list(await session.scalars(select(Partner.id).order_by(Partner.id)))
            for i in range(ACCOUNTS):
                await create_contact(
                    session,
                    partner_ids[i % len(partner_ids)],
                    account(i),
                    f"Burst Contact {i}",
                    ContactRole.SALES_REP,
                    status=ContactStatus.ACTIVE,
                    password_hash=hashed,
                )
    finally:
        await db.dispose()


async def burst(url: str) -> list[Any]:
    """ACCOUNTS sign-ins sent at once, each on its own connection."""
    async with client(url, connections=ACCOUNTS) as http:
        return list(
            await asyncio.gather(
                *(
                    post(http, LOGIN, {"email": account(i), "password": PASSWORD})
                    for i in range(ACCOUNTS)
                )
            )
        )


def _signed_in(answer: Any) -> bool:
    login = (answer.body.get("data") or {}).get("login") or {}
    return answer.status == 200 and bool(login.get("token")) and not answer.codes


async def measure(server: Server, rounds: int, rate: float, alone_s: float) -> dict[str, Any]:
    async with client(server.url) as http:
        token = await sign_in(http, *CONTACT)
    windows: dict[str, tuple[float, float]] = {}
    logins: list[Any] = []
    async with Running(SteadyLoad(server.url, token, rate)) as load:
        await asyncio.sleep(2)  # warm up
        start = time.perf_counter()
        await asyncio.sleep(alone_s)
        windows["reads_alone"] = (start, time.perf_counter())
        for r in range(rounds):
            start = time.perf_counter()
            logins += await burst(server.url)
            windows[f"reads_during_burst_{r + 1}"] = (start, time.perf_counter())
            await asyncio.sleep(3)
        start = time.perf_counter()
        await asyncio.sleep(alone_s)
        windows["reads_alone_again"] = (start, time.perf_counter())
    figures: dict[str, Any] = {name: load.window(*span) for name, span in windows.items()}
    bursts = [span for name, span in windows.items() if "burst" in name]
    during = [s for s in load.samples if any(a <= s.sent < b for a, b in bursts)]
    figures["reads_during_bursts"] = percentiles([s.ms for s in during])
    figures["reads_during_bursts"]["failures"] = sum(not s.ok for s in during)
    figures["burst_seconds"] = [round(b - a, 2) for a, b in bursts]
    figures["logins"] = percentiles([a.ms for a in logins])
    figures["logins"]["outcomes"] = dict(Counter(a.outcome for a in logins))
    figures["logins"]["failed"] = sum(not _signed_in(a) for a in logins)
    figures["reads_p99_target_met"] = figures["reads_during_bursts"]["p99_ms"] < TARGET_P99_MS
    return figures


def _print(workers: int, figures: dict[str, Any]) -> None:
    logins = figures["logins"]
    print(f"{workers} worker(s):")
    print(f"  reads alone:          {brief(figures['reads_alone'])}")
    print(f"  reads during bursts:  {brief(figures['reads_during_bursts'])}")
    print(f"  reads alone again:    {brief(figures['reads_alone_again'])}")
    print(
        f"  logins: {logins['samples']} in bursts of {figures['burst_seconds']} s, "
        f"p50 {logins['p50_ms']:.0f} ms, p99 {logins['p99_ms']:.0f} ms, "
        f"max {logins['max_ms']:.0f} ms, {logins['outcomes']}"
    )


async def bench(kind: str, rounds: int, rate: float, alone_s: float) -> dict[str, Any]:
    before = conditions()
    url = await demo_database(kind, "signins")
    await add_accounts(url)
    figures: dict[str, Any] = {}
    for workers in (1, 2):
        async with Server(url, workers, log_name=f"signins-{kind}-{workers}-server") as server:
            figures[f"workers_{workers}"] = await measure(server, rounds, rate, alone_s)
        _print(workers, figures[f"workers_{workers}"])
    figures["target_reads_p99_ms"] = TARGET_P99_MS
    record(
        "sign-in-burst",
        kind,
        figures,
        {
            "server": "partnerscope serve, shipped settings",
            "password_cost": {**production_cost(), "algorithm": "argon2id", "parallelism": 1},
            "accounts": ACCOUNTS,
            "rounds": rounds,
            "read": ORDINARY,
            "read_rate_per_s": rate,
            "before": before,
            "after": conditions(),
        },
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.signins", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=2, help="bursts per worker count")
    parser.add_argument("--rate", type=float, default=20, help="reads per second")
    parser.add_argument("--alone", type=float, default=10, help="seconds of reads alone")
    args = parser.parse_args()
    run(bench(args.database, args.rounds, args.rate, args.alone))


if __name__ == "__main__":
    main()
