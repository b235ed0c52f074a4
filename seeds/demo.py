"""`partnerscope seed --demo`: a believable channel programme to explore the API with."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select

from domain import ids
from domain.audiences import AudienceSpec
from domain.catalogue import define_attribute, load_catalogue
from domain.contacts import create_contact
from domain.db import Database
from domain.identity import accounts, passwords
from domain.models import StaffMember
from domain.partners import create_partner
from domain.policies import Action, set_action_policy, set_field_policy
from domain.principal import ContactRole, ContactStatus, StaffRole
from domain.segments.service import save_segment
from seeds import demo_deals, demo_enablement, demo_portal, generator

STAFF = [
    ("admin@partnerscope.example.com", "demo-admin-2026", StaffRole.VENDOR_ADMIN, "Vera Admin"),
    (
        "manager@partnerscope.example.com",
        "demo-manager-2026",
        StaffRole.CHANNEL_MANAGER,
        "Marco Manager",
    ),
    ("analyst@partnerscope.example.com", "demo-analyst-2026", StaffRole.ANALYST, "Ana Lyst"),
]
CONTACT_PASSWORD = "demo-partner-2026"
PARTNER_NAMES = [
    "Northwind Systems",
    "Bluestone Networks",
    "Cedar Ridge IT",
    "Apex Cloud Partners",
    "Harbor Point Consulting",
    "Lumen Digital",
    "Granite Peak Solutions",
    "Nova Data Group",
    "Summit Gate Technologies",
    "Ironbridge Security",
    "Crescent Wave MSP",
    "Atlas Integration",
    "Redwood Analytics",
    "Quantum Field Services",
    "Silverline Distribution",
    "Brightpath Referral",
    "Vertex Systems Integration",
    "Pioneer Cloud Works",
    "Meridian Software",
    "Kestrel Networks",
    "Orchid Health IT",
    "Fjord Digital",
    "Sakura Tech Partners",
    "Andes Cloud",
    "Pampas IT",
    "Maple Leaf Systems",
    "Outback Managed Services",
    "Rhine Valley Consulting",
    "Tagus Software",
    "Nile Data Labs",
    "Kiwi Cloud Co",
    "Seoul Smart Systems",
    "Lagos Digital Hub",
    "Baltic Bridge IT",
    "Alpine Secure",
    "Caribbean Connect",
    "Sierra Distribution",
    "Monsoon Networks",
    "Aurora Referral Partners",
    "Polaris Integrators",
]


def _cycle(values: list[str], i: int, step: int) -> str:
    return values[(i * step) % len(values)]


async def _already_loaded(db: Database) -> bool:
    async with db.read() as session:
        found = await session.scalar(select(StaffMember.id).where(StaffMember.email == STAFF[0][0]))
    return found is not None


def logins() -> str:
    lines = ["Demo logins (password after the slash):"]
    lines += [f"  {role.value:<15} {email} / {password}" for email, password, role, _ in STAFF]
    lines.append(f"  Partner contacts: any contact email / {CONTACT_PASSWORD}, for example")
    lines += [f"  {label:<28} {email}" for label, email in DEMO_CONTACTS]
    lines.append("GraphiQL: http://127.0.0.1:8000/graphql")
    return "\n".join(lines)


# Contacts worth signing in as: their portals differ.
DEMO_CONTACTS = [
    ("ADMIN, Platinum reseller", "admin@northwind-systems.example.com"),
    ("SALES_REP, Gold MSP", "sales@bluestone-networks.example.com"),
    ("MARKETING, Silver integrator", "marketing@cedar-ridge-it.example.com"),
    ("ADMIN, Registered referral", "admin@brightpath-referral.example.com"),
]
FIXED = {
    "Northwind Systems": ("RESELLER", "PLATINUM", "NORTH_AMERICA", "ACTIVE"),
    "Bluestone Networks": ("MSP", "GOLD", "EMEA", "ACTIVE"),
    "Cedar Ridge IT": ("SYSTEM_INTEGRATOR", "SILVER", "NORTH_AMERICA", "ONBOARDING"),
    "Brightpath Referral": ("REFERRAL", "REGISTERED", "APAC", "PROSPECTING"),
}
NAMED_CONTACTS = {
    "Northwind Systems": [("admin", ContactRole.ADMIN)],
    "Bluestone Networks": [("admin", ContactRole.ADMIN), ("sales", ContactRole.SALES_REP)],
    "Cedar Ridge IT": [("admin", ContactRole.ADMIN), ("marketing", ContactRole.MARKETING)],
    "Brightpath Referral": [("admin", ContactRole.ADMIN)],
}


def _team_sizes(rng: random.Random) -> list[int]:
    """150 contacts over the 40 partners, long-tailed, named demo teams big enough."""
    sizes = generator.contact_counts(rng, len(PARTNER_NAMES), 150)
    for i, name in enumerate(PARTNER_NAMES):
        short = len(NAMED_CONTACTS.get(name, ())) - sizes[i]
        if short > 0:
            sizes[i] += short
            sizes[sizes.index(max(sizes))] -= short
    return sizes


# (key, name, subject, rule): the programme's segments.
SEGMENTS = [
    (
        "gold-plus",
        "Gold and Platinum partners",
        "PARTNER",
        {"field": "partner.tier", "op": "gte", "value": "GOLD"},
    ),
    (
        "emea-partners",
        "EMEA partners",
        "PARTNER",
        {"field": "partner.region", "op": "eq", "value": "EMEA"},
    ),
    (
        "active-resellers",
        "Active resellers and MSPs",
        "PARTNER",
        {
            "all": [
                {"field": "partner.type", "op": "in", "value": ["RESELLER", "MSP"]},
                {"field": "partner.phase", "op": "eq", "value": "ACTIVE"},
            ]
        },
    ),
    (
        "new-partners",
        "Joined in the last 180 days",
        "PARTNER",
        {"field": "partner.joinedAt", "op": "withinLastDays", "value": 180},
    ),
    (
        "gold-admins",
        "Admins of Gold and Platinum partners",
        "CONTACT",
        {
            "all": [
                {"segment": "gold-plus"},
                {"field": "contact.role", "op": "eq", "value": "ADMIN"},
            ]
        },
    ),
    (
        "recently-active",
        "Signed in within 30 days",
        "CONTACT",
        {"field": "contact.lastLoginAt", "op": "withinLastDays", "value": 30},
    ),
]


async def _programme_rules(session: Any, manager_id: int) -> None:
    """Segments, the channel manager's portfolio, and who sees and may do what."""
    for key, name, subject, rule in SEGMENTS:
        patch = {"key": key, "name": name, "subject": subject, "rule": rule}
        if key == "emea-partners":
            patch["managerIds"] = [ids.encode("StaffMember", manager_id)]
        await save_segment(session, None, patch)
    await set_field_policy(
        session, "Partner", "metrics", AudienceSpec(any_segments=frozenset({"gold-plus"}))
    )
    await set_action_policy(
        session,
        Action.CREATE_QUOTE,
        AudienceSpec(any_segments=frozenset({"gold-plus", "active-resellers"})),
    )


def _slug(name: str) -> str:
    return "-".join(name.lower().split())


async def load(db: Database) -> str:
    """Load the demo programme once; a second run changes nothing and prints the logins."""
    if await _already_loaded(db):
        return "Demo programme already loaded.\n" + logins()
    rng = random.Random(2026)
    contact_hash = passwords.hash_password(CONTACT_PASSWORD)  # one hash: demo accounts only
    async with db.write() as session:
        staff = [
            await accounts.create_staff(session, email, password, role, name)
            for email, password, role, name in STAFF
        ]
        for subject, key, attribute_type, label in generator.ATTRIBUTES:
            await define_attribute(session, subject, key, attribute_type, label)
        catalogue = await load_catalogue(session)
        sizes = _team_sizes(rng)
        tiers = ["REGISTERED"] * 16 + ["SILVER"] * 12 + ["GOLD"] * 8 + ["PLATINUM"] * 4
        for i, name in enumerate(PARTNER_NAMES):
            row = generator.partner_row(rng, i + 1, name)
            kind, tier, region, phase = FIXED.get(name) or (
                _cycle(generator.TYPES, i, 1),
                tiers[(i * 7) % len(tiers)],
                _cycle(list(generator.REGIONS), i, 3),
                _cycle(generator.PHASES, i, 2),
            )
            change = await create_partner(
                session,
                catalogue,
                {
                    "externalId": f"CRM-{i + 1:05d}",
                    "name": name,
                    "type": kind,
                    "tier": tier,
                    "region": region,
                    "country": rng.choice(generator.REGIONS[region]),
                    "phase": phase,
                    "verticals": row["verticals"],
                    "joinedAt": row["joined_at"],
                    "attributes": row["attributes"],
                },
            )
            partner = change.partner
            named = NAMED_CONTACTS.get(name, [])
            for n in range(sizes[i]):
                row = generator.contact_row(rng, 0, partner.id, admin=n == 0)
                if n < len(named):
                    local, role = named[n]
                    status = ContactStatus.ACTIVE
                else:
                    local = f"{row['name'].lower().replace(' ', '.')}.{n}"
                    role, status = ContactRole(row["role"]), ContactStatus(row["status"])
                email = f"{local}@{_slug(name)}.example.com"
                await create_contact(
                    session,
                    partner.id,
                    email,
                    row["name"],
                    role,
                    status=status,
                    password_hash=contact_hash if status is ContactStatus.ACTIVE else None,
                    title=generator.TITLES[role.value],
                )
        await _programme_rules(session, staff[1].id)
        await demo_enablement.load(session, db)  # content, courses, certifications, goals
        await demo_portal.load(session)  # onboarding journey, deal coach, profile layout
        await demo_deals.load(session, db)  # record types, catalogue, prices, deals, quotes
    await db.refresh_statistics(full=True)
    return (
        f"Demo programme loaded: 40 partners, 150 contacts, 3 staff, "
        f"{len(SEGMENTS) + len(demo_portal.SEGMENTS)} segments, a field policy (Partner.metrics: "
        "gold-plus), an action policy (CREATE_QUOTE), an onboarding journey and a deal coach.\n"
        + logins()
    )
