"""The segment benchmark's data: a generated programme and 100 mixed segments.

Every rule reads partner.tier (the field programmes segment on most), so a tier change
is the worst case for incremental updates: all 100 segments must be re-evaluated.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from domain.db import Database
from domain.models import Segment, SegmentDependency
from domain.segments import rules
from domain.segments.index import bump_version, load_index
from domain.segments.readable import Subject
from seeds import generator

PARTNERS = 50_000
CONTACTS = 250_000
SEGMENTS = 100


def _partner_condition(rng: random.Random) -> dict[str, Any]:
    options: list[Callable[[], dict[str, Any]]] = [
        lambda: {
            "field": "partner.type",
            "op": "in",
            "value": rng.sample(generator.TYPES, rng.randint(1, 3)),
        },
        lambda: {
            "field": "partner.region",
            "op": "eq",
            "value": rng.choice(list(generator.REGIONS)),
        },
        lambda: {"field": "partner.phase", "op": "in", "value": rng.sample(generator.PHASES, 2)},
        lambda: {
            "field": "partner.country",
            "op": "in",
            "value": rng.sample([c for cs in generator.REGIONS.values() for c in cs], 4),
        },
        lambda: {
            "field": "partner.verticals",
            "op": "contains",
            "value": rng.choice(generator.VERTICALS),
        },
        lambda: {
            "field": "partner.verticals",
            "op": "containsAny",
            "value": rng.sample(generator.VERTICALS, 3),
        },
        lambda: {
            "field": "partner.joinedAt",
            "op": "olderThanDays",
            "value": rng.choice([90, 365, 730]),
        },
        lambda: {
            "field": "partner.joinedAt",
            "op": "gte",
            "value": f"20{rng.randint(18, 25)}-01-01",
        },
        lambda: {
            "field": "partner.metrics.wonRevenue12m",
            "op": "gt",
            "value": rng.choice([0, 50000, 250000]),
        },
        lambda: {
            "field": "partner.metrics.dealsRegistered90d",
            "op": "between",
            "value": [1, rng.randint(5, 60)],
        },
        lambda: {
            "field": "partner.metrics.engagementScore",
            "op": "gte",
            "value": rng.randint(10, 80),
        },
        lambda: {
            "field": "partner.attributes.employeeCount",
            "op": "gt",
            "value": rng.choice([10, 50, 200]),
        },
        lambda: {"field": "partner.attributes.mdfEligible", "op": "eq", "value": True},
        lambda: {
            "field": "partner.attributes.renewalDate",
            "op": "between",
            "value": ["2026-01-01", "2027-06-30"],
        },
        lambda: {
            "field": "partner.attributes.specialisations",
            "op": "contains",
            "value": rng.choice(generator.SPECIALISATIONS),
        },
        lambda: {"field": "partner.attributes.crmOwner", "op": "exists", "value": True},
        lambda: {
            "field": "partner.name",
            "op": "contains",
            "value": rng.choice(["cloud", "net", "point", "data"]),
        },
    ]
    return rng.choice(options)()


def _contact_condition(rng: random.Random) -> dict[str, Any]:
    options: list[Callable[[], dict[str, Any]]] = [
        lambda: {
            "field": "contact.role",
            "op": "in",
            "value": rng.sample(["ADMIN", *generator.ROLES], 2),
        },
        lambda: {"field": "contact.status", "op": "eq", "value": "ACTIVE"},
        lambda: {
            "field": "contact.lastLoginAt",
            "op": "withinLastDays",
            "value": rng.choice([30, 90, 180]),
        },
        lambda: {
            "field": "contact.title",
            "op": "startsWith",
            "value": rng.choice(["account", "solutions", "marketing"]),
        },
        lambda: {"field": "contact.createdAt", "op": "olderThanDays", "value": 365},
        lambda: {
            "field": "contact.attributes.preferredLanguage",
            "op": "in",
            "value": ["de", "fr"],
        },
        lambda: {
            "field": "contact.email",
            "op": "contains",
            "value": rng.choice(["alex", "kim", "lena"]),
        },
    ]
    return rng.choice(options)()


def rule(
    rng: random.Random, subject: Subject, earlier: list[tuple[str, Subject]]
) -> dict[str, Any]:
    count = rng.randint(1, 10)
    tier = {
        "field": "partner.tier",
        "op": rng.choice(["gte", "eq", "lte"]),
        "value": rng.choice(generator.TIERS),
    }
    conditions = [tier]
    for _ in range(count - 1):
        use_contact = subject is Subject.CONTACT and rng.random() < 0.5
        conditions.append(_contact_condition(rng) if use_contact else _partner_condition(rng))
    references = [k for k, s in earlier if subject is Subject.CONTACT or s is Subject.PARTNER]
    if references and rng.random() < 0.15:
        conditions[-1] = {"segment": rng.choice(references)}
    if len(conditions) > 3 and rng.random() < 0.5:
        half = len(conditions) // 2
        first = conditions[:half]
        return {"all": [{"any": first}, *conditions[half:-1], {"not": conditions[-1]}]}
    return {"all": conditions} if rng.random() < 0.7 else {"any": conditions}


def segment_specs(seed: int = 42) -> list[tuple[str, Subject, dict[str, Any]]]:
    rng = random.Random(seed)
    specs: list[tuple[str, Subject, dict[str, Any]]] = []
    for i in range(SEGMENTS):
        subject = Subject.PARTNER if i % 2 == 0 else Subject.CONTACT
        specs.append((f"bench-{i:03d}", subject, rule(rng, subject, [(k, s) for k, s, _ in specs])))
    return specs


async def load_programme(db: Database, partners: int = PARTNERS, contacts: int = CONTACTS) -> None:
    await generator.declare_attributes(db)
    await generator.insert_programme(db, generator.generate(partners, contacts))


async def define_segments(db: Database) -> list[int]:
    """Store the 100 segment definitions (validated), without computing membership."""
    async with db.write() as session:
        for key, subject, raw in segment_specs():
            index = await load_index(session)
            node = rules.parse(raw, subject, index.catalogue, index.known())
            segment = Segment(
                key=key,
                name=key,
                subject=subject.value,
                rule=raw,
                reads=sorted(rules.reads(node)),
                time_dependent=rules.is_time_dependent(node),
            )
            session.add(segment)
            await session.flush()
            session.add_all(
                SegmentDependency(segment_id=segment.id, depends_on_id=ref)
                for ref in rules.references(node)
            )
            await session.flush()
            await bump_version(session)
        index = await load_index(session)
        return list(index.order)
