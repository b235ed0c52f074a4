"""Field-policy guard cost on the served schema's real Deal type: 500 deals, 6 fields.

    python -m bench.guards [--rounds 40]

Builds the real schema twice from the same types: as served (`schema.build.build_schema`,
every hideable field of a governed type guarded by `permissions.field_policies.govern`)
and an unguarded twin (the same roots, extensions and scalars, without `govern`). A
throwaway SQLite database holds one partner with 500 deals; two field policies govern
`Deal.amount` (ADMIN and FINANCE contacts) and `Deal.exclusivityUntil` (FINANCE only);
`Deal.closeDate` is guarded without a policy. A contact reads all 500 deals as five
requests of one page of 100 each (`deals(first: 100, after: ...)` selecting id,
customerName, amount, closeDate, stage, exclusivityUntil), one after the other, through the
real resolvers, context, loaders and database; a sample is the time of all five.

Two viewers: the company's FINANCE contact, from whom the policies hide nothing (the pure
guard overhead), and its ADMIN, from whom `exclusivityUntil` is hidden. Each is timed on
both schemas, interleaved (A, B, A, B, ...) so both see the same machine noise. The figure
is the median of the rounds' paired ratios (guarded / unguarded, same viewer, same round),
which a load that drifts during the run cannot skew; the ratio of medians is recorded too.
Target: guarded / unguarded <= 1.05.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import strawberry
from sqlalchemy import insert, select

from bench.support import record
from domain import migrate
from domain.audiences import AudienceSpec
from domain.catalogue import load_catalogue
from domain.contacts import create_contact
from domain.db import Database, open_database
from domain.identity.tokens import TokenIssuer
from domain.models import Contact, Deal
from domain.pagination import encode_cursor
from domain.partners import create_partner
from domain.policies import set_field_policy
from domain.principal import ContactRole, ContactStatus, Principal, PrincipalKind
from permissions.authenticate import Authentication
from permissions.viewer import ViewerAccess, load_viewer
from resolvers.context import Context, Runtime
from schema.build import build_schema

DEALS = 500
PAGE = 100
FIELDS = "id customerName amount closeDate stage exclusivityUntil"
TARGET = 1.05


def unguarded_schema() -> strawberry.Schema:
    """The served schema without field guards (what `build_schema` builds, minus `govern`)."""
    return build_schema(guarded=False)


async def _programme(db: Database) -> tuple[dict[str, Principal], list[int]]:
    """One partner, its ADMIN and FINANCE contacts, 500 deals owned by FINANCE, two policies.

    Returns the viewers and the deal ids, newest first (the list's order)."""
    async with db.write() as session:
        catalogue = await load_catalogue(session)
        partner = (
            await create_partner(
                session,
                catalogue,
                {
                    "name": "Bench Reseller",
                    "type": "RESELLER",
                    "tier": "GOLD",
                    "region": "EMEA",
                    "phase": "ACTIVE",
                },
            )
        ).partner
        viewers: dict[str, Principal] = {}
        contacts: dict[str, Contact] = {}
        for role in (ContactRole.ADMIN, ContactRole.FINANCE):
            contact = await create_contact(
                session,
                partner.id,
                f"{role.value.lower()}@bench.example.com",
                role.value.title(),
                role,
                status=ContactStatus.ACTIVE,
            )
            contacts[role.value] = contact
            viewers[role.value] = Principal(
                PrincipalKind.CONTACT,
                contact.id,
                email=contact.email,
                contact_role=role,
                partner_id=partner.id,
            )
        start = date(2026, 1, 1)
        await session.execute(
            insert(Deal),
            [
                {
                    "partner_id": partner.id,
                    "owner_id": contacts["FINANCE"].id,
                    "record_type": "resale",
                    "customer_name": f"Customer {i}",
                    "amount": Decimal(i * 100) + Decimal("0.50"),
                    "close_date": start + timedelta(days=i % 365),
                    "stage": "REGISTERED",
                    "exclusivity_until": start + timedelta(days=180 + i % 90),
                    "values": {},
                    "version": 1,
                }
                for i in range(DEALS)
            ],
        )
        everyone = frozenset({ContactRole.ADMIN.value, ContactRole.FINANCE.value})
        await set_field_policy(session, "Deal", "amount", AudienceSpec(roles=everyone))
        finance = frozenset({ContactRole.FINANCE.value})
        await set_field_policy(session, "Deal", "exclusivityUntil", AudienceSpec(roles=finance))
        ids = list(await session.scalars(select(Deal.id).order_by(Deal.id.desc())))
    return viewers, ids


def documents(ids: list[int]) -> list[str]:
    """All deals as five pages of 100, each after the previous page's last deal."""
    pages = []
    for n in range(len(ids) // PAGE):
        after = f', after: "{encode_cursor([ids[n * PAGE - 1]])}"' if n else ""
        pages.append(f"{{ deals(first: {PAGE}{after}) {{ edges {{ node {{ {FIELDS} }} }} }} }}")
    return pages


async def _time(
    schema: strawberry.Schema, runtime: Runtime, viewer: ViewerAccess, pages: list[str]
) -> float:
    """Milliseconds for the five page requests, one after the other (each its own context)."""
    started = time.perf_counter()
    rows = 0
    for query in pages:
        context = Context(runtime=runtime, auth=Authentication(viewer.principal), viewer=viewer)
        result = await schema.execute(query, context_value=context)
        if result.errors or result.data is None:
            raise RuntimeError(f"benchmark query failed: {result.errors}")
        rows += len(result.data["deals"]["edges"])
    elapsed = time.perf_counter() - started
    if rows != DEALS:
        raise RuntimeError(f"expected {DEALS} deals, read {rows}")
    return elapsed * 1000


async def run(rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="partnerscope-guards-") as root:
        db = open_database(f"sqlite+aiosqlite:///{Path(root) / 'guards.db'}")
        try:
            await migrate.upgrade(db.engine)
            principals, ids = await _programme(db)
            viewers = {role: await load_viewer(db, p) for role, p in principals.items()}
            runtime = Runtime(db=db, tokens=TokenIssuer("bench-only-secret", timedelta(hours=1)))
            figures = await _measure(rounds, runtime, viewers, documents(ids))
        finally:
            await db.dispose()
    record(
        "field-guards",
        "sqlite",
        figures,
        {
            "deals": DEALS,
            "selected_fields": 6,
            "rounds": rounds,
            "schema": "the served schema (schema.build.build_schema) and its unguarded twin",
            "guarded_fields_selected": "amount (policy), closeDate (no policy), "
            "exclusivityUntil (policy)",
            "requests": f"{DEALS // PAGE} sequential pages of deals(first: {PAGE}): {FIELDS}",
        },
    )
    return figures


async def _measure(
    rounds: int, runtime: Runtime, viewers: dict[str, ViewerAccess], pages: list[str]
) -> dict[str, Any]:
    guarded, plain = build_schema(), unguarded_schema()
    hidden = {role: sorted(v.access.hidden_fields) for role, v in viewers.items()}
    if hidden != {"ADMIN": ["Deal.exclusivityUntil"], "FINANCE": []}:
        raise RuntimeError(f"unexpected field decisions: {hidden}")
    variants = {
        "unguarded_hiding_nothing": (plain, viewers["FINANCE"]),
        "guarded_hiding_nothing": (guarded, viewers["FINANCE"]),
        "unguarded_hiding_exclusivityUntil": (plain, viewers["ADMIN"]),
        "guarded_hiding_exclusivityUntil": (guarded, viewers["ADMIN"]),
    }
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(5):  # warm up: document cache, decisions, connections
        for schema, viewer in variants.values():
            await _time(schema, runtime, viewer, pages)
    for _ in range(rounds):
        for name, (schema, viewer) in variants.items():
            samples[name].append(await _time(schema, runtime, viewer, pages))
    medians = {name: round(statistics.median(v), 3) for name, v in samples.items()}

    def paired(case: str) -> float:
        ratios = [
            g / u
            for g, u in zip(samples[f"guarded_{case}"], samples[f"unguarded_{case}"], strict=True)
        ]
        return round(statistics.median(ratios), 3)

    def of_medians(case: str) -> float:
        return round(medians[f"guarded_{case}"] / medians[f"unguarded_{case}"], 3)

    return {
        "median_ms": medians,
        "ratio_guarded_hiding_nothing": paired("hiding_nothing"),
        "ratio_guarded_hiding_one_field": paired("hiding_exclusivityUntil"),
        "ratio_of_medians_hiding_nothing": of_medians("hiding_nothing"),
        "ratio_of_medians_hiding_one_field": of_medians("hiding_exclusivityUntil"),
        "target_ratio": TARGET,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.guards", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--rounds", type=int, default=40)
    print(asyncio.run(run(parser.parse_args().rounds)))


if __name__ == "__main__":
    main()
