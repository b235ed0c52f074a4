"""Deterministic programme generator: N partners and M contacts from a seed.

Shapes follow real channel programmes: tiers about 70/20/8/2 from lowest to highest,
contacts per partner long-tailed (median 3-5, a few with hundreds). Used by tests and
benchmarks; rows go in with bulk inserts, so 50,000 partners take seconds, not minutes.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, text

from domain.catalogue import AttributeSubject, AttributeType, define_attribute
from domain.db import Database
from domain.models import Contact, Partner, PartnerMetrics

TYPES = ["RESELLER", "MSP", "SYSTEM_INTEGRATOR", "ISV", "REFERRAL", "DISTRIBUTOR"]
TYPE_WEIGHTS = [35, 20, 15, 12, 13, 5]
TIERS = ["REGISTERED", "SILVER", "GOLD", "PLATINUM"]
TIER_WEIGHTS = [70, 20, 8, 2]
REGIONS = {
    "NORTH_AMERICA": ["US", "CA", "MX"],
    "LATIN_AMERICA": ["BR", "AR", "CL", "CO"],
    "EMEA": ["DE", "GB", "FR", "NL", "SE", "ES", "IT", "ZA", "AE"],
    "APAC": ["AU", "JP", "SG", "IN", "NZ", "KR"],
}
REGION_WEIGHTS = [35, 10, 35, 20]
PHASES = ["PROSPECTING", "SIGNED_AGREEMENT", "ONBOARDING", "ACTIVE", "DORMANT"]
PHASE_WEIGHTS = [10, 8, 12, 60, 10]
VERTICALS = [
    "healthcare",
    "finance",
    "retail",
    "manufacturing",
    "public-sector",
    "education",
    "energy",
    "telecom",
    "logistics",
    "media",
]
ROLES = ["SALES_REP", "MARKETING", "TECHNICAL", "FINANCE"]
ROLE_WEIGHTS = [45, 20, 25, 10]
SPECIALISATIONS = ["security", "cloud", "networking", "data", "ai", "collaboration"]
NAME_PARTS = (
    [
        "North",
        "Blue",
        "Silver",
        "Bright",
        "Iron",
        "Cedar",
        "Apex",
        "Nova",
        "Summit",
        "Harbor",
        "Vertex",
        "Pioneer",
        "Atlas",
        "Crescent",
        "Granite",
        "Lumen",
        "Quantum",
        "Redwood",
    ],
    ["wind", "stone", "field", "bridge", "path", "wave", "point", "gate", "line", "peak"],
    [
        "Systems",
        "Networks",
        "Solutions",
        "Technologies",
        "Partners",
        "Consulting",
        "Digital",
        "Cloud",
        "IT Services",
        "Group",
    ],
)
FIRST_NAMES = [
    "Alex",
    "Sam",
    "Jordan",
    "Taylor",
    "Morgan",
    "Riley",
    "Casey",
    "Jamie",
    "Robin",
    "Avery",
    "Quinn",
    "Noor",
    "Mateo",
    "Yuki",
    "Lena",
    "Omar",
    "Priya",
    "Lars",
]
LAST_NAMES = [
    "Nguyen",
    "Schmidt",
    "Garcia",
    "Okafor",
    "Kowalski",
    "Tanaka",
    "Silva",
    "Moreau",
    "Andersen",
    "Patel",
    "Rossi",
    "Haddad",
    "Kim",
    "Murphy",
    "Novak",
    "Costa",
]
TITLES = {
    "ADMIN": "Partner Program Lead",
    "SALES_REP": "Account Executive",
    "MARKETING": "Marketing Manager",
    "TECHNICAL": "Solutions Engineer",
    "FINANCE": "Finance Controller",
}
ATTRIBUTES = [
    (AttributeSubject.PARTNER, "employeeCount", AttributeType.NUMBER, "Employees"),
    (AttributeSubject.PARTNER, "mdfEligible", AttributeType.BOOLEAN, "MDF eligible"),
    (AttributeSubject.PARTNER, "renewalDate", AttributeType.DATE, "Agreement renewal"),
    (AttributeSubject.PARTNER, "specialisations", AttributeType.STRING_LIST, "Specialisations"),
    (AttributeSubject.PARTNER, "crmOwner", AttributeType.STRING, "CRM owner"),
    (AttributeSubject.CONTACT, "preferredLanguage", AttributeType.STRING, "Preferred language"),
]
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass
class Programme:
    partners: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)


def contact_counts(rng: random.Random, partners: int, contacts: int) -> list[int]:
    """Long-tailed sizes summing to `contacts`, each partner with at least one contact."""
    if contacts < partners:
        raise ValueError("need at least one contact per partner")
    weights = [math.exp(rng.gauss(1.0, 1.3)) for _ in range(partners)]
    spare = contacts - partners
    total = sum(weights)
    counts = [1 + int(spare * w / total) for w in weights]
    for i in rng.sample(range(partners), contacts - sum(counts)):
        counts[i] += 1
    return counts


def partner_row(rng: random.Random, pk: int, name: str | None = None) -> dict[str, Any]:
    region = rng.choices(list(REGIONS), REGION_WEIGHTS)[0]
    joined = NOW - timedelta(days=rng.randint(0, 3650), seconds=rng.randint(0, 86399))
    attributes: dict[str, Any] = {"employeeCount": int(math.exp(rng.gauss(3.5, 1.3)))}
    if rng.random() < 0.6:
        attributes["mdfEligible"] = rng.random() < 0.4
    if rng.random() < 0.7:
        attributes["renewalDate"] = (
            (NOW + timedelta(days=rng.randint(-200, 700))).date().isoformat()
        )
    if rng.random() < 0.5:
        attributes["specialisations"] = rng.sample(SPECIALISATIONS, rng.randint(1, 3))
    if rng.random() < 0.8:
        attributes["crmOwner"] = rng.choice(FIRST_NAMES)
    return {
        "id": pk,
        "external_id": f"CRM-{pk:07d}",
        "name": name
        or " ".join(
            [rng.choice(NAME_PARTS[0]) + rng.choice(NAME_PARTS[1]), rng.choice(NAME_PARTS[2])]
        )
        + f" {pk}",
        "type": rng.choices(TYPES, TYPE_WEIGHTS)[0],
        "tier": rng.choices(TIERS, TIER_WEIGHTS)[0],
        "region": region,
        "country": rng.choice(REGIONS[region]) if rng.random() < 0.95 else None,
        "phase": rng.choices(PHASES, PHASE_WEIGHTS)[0],
        "verticals": rng.sample(VERTICALS, rng.choices([0, 1, 2, 3], [15, 40, 30, 15])[0]),
        "joined_at": joined,
        "attributes": attributes,
        "version": 1,
        "created_at": joined,
        "updated_at": joined,
    }


def metrics_row(rng: random.Random, pk: int, tier: str) -> dict[str, Any]:
    scale = {"REGISTERED": 1, "SILVER": 4, "GOLD": 15, "PLATINUM": 60}[tier]
    won = rng.randint(0, 12) * scale
    return {
        "partner_id": pk,
        "won_revenue_12m": Decimal(won * rng.randint(5_000, 40_000)),
        "open_pipeline": Decimal(rng.randint(0, 20) * scale * rng.randint(3_000, 30_000)),
        "deals_won_12m": won,
        "deals_registered_90d": rng.randint(0, 6) * scale,
        "certified_contacts": 0,
        "training_completion_rate": round(rng.random(), 3),
        "engagement_score": round(rng.uniform(0, 100), 1),
        "updated_at": NOW,
    }


def contact_row(
    rng: random.Random, pk: int, partner_pk: int, admin: bool, email: str | None = None
) -> dict[str, Any]:
    role = "ADMIN" if admin else rng.choices(ROLES, ROLE_WEIGHTS)[0]
    status = (
        "ACTIVE" if admin else rng.choices(["ACTIVE", "INVITED", "DEACTIVATED"], [85, 10, 5])[0]
    )
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    created = NOW - timedelta(days=rng.randint(0, 1500))
    last_login = None
    if status == "ACTIVE" and rng.random() < 0.85:
        last_login = NOW - timedelta(days=rng.randint(0, 240), seconds=rng.randint(0, 86399))
    return {
        "id": pk,
        "partner_id": partner_pk,
        "email": email or f"{first}.{last}.{pk}@p{partner_pk}.example.com".lower(),
        "name": f"{first} {last}",
        "role": role,
        "title": TITLES[role] if rng.random() < 0.9 else None,
        "status": status,
        "attributes": {"preferredLanguage": rng.choice(["en", "de", "fr", "es", "ja"])}
        if rng.random() < 0.5
        else {},
        "password_hash": None,
        "last_login_at": last_login,
        "created_at": created,
        "updated_at": created,
    }


def generate(partners: int, contacts: int, seed: int = 7, first_id: int = 1) -> Programme:
    """The same programme for the same arguments, every time."""
    rng = random.Random(seed)
    programme = Programme()
    contact_pk = first_id
    for i, size in enumerate(contact_counts(rng, partners, contacts)):
        pk = first_id + i
        row = partner_row(rng, pk)
        programme.partners.append(row)
        programme.metrics.append(metrics_row(rng, pk, row["tier"]))
        for n in range(size):
            programme.contacts.append(contact_row(rng, contact_pk, pk, admin=n == 0))
            contact_pk += 1
    return programme


async def declare_attributes(db: Database) -> None:
    async with db.write() as session:
        for subject, key, kind, label in ATTRIBUTES:
            await define_attribute(session, subject, key, kind, label)


async def insert_programme(db: Database, programme: Programme, chunk: int = 5000) -> None:
    """Bulk-insert generated rows (no membership work: recompute segments afterwards)."""
    async with db.write() as session:
        for model, rows in (
            (Partner, programme.partners),
            (PartnerMetrics, programme.metrics),
            (Contact, programme.contacts),
        ):
            for start in range(0, len(rows), chunk):
                await session.execute(insert(model), rows[start : start + chunk])
        if db.dialect == "postgresql":
            for table in ("partners", "contacts"):
                await session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
