"""Denial-of-service attempts against the real server, and what they cost everyone else.

    python -m bench.attacks --database sqlite|postgresql [--seconds 15] [--alone 4] [--rate 20]

`partnerscope serve` runs (one worker, shipped settings) on a freshly seeded demo database.
One attacker sends each attack back to back on one connection (a closed loop: as fast as
the server answers), first with nothing else running (how long the server takes to
answer it, and its CPU time per request), then while a contact's ordinary portal request
runs at a steady rate (whose p50/p99 is summarised alone, during each attack, and alone
again at the end):

  control      the ordinary request itself, back to back (what any flood costs), and
               `{ __typename }` without a token (a request that never reads the database)
  (a) depth    a depth-bypass attempt: an alias starting with `__`, 13 levels deep
  (b) cost     29 aliases of two nested `contacts(first: 100)`, inside the depth limit
  (c) logins   one request holding 30 aliased `login` guesses
  (d) fields   `{ viewer { id id ... } }` with 4990 `id`s (validation amplification)
  (e) schema   30 aliased deep introspection queries, signed in
  (f) burst    40 concurrent wrong-password logins (distinct unknown addresses), once,
               under load only (a second burst would meet the per-address throttle)

Every attack document is new text (a fresh alias or name per request), so the server's
document cache never helps. Server CPU time is utime + stime from /proc; under load, the
load's own rate (measured alone) is subtracted, an estimate. Target: (a)-(e) refused
(docs/api.md, "Limits") quickly, and the ordinary requests' p99 barely moved.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

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

WRONG_LOGINS = 40


# ---------------------------------------------------------------- the attack documents


def depth_bypass(n: int) -> str:
    level = "partner {{ contacts(first: 100) {{ edges {{ node {{ {} }} }} }} }}"
    return f"{{ __x{n}: viewer {{ {level.format(level.format(level.format('id')))} }} }}"


def cost(n: int) -> str:
    nested = (
        "viewer { partner { contacts(first: 100) { edges { node { partner { "
        "contacts(first: 100) { edges { node { id } } } } } } } } }"
    )
    return "{ " + " ".join(f"c{n}_{i}: {nested}" for i in range(29)) + " }"


def login_guesses(n: int) -> str:
    guesses = " ".join(
        f'g{n}_{i}: login(email: "sales@bluestone-networks.example.com", '
        f'password: "guess-{n}-{i}") {{ token errors {{ code }} }}'
        for i in range(30)
    )
    return f"mutation {{ {guesses} }}"


def many_fields(n: int) -> str:
    return f"{{ v{n}: viewer {{ {' '.join(['id'] * 4990)} }} }}"


def introspection(n: int) -> str:
    deep = "name ofType { name ofType { name ofType { name ofType { name } } } }"
    one = f"__schema {{ types {{ name fields {{ name type {{ {deep} }} }} }} }}"
    return "{ " + " ".join(f"s{n}_{i}: {one}" for i in range(30)) + " }"


def ordinary(n: int) -> str:
    return ORDINARY


def typename(n: int) -> str:
    return f"{{ t{n}: __typename }}"


ATTACKS: dict[str, tuple[Callable[[int], str], bool, str]] = {
    # name: (document for the n-th request, sent with the contact's token, what it tries)
    "control_ordinary_back_to_back": (ordinary, True, "the ordinary request, back to back"),
    "control_anonymous_typename": (typename, False, "{ __typename }, no token: no database"),
    "a_depth_bypass": (depth_bypass, True, "13 levels under an alias starting with __"),
    "b_cost_29_aliases": (cost, True, "29 x two nested contacts(first: 100)"),
    "c_30_login_guesses": (login_guesses, False, "30 aliased login guesses in one request"),
    "d_4990_fields": (many_fields, True, "viewer { id x 4990 }, a fresh alias each time"),
    "e_30_introspections": (introspection, True, "30 aliased deep __schema, signed in"),
}


# ---------------------------------------------------------------- measuring


async def flood(
    url: str, document: Callable[[int], str], token: str | None, seconds: float
) -> list[Any]:
    """One attacker on one connection, back to back for `seconds`; every answer."""
    answers = []
    counter = itertools.count()
    async with client(url, connections=1) as http:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            answers.append(await post(http, document(next(counter)), token=token))
    return answers


async def wrong_password_burst(url: str) -> list[Any]:
    """WRONG_LOGINS sign-ins at once, each a different (unknown) address, wrong password."""
    async with client(url, connections=WRONG_LOGINS) as http:
        return list(
            await asyncio.gather(
                *(
                    post(
                        http,
                        LOGIN,
                        {"email": f"guess-{i}@attacker.example.com", "password": "wrong-123"},
                    )
                    for i in range(WRONG_LOGINS)
                )
            )
        )


def _answers(answers: list[Any], cpu_s: float) -> dict[str, Any]:
    return {
        "requests": len(answers),
        "answered_in": percentiles([a.ms for a in answers]),
        "server_cpu_ms_per_request": round(cpu_s * 1000 / len(answers), 2),
    }


def _outcome(what: str, answers: list[Any]) -> dict[str, Any]:
    first = answers[0].body.get("errors") or [{}]
    return {
        "what": what,
        "outcomes": dict(Counter(a.outcome for a in answers)),
        "first_message": (first[0].get("message") or "")[:160],
    }


async def refusals_alone(server: Server, token: str, seconds: float) -> dict[str, Any]:
    """Each attack (and control) back to back with nothing else running: how long the
    server takes to answer it, and its CPU time per request."""
    figures = {}
    for name, (document, signed_in, what) in ATTACKS.items():
        cpu = server.cpu_seconds()
        answers = await flood(server.url, document, token if signed_in else None, seconds)
        figures[name] = {
            **_outcome(what, answers),
            "alone": _answers(answers, server.cpu_seconds() - cpu),
        }
    return figures


class Meter:
    """Server CPU time over a window, less what the ordinary load costs (measured alone)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.load_cpu_per_s = 0.0

    def start(self) -> None:
        self.cpu0, self.t0 = self.server.cpu_seconds(), time.perf_counter()

    def stop(self) -> tuple[tuple[float, float], float]:
        """((window start, end), server CPU seconds in it with the load's share removed)."""
        end = time.perf_counter()
        cpu = self.server.cpu_seconds() - self.cpu0
        return (self.t0, end), cpu - self.load_cpu_per_s * (end - self.t0)


async def under_load(
    server: Server, token: str, seconds: float
) -> tuple[dict[str, Any], dict[str, tuple[float, float]]]:
    """(figures, the window of each phase) while the ordinary load runs; the load's own
    figures are read afterwards, once every request sent in a window has been answered."""
    meter = Meter(server)
    figures: dict[str, Any] = {}
    windows: dict[str, tuple[float, float]] = {}
    await asyncio.sleep(2)  # warm up: connections, caches, the query planner
    meter.start()
    await asyncio.sleep(seconds)
    windows["ordinary_alone"], cpu = meter.stop()
    meter.load_cpu_per_s = cpu / seconds
    figures["server_cpu_s_per_s_ordinary_load_alone"] = round(meter.load_cpu_per_s, 3)
    for name, (document, signed_in, _) in ATTACKS.items():
        meter.start()
        answers = await flood(server.url, document, token if signed_in else None, seconds)
        windows[name], cpu = meter.stop()
        figures[name] = {"under_load": _answers(answers, cpu)}
        await asyncio.sleep(1)
    name = "f_40_wrong_password_logins"
    meter.start()
    answers = await wrong_password_burst(server.url)
    windows[name], cpu = meter.stop()
    figures[name] = {
        **_outcome(f"{WRONG_LOGINS} concurrent wrong-password logins", answers),
        "under_load": _answers(answers, cpu),
    }
    await asyncio.sleep(1)
    meter.start()
    await asyncio.sleep(seconds)
    windows["ordinary_alone_again"], _ = meter.stop()
    return figures, windows


def _add_ordinary(
    figures: dict[str, Any], windows: dict[str, tuple[float, float]], load: SteadyLoad
) -> None:
    for name, (start, end) in windows.items():
        summary = load.window(start, end)
        if name.startswith("ordinary"):
            figures[name] = summary
        else:
            figures[name]["under_load"]["seconds"] = round(end - start, 2)
            figures[name]["ordinary_during"] = summary
    alone = figures["ordinary_alone"]
    span = windows["ordinary_alone"][1] - windows["ordinary_alone"][0]
    cpu_per_s = figures["server_cpu_s_per_s_ordinary_load_alone"]
    alone["server_cpu_ms_per_request"] = round(cpu_per_s * 1000 * span / alone["samples"], 2)


def _print(figures: dict[str, Any]) -> None:
    print(f"ordinary requests alone: {brief(figures['ordinary_alone'])}")
    for name, attack in figures.items():
        if not isinstance(attack, dict) or "what" not in attack:
            continue
        print(f"{name}: {attack['outcomes']}")
        for label in ("alone", "under_load"):
            if label in attack:
                figures_ = attack[label]
                latency = figures_["answered_in"]
                print(
                    f"  {label:10}: {figures_['requests']} answered in p50 "
                    f"{latency['p50_ms']:.1f} ms / max {latency['max_ms']:.1f} ms, server CPU "
                    f"{figures_['server_cpu_ms_per_request']:.1f} ms each"
                )
        print(f"  ordinary meanwhile: {brief(attack['ordinary_during'])}")
    print(f"ordinary requests alone again: {brief(figures['ordinary_alone_again'])}")


async def bench(kind: str, seconds: float, alone_s: float, rate: float) -> dict[str, Any]:
    before = conditions()
    url = await demo_database(kind, "attacks")
    async with Server(url, log_name=f"attacks-{kind}-server") as server:
        async with client(server.url) as http:
            token = await sign_in(http, *CONTACT)
        figures = await refusals_alone(server, token, alone_s)
        async with Running(SteadyLoad(server.url, token, rate)) as load:
            loaded, windows = await under_load(server, token, seconds)
    for name, values in loaded.items():
        figures[name] = {**figures[name], **values} if name in figures else values
    _add_ordinary(figures, windows, load)
    _print(figures)
    record(
        "attacks",
        kind,
        figures,
        {
            "server": "partnerscope serve, 1 worker, shipped settings",
            "ordinary_request": ORDINARY,
            "ordinary_rate_per_s": rate,
            "seconds_per_attack_under_load": seconds,
            "seconds_per_attack_alone": alone_s,
            "attacker": "one connection, back to back; (f) one burst of 40 at once",
            "fresh_document_text_per_request": True,
            "server_cpu": "utime + stime from /proc; under load, the load's rate measured "
            "alone is subtracted (an estimate)",
            "before": before,
            "after": conditions(),
        },
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.attacks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=15, help="per attack, under load")
    parser.add_argument("--alone", type=float, default=4, help="per attack, nothing else")
    parser.add_argument("--rate", type=float, default=20, help="ordinary requests per second")
    args = parser.parse_args()
    run(bench(args.database, args.seconds, args.alone, args.rate))


if __name__ == "__main__":
    main()
