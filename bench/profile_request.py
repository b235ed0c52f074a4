"""CPU per request of the serving path, in-process, and where it goes.

    python -m bench.profile_request --database sqlite|postgresql [--dataset demo|serving]
                                    [--requests 300] [--workload W2] [--profile]

The real application (`server.app.create_app`, every middleware, the shipped settings
but for the password cost) on `bench.serving`'s dataset (`demo`: the demo programme with
the workloads' additions; `serving`: with 50,000 partners beside it, built once and kept),
called through httpx's ASGI transport: no sockets and no HTTP parsing, so the figure is
the application's own cost per request. `bench.serving`'s workloads, one request after
another; CPU time is the process's (`time.process_time`, which on
PostgreSQL leaves out the database server's). `--profile` prints a pyinstrument profile of
the chosen workload instead of timing all of them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import event

from bench import serving, serving_data
from bench.support import record, run
from domain import direct

LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
PRINCIPALS = {"staff": serving_data.STAFF, "contact": serving_data.CONTACT}
WORKLOADS = {workload.key: workload for workload in serving.WORKLOADS}


async def _token(http: httpx.AsyncClient, who: tuple[str, str]) -> str:
    variables = dict(zip("ep", who, strict=True))
    answer = (await http.post("/graphql", json={"query": LOGIN, "variables": variables})).json()
    return str(answer["data"]["login"]["token"])


def _count_database_work(engine: Any) -> Counter[str]:
    """Pool checkouts, transactions and statements (those run straight on the driver too)."""
    counts: Counter[str] = Counter()
    sync = engine.sync_engine
    event.listen(sync, "checkout", lambda *_: counts.update(["checkouts"]))
    event.listen(sync, "begin", lambda *_: counts.update(["transactions"]))
    event.listen(sync, "before_cursor_execute", lambda *_: counts.update(["statements"]))
    direct.statement_listeners.append(lambda _sql: counts.update(["statements"]))
    return counts


async def main(args: argparse.Namespace) -> None:
    data = await serving_data.prepare(args.database, args.dataset == "demo", False)
    os.environ["PARTNERSCOPE_DATABASE_URL"] = data.url
    os.environ.setdefault("PARTNERSCOPE_SECRET_KEY", "bench-profile-request-signing-key-0123456789")
    os.environ["PARTNERSCOPE_RECOMPUTE_INTERVAL_SECONDS"] = "0"
    from server.app import create_app

    app = create_app()
    async with app.router.lifespan_context(app):
        counts = _count_database_work(app.state.runtime.db.engine)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            tokens = {who: await _token(http, PRINCIPALS[who]) for who in PRINCIPALS}
            chosen = [args.workload] if args.workload else list(WORKLOADS)
            figures: dict[str, Any] = {}
            for name in chosen:
                workload = WORKLOADS[name]
                body = {"query": workload.document, "variables": workload.variables(data)}
                headers = {"authorization": f"Bearer {tokens[workload.principal]}"}

                async def one(
                    body: dict[str, Any] = body, headers: dict[str, str] = headers, name: str = name
                ) -> None:
                    answer = await http.post("/graphql", json=body, headers=headers)
                    payload = answer.json()
                    if answer.status_code != 200 or payload.get("errors"):
                        raise RuntimeError(f"{name}: {answer.status_code} {payload}")

                for _ in range(20):  # warm caches: documents, decisions, statements
                    await one()
                if args.profile:
                    from pyinstrument import Profiler

                    profiler = Profiler(async_mode="enabled")
                    with profiler:
                        for _ in range(args.requests):
                            await one()
                    print(profiler.output_text(unicode=True, color=False, show_all=False))
                    continue
                counts.clear()
                await one()
                per_request = dict(counts)
                cpu, wall = [], []
                for _ in range(args.requests):
                    c0, w0 = time.process_time(), time.perf_counter()
                    await one()
                    cpu.append((time.process_time() - c0) * 1000)
                    wall.append((time.perf_counter() - w0) * 1000)
                figures[name] = {
                    "cpu_ms_median": round(statistics.median(cpu), 3),
                    "wall_ms_median": round(statistics.median(wall), 3),
                    "requests": args.requests,
                    **per_request,
                }
                print(
                    f"{name:6} cpu {figures[name]['cpu_ms_median']:7.2f} ms  wall "
                    f"{figures[name]['wall_ms_median']:7.2f} ms  checkouts "
                    f"{per_request.get('checkouts', 0)}  transactions "
                    f"{per_request.get('transactions', 0)}  statements "
                    f"{per_request.get('statements', 0)}"
                )
    if figures and args.record:
        record(
            "request-cpu-in-process",
            args.database,
            figures,
            {"transport": "httpx.ASGITransport", "dataset": args.dataset, "label": args.record},
        )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--dataset",
        choices=["demo", "serving"],
        default="demo",
        help="bench.serving's datasets: `--quick`'s or the full one (built once, kept)",
    )
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--workload", choices=list(WORKLOADS))
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--record", help="write the figures under this label")
    run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
