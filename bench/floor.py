"""The serving benchmark's floor: the same answers as PartnerScope for a handful of known
operations, by hand, in the fewest plain SQL statements through the driver.

A raw ASGI app (no framework, no GraphQL engine, no ORM): it reads the operation name of a
POST /graphql request, verifies the bearer token exactly as PartnerScope does (PyJWT,
HS256, the same secret), loads the principal and, for a contact, its segments and the
audiences they match, runs the SQL hard-coded for that operation and writes the JSON.
What is left is what any server answering these requests must pay: HTTP, JSON, the token,
the database round trips and building the answer. It serves only the benchmark's
workloads (`bench.serving.WORKLOADS`), for the principals they are sent by.

    PARTNERSCOPE_DATABASE_URL=... PARTNERSCOPE_SECRET_KEY=... \\
        uvicorn bench.floor:create_app --factory --workers N

SQLite is read with the standard `sqlite3` module, straight on the event loop (every
statement here is an indexed lookup of well under a millisecond); PostgreSQL through an
asyncpg pool, one connection per request.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import sqlite3
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import jwt

from bench import floor_sql as sql

Row = Sequence[Any]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
CENT = Decimal("0.01")
# Actions that default to partner admins when no policy is stored (domain.policies).
ADMIN_DEFAULT = {"EDIT_PARTNER_PROFILE", "MANAGE_TEAM"}
ACTIONS = ("CREATE_QUOTE", "REGISTER_DEAL", "EDIT_PARTNER_PROFILE", "MANAGE_TEAM")


class Refused(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body


# ---------------------------------------------------------------- drivers


class Driver:
    """Statements in PostgreSQL syntax ($1, `= ANY($1::int[])`); SQLite gets them rewritten."""

    async def fetch(self, text: str, *args: Any) -> list[Row]:
        raise NotImplementedError


_ANY = re.compile(r"= ANY\(\$(\d+)::int\[\]\)")
_PARAM = re.compile(r"\$(\d+)")


def sqlite_text(text: str) -> str:
    text = _ANY.sub(r"IN (SELECT value FROM json_each(?\1))", text)
    text = text.replace("(g.period_end + 1)", "date(g.period_end, '+1 day')")
    return _PARAM.sub(r"?\1", text)


class SqliteDriver(Driver):
    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.connection.execute("PRAGMA query_only = 1")
        self.cache: dict[str, str] = {}

    async def fetch(self, text: str, *args: Any) -> list[Row]:
        rewritten = self.cache.get(text)
        if rewritten is None:
            rewritten = self.cache[text] = sqlite_text(text)
        bound = [json.dumps(a) if isinstance(a, list) else _sqlite_value(a) for a in args]
        return self.connection.execute(rewritten, bound).fetchall()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # stored as naive UTC text (domain.models.base)
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return value


class PgDriver(Driver):
    def __init__(self, connection: Any) -> None:
        self.connection = connection

    async def fetch(self, text: str, *args: Any) -> list[Row]:
        return list(await self.connection.fetch(text, *args))


# ---------------------------------------------------------------- values as GraphQL shows them


def instant(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return str(value.replace(tzinfo=UTC).isoformat())
    return str(value.astimezone(UTC).isoformat())


def day(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def money(cents: int | None) -> str | None:
    return None if cents is None else str((Decimal(cents) * CENT).quantize(CENT))


def document(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def encode_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def decode_id(global_id: str, type_name: str) -> int | None:
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    name, _, pk = raw.partition(":")
    return int(pk) if name == type_name and pk.isdigit() else None


# ---------------------------------------------------------------- who asks


@dataclass(frozen=True)
class Spec:
    any_segments: frozenset[str]
    all_segments: frozenset[str]
    none_segments: frozenset[str]
    roles: frozenset[str]

    def matches(self, keys: frozenset[str], role: str | None) -> bool:
        return (
            (not self.any_segments or not self.any_segments.isdisjoint(keys))
            and self.all_segments <= keys
            and self.none_segments.isdisjoint(keys)
            and (not self.roles or role in self.roles)
        )


ADMINS_ONLY = Spec(frozenset(), frozenset(), frozenset(), frozenset({"ADMIN"}))


@dataclass
class Snapshot:
    """Audiences and policies as of one access version (reloaded when it changes)."""

    stamp: tuple[int, int]
    audiences: dict[int, Spec]
    actions: dict[str, Spec | None]
    fields: dict[str, Spec]  # "Type.field" -> audience


@dataclass(frozen=True)
class Access:
    matched: list[int]  # audience ids, sorted
    hidden: frozenset[str]
    actions: dict[str, bool]


@dataclass
class Contact:
    id: int
    partner_id: int
    role: str
    email: str
    name: str
    segments: list[tuple[str, str, str]]  # (key, name, subject)
    access: Access


@dataclass
class Staff:
    id: int
    role: str


def _unauthenticated(message: str) -> Refused:
    error = {"message": message, "extensions": {"code": "UNAUTHENTICATED"}}
    return Refused(200, {"data": None, "errors": [error]})


class Floor:
    def __init__(self, database_url: str, secret: str) -> None:
        self.database_url = database_url
        self.secret = secret
        self.pool: Any = None
        self.sqlite: SqliteDriver | None = None
        self.snapshot: Snapshot | None = None
        self.decisions: dict[tuple[tuple[int, int], frozenset[str], str], Access] = {}

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        url = self.database_url
        if url.startswith("sqlite"):
            self.sqlite = SqliteDriver(url.split(":///", 1)[1])
        else:
            dsn = re.sub(r"^postgresql\+asyncpg://", "postgresql://", url)
            self.pool = await asyncpg.create_pool(
                dsn, min_size=2, max_size=10, server_settings={"timezone": "UTC"}
            )

    async def stop(self) -> None:
        if self.pool is not None:
            await self.pool.close()
        if self.sqlite is not None:
            self.sqlite.connection.close()

    # ------------------------------------------------------------ ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["path"] == "/healthz":
            await _respond(send, 200, b'{"status":"ok"}')
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = dict(scope["headers"])
        try:
            request = json.loads(body)
            answer = await self.answer(
                request.get("operationName") or "",
                request.get("variables") or {},
                headers.get(b"authorization", b"").decode(),
            )
            status = 200
        except Refused as refused:
            status, answer = refused.status, refused.body
        await _respond(send, status, json.dumps(answer, separators=(",", ":")).encode())

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def answer(
        self, operation: str, variables: dict[str, Any], authorization: str
    ) -> dict[str, Any]:
        handler = HANDLERS.get(operation)
        if handler is None:
            raise Refused(400, {"errors": [{"message": f"unknown operation {operation!r}"}]})
        if self.sqlite is not None:
            return await handler(self, self.sqlite, variables, authorization)
        async with self.pool.acquire() as connection:
            return await handler(self, PgDriver(connection), variables, authorization)

    # ------------------------------------------------------------ authentication

    def _claims(self, authorization: str) -> tuple[str, int]:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _unauthenticated("Sign in first.")
        try:
            claims = jwt.decode(
                token.strip(),
                self.secret,
                algorithms=["HS256"],
                options={"require": ["sub", "exp"]},
            )
        except jwt.InvalidTokenError:
            raise _unauthenticated("The bearer token is not valid.") from None
        kind = claims.get("kind")
        pk = decode_id(str(claims["sub"]), "Contact" if kind == "contact" else "StaffMember")
        if kind not in ("contact", "staff") or pk is None:
            raise _unauthenticated("The bearer token is not valid.")
        return kind, pk

    async def staff(self, db: Driver, authorization: str) -> Staff:
        kind, pk = self._claims(authorization)
        rows = await db.fetch(sql.STAFF, pk) if kind == "staff" else []
        if not rows or not rows[0][2]:
            raise _unauthenticated("This account can no longer sign in.")
        return Staff(rows[0][0], rows[0][1])

    async def contact(self, db: Driver, authorization: str) -> Contact:
        """The contact, its segments and what its audiences admit (two statements, plus two
        more when the access version changed since the last request)."""
        kind, pk = self._claims(authorization)
        rows = await db.fetch(sql.CONTACT, pk) if kind == "contact" else []
        if not rows or rows[0][3] != "ACTIVE":
            raise _unauthenticated("This account can no longer sign in.")
        cid, partner_id, role, _, email, name, version, epoch = rows[0]
        segments = [(k, n, s) for k, n, s in await db.fetch(sql.SEGMENTS, partner_id, cid)]
        snapshot = self.snapshot
        if snapshot is None or snapshot.stamp != (version, epoch):
            snapshot = self.snapshot = await self._load_snapshot(db, (version, epoch))
            self.decisions.clear()
        keys = frozenset(k for k, _, _ in segments)
        memo = (snapshot.stamp, keys, role)
        access = self.decisions.get(memo)
        if access is None:
            access = self.decisions[memo] = Access(
                matched=sorted(i for i, s in snapshot.audiences.items() if s.matches(keys, role)),
                hidden=frozenset(
                    f for f, s in snapshot.fields.items() if not s.matches(keys, role)
                ),
                actions={
                    a: s is None or s.matches(keys, role) for a, s in snapshot.actions.items()
                },
            )
        return Contact(cid, partner_id, role, email, name, segments, access)

    async def _load_snapshot(self, db: Driver, stamp: tuple[int, int]) -> Snapshot:
        audiences = {
            row[0]: Spec(*(frozenset(document(v)) for v in row[1:]))
            for row in await db.fetch(sql.AUDIENCES)
        }
        actions: dict[str, Spec | None] = {
            a: ADMINS_ONLY if a in ADMIN_DEFAULT else None for a in ACTIONS
        }
        fields: dict[str, Spec] = {}
        for kind, name, audience_id in await db.fetch(sql.POLICIES):
            spec = audiences.get(audience_id) if audience_id is not None else None
            if kind == "action":
                actions[name] = spec
            elif spec is not None:
                fields[name] = spec
        return Snapshot(stamp, audiences, actions, fields)


async def _respond(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _with_hidden(data: dict[str, Any], seen: set[str]) -> dict[str, Any]:
    """The response, with `extensions.hiddenFields` as PartnerScope notes them."""
    body: dict[str, Any] = {"data": data}
    if seen:
        body["extensions"] = {"hiddenFields": sorted(seen)}
    return body


def _hide(access: Access, type_name: str, fields: Sequence[str], seen: set[str]) -> set[str]:
    hidden = {f for f in fields if f"{type_name}.{f}" in access.hidden}
    seen.update(f"{type_name}.{f}" for f in hidden)
    return hidden


# ---------------------------------------------------------------- the workloads


def _partner_node(row: Row) -> dict[str, Any]:
    pid, name, kind, tier, region, country, phase, joined = row[:8]
    return {
        "id": encode_id("Partner", pid),
        "name": name,
        "type": kind,
        "tier": tier,
        "region": region,
        "country": country,
        "phase": phase,
        "joinedAt": instant(joined),
    }


def _contact_edges(rows: Sequence[Row]) -> list[dict[str, Any]]:
    return [
        {
            "node": {
                "id": encode_id("Contact", cid),
                "name": name,
                "email": email,
                "role": role,
                "title": title,
            }
        }
        for cid, name, email, role, title in rows
    ]


async def staff_partners(floor: Floor, db: Driver, _v: dict[str, Any], auth: str) -> Any:
    await floor.staff(db, auth)
    rows = await db.fetch(sql.PARTNER_PAGE, 100)
    total = rows[0][8] if rows else 0
    edges = [{"node": _partner_node(row)} for row in rows]
    return {"data": {"partners": {"totalCount": total, "edges": edges}}}


async def staff_partner(floor: Floor, db: Driver, variables: dict[str, Any], auth: str) -> Any:
    await floor.staff(db, auth)
    pk = decode_id(str(variables.get("id", "")), "Partner")
    rows = await db.fetch(sql.PARTNER, pk) if pk is not None else []
    if not rows:
        return {"data": {"partner": None}}
    partner = _partner_node(rows[0])
    contacts = await db.fetch(sql.CONTACT_PAGE, pk, 20)
    partner["contacts"] = {"edges": _contact_edges(contacts)}
    return {"data": {"partner": partner}}


async def contact_home(floor: Floor, db: Driver, _v: dict[str, Any], auth: str) -> Any:
    viewer = await floor.contact(db, auth)
    seen: set[str] = set()
    partner_fields = ("externalId", "country", "verticals")
    hidden = _hide(viewer.access, "Partner", partner_fields, seen)
    rows = await db.fetch(sql.PARTNER, viewer.partner_id)
    contacts = await db.fetch(sql.CONTACT_PAGE, viewer.partner_id, 20)
    row = rows[0]
    partner = _partner_node(row)
    partner["externalId"] = None if "externalId" in hidden else row[8]
    partner["verticals"] = [] if "verticals" in hidden else document(row[9])
    if "country" in hidden:
        partner["country"] = None
    contact_hidden = _hide(viewer.access, "Contact", ("title",), seen) if contacts else set()
    edges = _contact_edges(contacts)
    if contact_hidden:
        for edge in edges:
            edge["node"]["title"] = None
    partner["contacts"] = {"edges": edges}
    data = {
        "viewer": {
            "id": encode_id("Contact", viewer.id),
            "kind": "CONTACT",
            "email": viewer.email,
            "name": viewer.name,
            "contactRole": viewer.role,
            "partner": partner,
        }
    }
    return _with_hidden(data, seen)


async def portal_home(floor: Floor, db: Driver, variables: dict[str, Any], auth: str) -> Any:
    return await _portal_home(floor, db, auth, with_count=True)


async def portal_home_without_count(floor: Floor, db: Driver, _v: dict[str, Any], auth: str) -> Any:
    """The same page without assets.totalCount (the benchmark's scaling curves)."""
    return await _portal_home(floor, db, auth, with_count=False)


async def _portal_home(floor: Floor, db: Driver, auth: str, *, with_count: bool) -> Any:
    viewer = await floor.contact(db, auth)
    access = viewer.access
    matched = access.matched
    now = datetime.now(UTC)
    tabs = await db.fetch(sql.TABS, matched)
    pages = await db.fetch(sql.HOMEPAGE, matched)
    enrolments = await db.fetch(sql.ENROLMENTS, viewer.id)
    goals = await db.fetch(sql.GOALS, matched, viewer.partner_id)
    announcements = await db.fetch(sql.ANNOUNCEMENTS, matched, now, 10)
    assets = await db.fetch(sql.ASSETS if with_count else sql.ASSET_PAGE, matched, 20)
    hidden_subjects = {
        subject
        for subject, field in (("PARTNER", "Partner.segments"), ("CONTACT", "Contact.segments"))
        if field in access.hidden
    }
    progress = []
    for _, name, metric, target_cents, start, end, raw in goals:
        target = Decimal(target_cents) * CENT
        number = Decimal(int(raw or 0))
        value = (number * CENT).quantize(CENT) if metric == "REVENUE_WON" else number
        progress.append(
            {
                "goal": {
                    "name": name,
                    "metric": metric,
                    "target": str(target.quantize(CENT)),
                    "periodStart": day(start),
                    "periodEnd": day(end),
                },
                "value": str(value),
                "attainment": float(value / target) if target > 0 else 0.0,
            }
        )
    data: dict[str, Any] = {
        "viewer": {
            "navigation": [{"key": k, "label": label, "path": p} for k, label, p in tabs],
            "homepage": {"key": pages[0][0], "title": pages[0][1], "body": pages[0][2]}
            if pages
            else None,
            "capabilities": {
                "createQuote": access.actions["CREATE_QUOTE"],
                "registerDeal": access.actions["REGISTER_DEAL"],
                "editPartnerProfile": access.actions["EDIT_PARTNER_PROFILE"],
                "manageTeam": access.actions["MANAGE_TEAM"],
            },
            "segments": [
                {"key": k, "name": n} for k, n, s in viewer.segments if s not in hidden_subjects
            ],
            "enrollments": [
                {"status": status, "progress": p, "course": {"key": key, "title": title}}
                for status, p, key, title in enrolments
            ],
            "goals": progress,
        },
        "announcements": {
            "edges": [
                {
                    "node": {
                        "id": encode_id("Announcement", aid),
                        "title": title,
                        "body": body,
                        "publishAt": instant(at),
                    }
                }
                for aid, title, body, at in announcements
            ]
        },
        "assets": {
            "edges": [
                {"node": {"id": encode_id("Asset", a), "title": t, "kind": k, "url": u}}
                for a, t, k, u, *_ in assets
            ],
        },
    }
    if with_count:
        data["assets"]["totalCount"] = (
            assets[0][4] if assets else (await db.fetch(sql.ASSET_COUNT, matched))[0][0]
        )
    return {"data": data}


async def contact_deals(floor: Floor, db: Driver, _v: dict[str, Any], auth: str) -> Any:
    viewer = await floor.contact(db, auth)
    seen: set[str] = set()
    if viewer.role == "ADMIN":
        rows = await db.fetch(sql.COMPANY_DEALS, viewer.partner_id, 50)
    else:
        rows = await db.fetch(sql.OWN_DEALS, viewer.partner_id, viewer.id, 50)
    guarded = ("recordType", "customerName", "amount", "closeDate", "exclusivityUntil")
    hidden = _hide(viewer.access, "Deal", guarded, seen) if rows else set()
    edges = []
    for did, record_type, customer, amount, close, stage, exclusive, created, _ in rows:
        node = {
            "id": encode_id("Deal", did),
            "recordType": record_type,
            "customerName": customer,
            "stage": stage,
            "amount": None if "amount" in hidden else money(amount),
            "closeDate": None if "closeDate" in hidden else day(close),
            "exclusivityUntil": None if "exclusivityUntil" in hidden else day(exclusive),
            "createdAt": instant(created),
        }
        edges.append({"node": node})
    total = rows[0][8] if rows else 0
    return _with_hidden({"deals": {"totalCount": total, "edges": edges}}, seen)


Handler = Callable[[Floor, Driver, dict[str, Any], str], Awaitable[dict[str, Any]]]
HANDLERS: dict[str, Handler] = {
    "StaffPartners": staff_partners,
    "StaffPartner": staff_partner,
    "ContactHome": contact_home,
    "PortalHome": portal_home,
    "PortalHomeWithoutCount": portal_home_without_count,
    "ContactDeals": contact_deals,
}


def create_app() -> Floor:
    """The app for `uvicorn --factory` (settings from the environment, as PartnerScope's)."""
    return Floor(os.environ["PARTNERSCOPE_DATABASE_URL"], os.environ["PARTNERSCOPE_SECRET_KEY"])
