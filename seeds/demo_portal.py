"""The demo programme's portal shell: an onboarding journey and a deal coach.

Partners move PROSPECTING -> SIGNED_AGREEMENT -> ONBOARDING -> ACTIVE by submitting the
form of their phase; each phase has its own tabs, homepage and forms. The four demo
logins (seeds.demo.DEMO_CONTACTS) see different navigation and homepages:

- Platinum reseller ADMIN (active, gold-admins): "Your programme at a glance", quotes,
  price lists, marketing kit, team.
- Gold MSP SALES_REP (active): "Today's pipeline", quotes and price lists, no team tab.
- Silver integrator MARKETING (onboarding): "Your onboarding checklist", the onboarding
  tab, the marketing kit and a co-marketing request form.
- Registered referral ADMIN (prospecting): "Welcome", getting started, the partner
  agreement form; submitting it opens deal registration.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audiences, layouts, portal
from domain.catalogue import load_catalogue
from domain.errors import Problems
from domain.layouts import LayoutEntity
from domain.models import Layout
from domain.segments.service import save_segment

SEGMENTS = [
    ("prospects", "Prospecting partners", "partner.phase", "PROSPECTING"),
    ("signed-partners", "Partners that signed the agreement", "partner.phase", "SIGNED_AGREEMENT"),
    ("onboarding-partners", "Partners in onboarding", "partner.phase", "ONBOARDING"),
    ("active-partners", "Active partners", "partner.phase", "ACTIVE"),
    ("resellers", "Resellers", "partner.type", "RESELLER"),
    ("msp-partners", "Managed service providers", "partner.type", "MSP"),
    ("integrators", "System integrators", "partner.type", "SYSTEM_INTEGRATOR"),
    ("referral-partners", "Referral partners", "partner.type", "REFERRAL"),
]

ADMINS = {"roles": ["ADMIN"]}

TABS: list[dict[str, Any]] = [
    {"key": "home", "label": "Home", "path": "/", "order": 0},
    {
        "key": "getting-started",
        "label": "Getting started",
        "path": "/getting-started",
        "order": 10,
        "audience": {"anySegments": ["prospects", "signed-partners"]},
    },
    {
        "key": "onboarding",
        "label": "Onboarding",
        "path": "/onboarding",
        "order": 10,
        "audience": {"anySegments": ["onboarding-partners"]},
    },
    {
        "key": "deal-registration",
        "label": "Register a deal",
        "path": "/deals/register",
        "order": 20,
        "audience": {"noneSegments": ["prospects"]},
    },
    {
        "key": "quotes",
        "label": "Quotes",
        "path": "/quotes",
        "order": 30,
        "audience": {"anySegments": ["active-partners"]},
    },
    {
        "key": "price-lists",
        "label": "Price lists",
        "path": "/price-lists",
        "order": 40,
        "audience": {"anySegments": ["gold-plus"]},
    },
    {
        "key": "marketing-kit",
        "label": "Marketing kit",
        "path": "/marketing",
        "order": 50,
        "audience": {"roles": ["ADMIN", "MARKETING"]},
    },
    {"key": "team", "label": "Team", "path": "/team", "order": 90, "audience": ADMINS},
]

PAGES: list[dict[str, Any]] = [
    {
        "key": "welcome",
        "title": "Welcome to the partner portal",
        "body": "Find your deals, quotes and enablement here.",
        "priority": 0,
    },
    {
        "key": "prospect-welcome",
        "title": "Welcome! Sign the partner agreement to get started",
        "body": "Read the programme terms and accept them in the partner agreement form.\n"
        "Once signed, you can register deals and plan your onboarding.",
        "priority": 40,
        "audience": {"anySegments": ["prospects"]},
    },
    {
        "key": "agreement-signed",
        "title": "Agreement signed: plan your onboarding",
        "body": "Tell us who leads your onboarding and when you would like to start.",
        "priority": 40,
        "audience": {"anySegments": ["signed-partners"]},
    },
    {
        "key": "onboarding-home",
        "title": "Your onboarding checklist",
        "body": "1. Complete the sales training.\n2. Register your first deal.\n"
        "3. Confirm onboarding is complete.",
        "priority": 40,
        "audience": {"anySegments": ["onboarding-partners"]},
    },
    {
        "key": "gold-admin-home",
        "title": "Your programme at a glance",
        "body": "Tier benefits, market development funds and your team's certifications.",
        "priority": 30,
        "audience": {"anySegments": ["gold-admins"]},
    },
    {
        "key": "sales-home",
        "title": "Today's pipeline",
        "body": "Deals waiting for approval, quotes to follow up, and tips for each stage.",
        "priority": 20,
        "audience": {"anySegments": ["active-partners"], "roles": ["SALES_REP"]},
    },
    {
        "key": "partner-home",
        "title": "Partner home",
        "body": "News, deals and quotes for active partners.",
        "priority": 10,
        "audience": {"anySegments": ["active-partners"]},
    },
]

FORMS: list[dict[str, Any]] = [
    {
        "key": "partner-agreement",
        "title": "Accept the partner agreement",
        "fields": [
            {
                "name": "signatoryName",
                "label": "Your full name",
                "type": "STRING",
                "required": True,
            },
            {
                "name": "signatoryTitle",
                "label": "Your job title",
                "type": "STRING",
                "required": True,
            },
            {
                "name": "acceptTerms",
                "label": "I accept the programme terms",
                "type": "BOOLEAN",
                "required": True,
            },
            {"name": "employeeCount", "label": "Employees", "type": "NUMBER"},
        ],
        "onSubmit": [{"path": "partner.phase", "value": "SIGNED_AGREEMENT"}],
        "audience": {"anySegments": ["prospects"], "roles": ["ADMIN"]},
    },
    {
        "key": "onboarding-kickoff",
        "title": "Plan your onboarding",
        "fields": [
            {
                "name": "onboardingLead",
                "label": "Onboarding lead",
                "type": "STRING",
                "required": True,
            },
            {"name": "kickoffDate", "label": "Kick-off date", "type": "DATE", "required": True},
        ],
        "onSubmit": [{"path": "partner.phase", "value": "ONBOARDING"}],
        "audience": {"anySegments": ["signed-partners"], "roles": ["ADMIN"]},
    },
    {
        "key": "onboarding-complete",
        "title": "Confirm onboarding is complete",
        "fields": [
            {
                "name": "salesTrainingDone",
                "label": "Sales training completed",
                "type": "BOOLEAN",
                "required": True,
            },
            {"name": "firstDealExpected", "label": "First deal expected", "type": "DATE"},
        ],
        "onSubmit": [
            {"path": "partner.phase", "value": "ACTIVE"},
            {"path": "partner.attributes.mdfEligible", "value": True},
        ],
        "audience": {"anySegments": ["onboarding-partners"], "roles": ["ADMIN"]},
    },
    {
        "key": "co-marketing-request",
        "title": "Request a co-marketing campaign",
        "fields": [
            {"name": "campaignName", "label": "Campaign", "type": "STRING", "required": True},
            {"name": "budget", "label": "Budget (USD)", "type": "NUMBER"},
            {"name": "launchDate", "label": "Launch date", "type": "DATE"},
        ],
        "onSubmit": [],
        "audience": {
            "anySegments": ["onboarding-partners", "active-partners"],
            "roles": ["MARKETING"],
        },
    },
]

TIPS: list[dict[str, Any]] = [
    {
        "key": "log-every-meeting",
        "text": "Log every customer meeting on the deal: approvals "
        "go faster when the history is there.",
    },
    {
        "key": "registered-decision-date",
        "stage": "REGISTERED",
        "text": "Add the customer's "
        "decision date and budget: registrations with both are approved first.",
    },
    {
        "key": "approved-exclusivity",
        "stage": "APPROVED",
        "text": "Your deal is protected until its exclusivity date: quote before then.",
    },
    {
        "key": "lost-reason",
        "stage": "LOST",
        "text": "Tell your channel manager why the deal was "
        "lost; pricing feedback shapes next quarter's price rules.",
    },
    {
        "key": "referral-introduce",
        "stage": "REGISTERED",
        "text": "Introduce our account "
        "executive within five days; your referral fee is paid when the deal is won.",
        "audience": {"anySegments": ["referral-partners"]},
    },
    {
        "key": "referral-handover",
        "stage": "APPROVED",
        "text": "Hand over the customer contacts "
        "and stay on the thread: referral partners who join the first call win twice as often.",
        "audience": {"anySegments": ["referral-partners"]},
    },
    {
        "key": "reseller-quote-early",
        "stage": "APPROVED",
        "text": "Create the quote now: your tier discount is applied automatically.",
        "audience": {"anySegments": ["resellers"]},
    },
    {
        "key": "reseller-renewal",
        "stage": "WON",
        "text": "Set a renewal reminder 90 days before the subscription ends.",
        "audience": {"anySegments": ["resellers"]},
    },
    {
        "key": "msp-bundle",
        "stage": "APPROVED",
        "text": "Bundle your managed service: deals with a service line renew 30% more often.",
        "audience": {"anySegments": ["msp-partners"]},
    },
    {
        "key": "msp-onboard-customer",
        "stage": "WON",
        "text": "Schedule the customer's onboarding within two weeks and register it as a service.",
        "audience": {"anySegments": ["msp-partners"]},
    },
    {
        "key": "integrator-scope",
        "stage": "REGISTERED",
        "text": "Attach the implementation "
        "scope: integration deals are approved on scope, not on licence value.",
        "audience": {"anySegments": ["integrators"]},
    },
    {
        "key": "integrator-services",
        "stage": "WON",
        "text": "Propose the implementation services now, while the project team is being staffed.",
        "audience": {"anySegments": ["integrators"]},
    },
]

PROFILE: dict[str, Any] = {
    "label": "Company profile",
    "fields": [
        {"name": "name", "label": "Company name", "required": True},
        {"name": "country", "label": "Country"},
        {"name": "verticals", "label": "Industries served"},
        {"name": "employeeCount", "label": "Employees"},
        {"name": "specialisations", "label": "Specialisations"},
        {"name": "type", "label": "Partner type", "readOnly": True},
        {"name": "tier", "label": "Tier", "readOnly": True},
    ],
}


async def _profile_layout(session: AsyncSession) -> None:
    """The profile partner admins edit (updatePartnerProfile) and everyone else reads."""
    problems = Problems()
    record_type, label, fields = layouts.validate(
        LayoutEntity.PARTNER_PROFILE,
        layouts.PROFILE_RECORD_TYPE,
        PROFILE["label"],
        PROFILE["fields"],
        await load_catalogue(session),
        problems,
    )
    problems.raise_if_any()
    session.add(
        Layout(
            entity=LayoutEntity.PARTNER_PROFILE.value,
            record_type=record_type,
            label=label,
            fields=[f.as_dict() for f in fields],
            priority=0,
            audience_id=None,
        )
    )
    await session.flush()
    await audiences.bump_access_version(session)


async def load(session: AsyncSession) -> None:
    """The journey's segments, tabs, pages, forms, coach tips and the profile layout."""
    for key, name, field, value in SEGMENTS:
        rule = {"field": field, "op": "eq", "value": value}
        patch = {"key": key, "name": name, "subject": "PARTNER", "rule": rule}
        await save_segment(session, None, patch)
    catalogue = await load_catalogue(session)
    for kind, specs in (
        (portal.TAB, TABS),
        (portal.PAGE, PAGES),
        (portal.FORM, FORMS),
        (portal.COACH_TIP, TIPS),
    ):
        for spec in specs:
            await portal.create(session, kind, spec, catalogue)
    await _profile_layout(session)
