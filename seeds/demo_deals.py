"""The demo programme's deal desk: record types per partner type, a catalogue with tier and
segment prices, deals in every stage and a few quotes.

Everything goes through the same services the API uses (as the vendor admin, or as the
contact who registers or quotes), so the demo data obeys the same rules. The demo logins
differ visibly: the Platinum reseller and the Gold MSP register resale and renewal deals
and quote at Gold prices (the reseller, a top seller on won revenue, gets a better price on
the enterprise platform); the Silver integrator sees Silver prices but may not quote; the
referral partner registers short referral deals and sees list prices.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audiences, ids
from domain.catalogue import AttributeSubject, AttributeType, define_attribute
from domain.clock import utcnow
from domain.db import Database
from domain.deals import today
from domain.models import Contact, Deal, Partner, Segment, StaffMember
from domain.principal import ContactRole, Principal, PrincipalKind, StaffRole
from domain.segments.service import save_segment
from domain.services import deals, layouts, products, quotes
from domain.uow import UnitOfWork

SELLING_TYPES = ["RESELLER", "MSP", "SYSTEM_INTEGRATOR", "ISV", "DISTRIBUTOR"]
# (key, name, rule): created unless the programme has them already.
SEGMENTS = [
    (
        "selling-partners",
        "Partners that resell",
        {"field": "partner.type", "op": "in", "value": SELLING_TYPES},
    ),
    (
        "referral-partners",
        "Referral partners",
        {"field": "partner.type", "op": "eq", "value": "REFERRAL"},
    ),
    (
        "silver-partners",
        "Silver partners",
        {"field": "partner.tier", "op": "eq", "value": "SILVER"},
    ),
    (
        "top-sellers",
        "Won 250,000 or more in 12 months",
        {"field": "partner.metrics.wonRevenue12m", "op": "gte", "value": "250000"},
    ),
]
ATTRIBUTES = [
    ("useCase", AttributeType.STRING, "Use case"),
    ("seats", AttributeType.NUMBER, "Seats"),
    ("competitors", AttributeType.STRING_LIST, "Competitors"),
    ("referralSource", AttributeType.STRING, "How the customer was referred"),
    ("renewalOf", AttributeType.STRING, "Contract renewed"),
]
LAYOUTS: list[dict[str, Any]] = [
    {
        "recordType": "resale",
        "label": "Resale deal",
        "fields": [
            {"name": "customerName", "label": "Customer"},
            {"name": "amount", "label": "Deal value (USD)", "required": True},
            {"name": "closeDate", "label": "Expected close", "required": True},
            {"name": "seats"},
            {"name": "useCase"},
            {
                "name": "competitors",
                "label": "Competitors (filled in by your channel manager)",
                "readOnly": True,
            },
        ],
        "audience": {"anySegments": ["selling-partners"]},
    },
    {
        "recordType": "renewal",
        "label": "Renewal",
        "fields": [
            {"name": "customerName", "label": "Customer"},
            {"name": "renewalOf", "label": "Contract renewed", "required": True},
            {"name": "amount", "label": "Renewal value (USD)", "required": True},
            {"name": "closeDate", "label": "Renewal date"},
        ],
        "priority": 10,
        "audience": {"anySegments": ["gold-plus"], "allSegments": ["selling-partners"]},
    },
    {
        "recordType": "referral",
        "label": "Referral",
        "fields": [
            {"name": "customerName", "label": "Company referred"},
            {"name": "referralSource", "required": True},
            {"name": "useCase", "label": "What they need"},
            {"name": "closeDate", "label": "Decision expected"},
        ],
        "audience": {"anySegments": ["referral-partners"]},
    },
]
PRODUCTS = [
    ("PS-CORE", "PartnerScope Core, per seat and year", "480.00", None),
    ("PS-PRO", "PartnerScope Pro, per seat and year", "960.00", None),
    ("PS-SEC", "Security add-on, per seat and year", "150.00", ["selling-partners"]),
    ("SVC-ONBOARD", "Onboarding service package", "2500.00", ["selling-partners"]),
    ("PS-ENT", "Enterprise platform licence", "25000.00", ["gold-plus"]),
]
# (sku or None for every product, discount, priority, segments of the audience)
PRICE_RULES = [
    (None, "20", 0, ["gold-plus"]),
    (None, "10", 0, ["silver-partners"]),
    ("PS-ENT", "25", 10, ["top-sellers"]),
    ("PS-CORE", "5", 0, ["referral-partners"]),
]
# Per partner (by name): (record type, customer, amount, days to close, stages to pass).
DEALS: dict[str, list[tuple[str, str, str | None, int, list[str]]]] = {
    "Northwind Systems": [
        ("resale", "Globex Manufacturing", "180000", -60, ["APPROVED", "WON"]),
        ("renewal", "Initech", "95000", -20, ["APPROVED", "WON"]),
        ("resale", "Umbrella Health", "60000", 45, ["APPROVED"]),
        ("resale", "Stark Logistics", "25000", 90, []),
        ("resale", "Wayne Retail", "40000", -10, ["APPROVED", "LOST"]),
    ],
    "Bluestone Networks": [
        ("resale", "Hooli Europe", "48000", -30, ["APPROVED", "WON"]),
        ("resale", "Vandelay Imports", "32000", 30, ["APPROVED"]),
        ("resale", "Soylent Foods", "12500", 60, []),
        ("resale", "Tyrell Systems", "8000", 20, ["REJECTED"]),
    ],
    "Cedar Ridge IT": [
        ("resale", "Acme Robotics", "18000", 75, []),
        ("resale", "Cyberdyne Labs", "22000", 40, ["APPROVED"]),
        ("resale", "Oscorp Media", "15000", -5, ["APPROVED", "LOST"]),
    ],
    "Brightpath Referral": [
        ("referral", "Pied Piper", None, 30, []),
        ("referral", "Massive Dynamic", None, 45, ["APPROVED"]),
        ("referral", "Dunder Mifflin", None, 10, ["REJECTED"]),
        ("referral", "Prestige Worldwide", None, -15, ["APPROVED", "WON"]),
    ],
}
# Who registers a partner's deals (default: its first active contact, the company admin).
REGISTRARS = {
    "Bluestone Networks": "sales@bluestone-networks.example.com",
    "Cedar Ridge IT": "marketing@cedar-ridge-it.example.com",
}
# Per demo contact: (lines, index of the deal it is for or None, stages to pass).
QUOTES: dict[str, list[tuple[list[tuple[str, int]], int | None, list[str]]]] = {
    "admin@northwind-systems.example.com": [
        ([("PS-ENT", 1), ("PS-PRO", 25), ("SVC-ONBOARD", 1)], 2, []),
        ([("PS-CORE", 100), ("PS-SEC", 100)], 3, ["SUBMITTED"]),
    ],
    "sales@bluestone-networks.example.com": [
        ([("PS-PRO", 10), ("PS-SEC", 10)], 1, ["SUBMITTED", "APPROVED"]),
        ([("PS-CORE", 40)], None, ["SUBMITTED", "REJECTED"]),
    ],
}


async def _segments(session: AsyncSession) -> None:
    known = set(await session.scalars(select(Segment.key)))
    for key, name, rule in SEGMENTS:
        if key not in known:
            patch = {"key": key, "name": name, "rule": rule, "subject": "PARTNER"}
            await save_segment(session, None, patch)


async def _as_contact(session: AsyncSession, contact: Contact) -> tuple[Principal, Any]:
    """The contact as a principal, and the audiences it matches now (as its requests would)."""
    segments = await audiences.segments_of_contact(session, contact.id, contact.partner_id)
    keys = frozenset(s.key for s in segments)
    specs = await audiences.all_specs(session)
    matched = frozenset(i for i, spec in specs.items() if spec.matches(keys, contact.role))
    principal = Principal(
        PrincipalKind.CONTACT,
        contact.id,
        email=contact.email,
        contact_role=ContactRole(contact.role),
        partner_id=contact.partner_id,
    )
    return principal, matched


async def _registrar(session: AsyncSession, partner_name: str) -> Contact:
    query = select(Contact).join(Partner, Partner.id == Contact.partner_id)
    if partner_name in REGISTRARS:
        query = query.where(Contact.email == REGISTRARS[partner_name])
    else:
        query = query.where(Partner.name == partner_name, Contact.status == "ACTIVE")
    contact = await session.scalar(query.order_by(Contact.id).limit(1))
    assert contact is not None, partner_name
    return contact


async def _catalogue(vendor: UnitOfWork) -> None:
    for spec in LAYOUTS:
        await layouts.create_layout(vendor, {"entity": "DEAL", **spec})
    for sku, name, price, segments in PRODUCTS:
        audience = {"anySegments": segments} if segments else None
        await products.create_product(
            vendor, {"sku": sku, "name": name, "listPrice": price, "audience": audience}
        )
    for rule_sku, discount, priority, segments in PRICE_RULES:
        await products.create_price_rule(
            vendor,
            {
                "sku": rule_sku,
                "discountPercent": discount,
                "priority": priority,
                "audience": {"anySegments": segments},
            },
        )


async def _deals(session: AsyncSession, db: Database, vendor: UnitOfWork) -> dict[str, list[Deal]]:
    """Each partner's deals, registered by its first contact and moved by the vendor admin."""
    made: dict[str, list[Deal]] = {}
    day = today(utcnow())
    for partner_name, plans in DEALS.items():
        contact = await _registrar(session, partner_name)
        principal, matched = await _as_contact(session, contact)
        registrar = UnitOfWork(db, session, principal)
        made[partner_name] = []
        for record_type, customer, amount, days, stages in plans:
            values: dict[str, Any] = {
                "customerName": customer,
                "closeDate": (day + timedelta(days=days)).isoformat(),
            }
            if record_type == "resale":
                values |= {"amount": amount, "seats": 50, "useCase": "Partner portal"}
            elif record_type == "renewal":
                values |= {"amount": amount, "renewalOf": f"{customer} 2025 subscription"}
            else:
                values |= {"referralSource": "Industry event", "useCase": "Channel programme"}
            deal = await deals.register_deal(registrar, matched, record_type, values)
            for stage in stages:
                deal_id = ids.encode("Deal", deal.id)
                deal = await deals.update_deal(vendor, deal_id, {"stage": stage}, None)
            made[partner_name].append(deal)
    return made


async def _quotes(
    session: AsyncSession, db: Database, vendor: UnitOfWork, made: dict[str, list[Deal]]
) -> None:
    for email, plans in QUOTES.items():
        contact = await session.scalar(select(Contact).where(Contact.email == email))
        assert contact is not None, email
        principal, matched = await _as_contact(session, contact)
        maker = UnitOfWork(db, session, principal)
        partner_deals = next(
            d for d in made.values() if d and d[0].partner_id == contact.partner_id
        )
        for lines, deal_index, statuses in plans:
            deal_id = (
                None if deal_index is None else ids.encode("Deal", partner_deals[deal_index].id)
            )
            spec = {"dealId": deal_id, "lines": [{"sku": s, "quantity": q} for s, q in lines]}
            quote = await quotes.create_quote(maker, matched, spec)
            quote_id = ids.encode("Quote", quote.id)
            for status in statuses:
                if status == "SUBMITTED":
                    await quotes.submit_quote(maker, quote_id)
                else:
                    await quotes.review_quote(vendor, quote_id, status == "APPROVED")


async def load(session: AsyncSession, db: Database) -> None:
    """Add the deal desk (after the partners, contacts, segments and policies exist)."""
    await _segments(session)
    for key, kind, label in ATTRIBUTES:
        await define_attribute(session, AttributeSubject.DEAL, key, kind, label)
    admin = await session.scalar(
        select(StaffMember).where(StaffMember.role == StaffRole.VENDOR_ADMIN.value)
    )
    assert admin is not None
    vendor = UnitOfWork(
        db, session, Principal(PrincipalKind.STAFF, admin.id, staff_role=StaffRole.VENDOR_ADMIN)
    )
    await _catalogue(vendor)
    made = await _deals(session, db, vendor)
    await _quotes(session, db, vendor, made)
