"""The demo programme's enablement: content, courses, certifications and goals.

Tier-gated price sheets in nested folders, regional announcements (one expired, one
scheduled), an onboarding course every newly signed partner is enrolled in automatically,
a certification held by audience and one awarded by hand, goals per region. The four demo
logins (seeds.demo.DEMO_CONTACTS) see visibly different things:

- Platinum reseller ADMIN (North America): the price sheets folder with the North America
  sheet, the North America price update, gold-seller certified (by audience), the
  fundamentals course completed, the North America revenue goal.
- Gold MSP SALES_REP (EMEA): the EMEA price sheet, the EMEA summit, security specialist
  (awarded by hand), the EMEA revenue goal.
- Silver integrator MARKETING (North America, onboarding): no price sheets, enrolled in the
  onboarding course (40 % done), the North America goals.
- Registered referral ADMIN (APAC, prospecting): the referral kit, the APAC referral bonus,
  the referral course, the APAC goal.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import ids
from domain.clock import utcnow
from domain.db import Database
from domain.models import Contact, Enrollment, Segment, StaffMember
from domain.principal import ContactRole, Principal, PrincipalKind, StaffRole
from domain.segments.service import save_segment
from domain.services import certifications, content, courses, goals
from domain.uow import UnitOfWork

# (key, name, rule): created unless the programme has them already.
SEGMENTS = [
    (
        "region-north-america",
        "North American partners",
        {"field": "partner.region", "op": "eq", "value": "NORTH_AMERICA"},
    ),
    ("region-apac", "APAC partners", {"field": "partner.region", "op": "eq", "value": "APAC"}),
    (
        "region-latam",
        "Latin American partners",
        {"field": "partner.region", "op": "eq", "value": "LATIN_AMERICA"},
    ),
    (
        "newly-signed",
        "Signed or onboarding partners",
        {"field": "partner.phase", "op": "in", "value": ["SIGNED_AGREEMENT", "ONBOARDING"]},
    ),
    (
        "referral-programme",
        "Referral partners",
        {"field": "partner.type", "op": "eq", "value": "REFERRAL"},
    ),
]
REGIONS = ["emea-partners", "region-north-america", "region-apac", "region-latam"]
PDF = "https://content.partnerscope.example.com/{}.pdf"


def _quarter(today: date) -> tuple[date, date]:
    first_month = 3 * ((today.month - 1) // 3) + 1
    start = date(today.year, first_month, 1)
    end = date(today.year + (first_month == 10), (first_month + 2) % 12 + 1, 1)
    return start, end - timedelta(days=1)


async def _contact(session: AsyncSession, email: str) -> Principal:
    found = await session.scalar(select(Contact).where(Contact.email == email))
    assert found is not None, email
    return Principal(
        PrincipalKind.CONTACT,
        found.id,
        email=found.email,
        contact_role=ContactRole(found.role),
        partner_id=found.partner_id,
    )


async def load(session: AsyncSession, db: Database) -> None:
    """Add the enablement programme (after the partners, contacts and segments exist)."""
    known = set(await session.scalars(select(Segment.key)))
    for key, name, rule in SEGMENTS:
        if key not in known:
            await save_segment(
                session, None, {"key": key, "name": name, "rule": rule, "subject": "PARTNER"}
            )
    admin = await session.scalar(
        select(StaffMember).where(StaffMember.role == StaffRole.VENDOR_ADMIN.value)
    )
    assert admin is not None
    staff = Principal(PrincipalKind.STAFF, admin.id, staff_role=StaffRole.VENDOR_ADMIN)

    def as_(principal: Principal) -> UnitOfWork:
        return UnitOfWork(db, session, principal)

    vendor = as_(staff)
    await _content(vendor)
    await _learning(session, vendor, as_)
    await _goals(vendor)


async def _content(uow: UnitOfWork) -> None:
    async def folder(name: str, parent: Any = None, audience: Any = None) -> str:
        made = await content.create_folder(
            uow, {"name": name, "parentId": parent, "audience": audience}
        )
        return ids.encode("AssetFolder", made.id)

    async def asset(title: str, kind: str, folder_id: str | None, audience: Any = None) -> None:
        slug = title.lower().replace(" ", "-")
        await content.create_asset(
            uow,
            {
                "title": title,
                "kind": kind,
                "url": PDF.format(slug),
                "folderId": folder_id,
                "audience": audience,
            },
        )

    sheets = await folder("Price sheets", audience={"anySegments": ["gold-plus"]})
    emea = await folder("EMEA", sheets, {"anySegments": ["emea-partners"]})
    americas = await folder("North America", sheets, {"anySegments": ["region-north-america"]})
    playbooks = await folder("Sales playbooks")
    referral = await folder("Referral kit", audience={"anySegments": ["referral-programme"]})
    await asset("EMEA price sheet 2026", "PRICE_SHEET", emea)
    await asset("North America price sheet 2026", "PRICE_SHEET", americas)
    await asset("Volume discount matrix", "PRICE_SHEET", sheets, {"roles": ["ADMIN", "FINANCE"]})
    await asset("Selling the platform", "PRESENTATION", playbooks)
    await asset("Five-minute demo", "VIDEO", playbooks)
    await asset("Referral programme guide", "DOCUMENT", referral)
    await asset("Partner programme guide", "DOCUMENT", None)
    now = utcnow()
    for title, body, publish, expires, audience in (
        (
            "Welcome to the 2026 partner programme",
            "New tiers, new benefits.\nSee the partner programme guide.",
            now - timedelta(days=20),
            None,
            None,
        ),
        (
            "EMEA partner summit in Lisbon",
            "Two days of roadmap sessions and workshops.\nRegistration is open.",
            now - timedelta(days=3),
            now + timedelta(days=60),
            {"anySegments": ["emea-partners"]},
        ),
        (
            "North America price update",
            "New list prices take effect next month; see the North America price sheet.",
            now - timedelta(days=1),
            None,
            {"anySegments": ["region-north-america"]},
        ),
        (
            "APAC referral bonus",
            "Double referral fees on every deal registered this quarter.",
            now - timedelta(days=2),
            None,
            {"anySegments": ["region-apac"]},
        ),
        (
            "Summer promotion has ended",
            "Thanks to everyone who took part.",
            now - timedelta(days=90),
            now - timedelta(days=30),
            None,
        ),
        (
            "Roadmap webinar",
            "Join the product team for next year's roadmap.",
            now + timedelta(days=14),
            None,
            None,
        ),
    ):
        await content.create_announcement(
            uow,
            {
                "title": title,
                "body": body,
                "publishAt": publish,
                "expiresAt": expires,
                "audience": audience,
            },
        )


async def _learning(session: AsyncSession, vendor: UnitOfWork, as_: Any) -> None:
    await certifications.create_certification(
        vendor, "gold-seller", "Gold seller", {"anySegments": ["gold-admins"]}
    )
    await certifications.create_certification(
        vendor, "security-specialist", "Security specialist", None
    )
    await certifications.create_certification(
        vendor, "onboarding-graduate", "Onboarding graduate", None
    )
    for key, title, audience, auto, certification in (
        (
            "partner-onboarding",
            "Partner onboarding",
            None,
            {"anySegments": ["newly-signed"]},
            "onboarding-graduate",
        ),
        ("platform-fundamentals", "Platform fundamentals", None, None, None),
        (
            "advanced-msp-operations",
            "Advanced MSP operations",
            {"anySegments": ["gold-plus"]},
            None,
            None,
        ),
        (
            "referral-basics",
            "Referral basics",
            {"anySegments": ["referral-programme"]},
            {"anySegments": ["referral-programme"]},
            None,
        ),
    ):
        await courses.create_course(
            vendor,
            {
                "key": key,
                "title": title,
                "audience": audience,
                "autoEnrollAudience": auto,
                "certificationKey": certification,
            },
        )
    sales = await _contact(session, "sales@bluestone-networks.example.com")
    await certifications.award_certification(
        vendor, ids.encode("Contact", sales.id), "security-specialist"
    )
    northwind = as_(await _contact(session, "admin@northwind-systems.example.com"))
    enrolled = await courses.enroll_in_course(northwind, "platform-fundamentals")
    await courses.record_course_progress(northwind, ids.encode("Enrollment", enrolled.id), 1.0)
    marketing = await _contact(session, "marketing@cedar-ridge-it.example.com")
    onboarding = await session.scalar(
        select(Enrollment).where(Enrollment.contact_id == marketing.id)
    )
    if onboarding is not None:  # Cedar Ridge IT is onboarding: enrolled automatically
        await courses.record_course_progress(
            as_(marketing), ids.encode("Enrollment", onboarding.id), 0.4
        )


async def _goals(vendor: UnitOfWork) -> None:
    start, end = _quarter(utcnow().date())
    year = (date(start.year, 1, 1), date(start.year, 12, 31))
    for name, metric, target, period, audience in (
        (
            "EMEA revenue this quarter",
            "REVENUE_WON",
            "250000",
            (start, end),
            {"anySegments": ["emea-partners"]},
        ),
        (
            "North America revenue this quarter",
            "REVENUE_WON",
            "400000",
            (start, end),
            {"anySegments": ["region-north-america"]},
        ),
        (
            "APAC deals registered this quarter",
            "DEALS_REGISTERED",
            "20",
            (start, end),
            {"anySegments": ["region-apac"]},
        ),
        ("Certified people this year", "CERTIFIED_CONTACTS", "3", year, {"anySegments": REGIONS}),
        ("Course completions this year", "COURSE_COMPLETIONS", "5", year, {"anySegments": REGIONS}),
    ):
        await goals.create_goal(
            vendor,
            {
                "name": name,
                "metric": metric,
                "target": target,
                "periodStart": period[0],
                "periodEnd": period[1],
                "audience": audience,
            },
        )
