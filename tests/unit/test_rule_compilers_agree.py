"""The SQL and Python rule compilers are one meaning: they select exactly the same subjects.

Bulk recompute and previews run the SQL compiler; data changes and explanations run the
Python one. A hypothesis property generates small populations (every field kind, missing
values, values on and one step either side of the ones rules compare with) and random valid
rules over them, and holds the two equal on whatever database the suite runs on (SQLite, or
PostgreSQL with PARTNERSCOPE_TEST_DATABASE_URL).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalogue import (
    DEFAULT_PICKLISTS,
    AttributeSubject,
    AttributeType,
    Catalogue,
    coerce_attribute,
    define_attribute,
    load_catalogue,
)
from domain.db import Database
from domain.errors import DomainError
from domain.models import (
    Contact,
    ContactCertification,
    Course,
    Enrollment,
    Partner,
    PartnerMetrics,
    Segment,
    SegmentMember,
)
from domain.principal import ContactRole, ContactStatus
from domain.segments import codegen, python, rules
from domain.segments import facts as load
from domain.segments import readable as declared
from domain.segments.codegen import reader
from domain.segments.facts import Facts
from domain.segments.readable import OPERATORS, Kind, Subject, known_paths, resolve
from domain.segments.sql import SqlCompiler

T = TypeVar("T")
NOW = datetime(2024, 6, 15, 12, 30, tzinfo=UTC)
TODAY = NOW.date()
MIDNIGHT = datetime.combine(TODAY, time.min, tzinfo=UTC)
# Letters whose lower() is the same in Python and PostgreSQL (SQLite lowers with Python),
# both LIKE wildcards, the escape characters of SQLAlchemy's autoescape and PostgreSQL's
# LIKE, and a space.
ALPHABET = "aAbBzZ%_ éÉüÜ0/\\"
ATTRIBUTE_KEYS = {
    AttributeType.STRING: "text",
    AttributeType.NUMBER: "number",
    AttributeType.BOOLEAN: "flag",
    AttributeType.DATE: "day",
    AttributeType.STRING_LIST: "tags",
}
PARTNER_SEGMENTS = {"partners-one": 9001, "partners-two": 9002}
CONTACT_SEGMENTS = {"contacts-one": 9003}
KNOWN_SEGMENTS = {
    **{key: rules.KnownSegment(pk, Subject.PARTNER) for key, pk in PARTNER_SEGMENTS.items()},
    **{key: rules.KnownSegment(pk, Subject.CONTACT) for key, pk in CONTACT_SEGMENTS.items()},
}
RULES_PER_EXAMPLE = 3  # nested rules, each run as its own query
CONDITIONS_PER_EXAMPLE = 10  # single conditions, run together in one query
MAX_DEPTH = 4
MAX_PARTNERS = 8
HYPOTHESIS = settings(
    max_examples=800,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ---------------------------------------------------------------- data values

texts = st.text(alphabet=ALPHABET, max_size=4)
short_texts = st.text(alphabet=ALPHABET, max_size=2)
booleans = st.booleans()
needles = st.text(alphabet=ALPHABET, min_size=1, max_size=3)
keys = st.text(alphabet="aAé%_", max_size=2)  # certifications, courses, verticals, tags
key_lists = st.lists(keys, max_size=3, unique=True)
# Instants around now and around today's UTC midnight: a day and a microsecond either side.
moments = st.builds(
    lambda anchor, days, micros: anchor + timedelta(days=days, microseconds=micros),
    st.sampled_from((NOW, MIDNIGHT)),
    st.integers(-4, 3),
    st.sampled_from((0, -1, 1)),
)
days = st.integers(-4, 3).map(lambda n: TODAY + timedelta(days=n))
counts = st.integers(0, 3)
day_counts = st.sampled_from((0, 1, 2, 3, 36_500))
money = st.sampled_from((0, 1, 99, 100, 101, 25050)).map(lambda c: Decimal(c) / 100)
rates = st.sampled_from((0.0, 0.1, 0.25, 0.5, 1.0, 1.5, 0.30000000000000004))
attribute_numbers = st.sampled_from((0, 1, 2, -1, 0.5, 1.5, 0.1, "2.50", 1e3))
ATTRIBUTE_VALUES: dict[AttributeType, st.SearchStrategy[Any]] = {
    AttributeType.STRING: texts,
    AttributeType.NUMBER: attribute_numbers,
    AttributeType.BOOLEAN: booleans,
    AttributeType.DATE: days,
    AttributeType.STRING_LIST: st.lists(keys, max_size=3),
}
PICKLISTS = {
    name: st.sampled_from([value for value, _ in entries])
    for name, entries in DEFAULT_PICKLISTS.items()
}
roles = st.sampled_from([r.value for r in ContactRole])
statuses = st.sampled_from([s.value for s in ContactStatus])
ENROLLMENT_STATUSES = ("ENROLLED", "IN_PROGRESS", "COMPLETED")
_ranges: dict[tuple[int, int], st.SearchStrategy[int]] = {}


def number(draw: st.DrawFn, low: int, high: int) -> int:
    """A whole number in [low, high] (strategies kept, as thousands of draws reuse them)."""
    strategy = _ranges.get((low, high))
    if strategy is None:
        strategy = _ranges[low, high] = st.integers(low, high)
    return draw(strategy)


def choose(draw: st.DrawFn, choices: Sequence[T]) -> T:
    return choices[number(draw, 0, len(choices) - 1)]


def absent(draw: st.DrawFn) -> bool:
    """A nullable value is missing one time in four."""
    return number(draw, 0, 3) == 0


def maybe(draw: st.DrawFn, strategy: st.SearchStrategy[T]) -> T | None:
    return None if absent(draw) else draw(strategy)


@st.composite
def attributes(draw: st.DrawFn) -> dict[str, Any]:
    """Custom attribute values as the catalogue stores them; a missing one is an absent key."""
    found = {}
    for kind, key in ATTRIBUTE_KEYS.items():
        raw = maybe(draw, ATTRIBUTE_VALUES[kind])
        if raw is not None:
            found[key] = coerce_attribute(kind, raw)
    return found


custom_attributes = attributes()


# ---------------------------------------------------------------- populations


@dataclass
class Population:
    partners: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    certifications: list[dict[str, Any]] = field(default_factory=list)
    courses: dict[str, int] = field(default_factory=dict)  # course key -> id
    enrollments: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)


@st.composite
def populations(draw: st.DrawFn, partners: tuple[int, int], contacts: bool) -> Population:
    """Partners, most with metrics, each with 0-4 contacts (if `contacts`) holding
    certifications and courses; random members of the partner and contact segments."""
    world = Population()
    for partner_id in range(1, number(draw, *partners) + 1):
        world.partners.append(
            {
                "id": partner_id,
                "name": draw(texts),
                "type": draw(PICKLISTS["partner.type"]),
                "tier": draw(PICKLISTS["partner.tier"]),
                "region": draw(PICKLISTS["partner.region"]),
                "country": maybe(draw, short_texts),
                "phase": draw(PICKLISTS["partner.phase"]),
                "verticals": draw(key_lists),
                "joined_at": draw(moments),
                "attributes": draw(custom_attributes),
            }
        )
        if not absent(draw):
            world.metrics.append(
                {
                    "partner_id": partner_id,
                    "won_revenue_12m": draw(money),
                    "open_pipeline": draw(money),
                    "deals_won_12m": draw(counts),
                    "deals_registered_90d": draw(counts),
                    "certified_contacts": draw(counts),
                    "training_completion_rate": draw(rates),
                    "engagement_score": draw(rates),
                }
            )
        for segment_id in PARTNER_SEGMENTS.values():
            if draw(booleans):
                world.members.append({"segment_id": segment_id, "subject_id": partner_id})
        for _ in range(number(draw, 0, 4) if contacts else 0):
            contact_id = len(world.contacts) + 1
            world.contacts.append(
                {
                    "id": contact_id,
                    "partner_id": partner_id,
                    # '+' is not in the alphabet, so the contact number keeps emails unique.
                    "email": f"{draw(texts)}+{contact_id}@{draw(texts)}",
                    "name": "Pat",
                    "role": draw(roles),
                    "status": draw(statuses),
                    "title": maybe(draw, texts),
                    "last_login_at": maybe(draw, moments),
                    "created_at": draw(moments),
                    "attributes": draw(custom_attributes),
                }
            )
            for key in draw(key_lists):
                world.certifications.append(
                    {"contact_id": contact_id, "certification_key": key, "source": "MANUAL"}
                )
            for key in draw(key_lists):
                course_id = world.courses.setdefault(key, len(world.courses) + 1)
                world.enrollments.append(
                    {
                        "course_id": course_id,
                        "contact_id": contact_id,
                        "progress": 0.5,
                        # Only completed enrolments are completed courses.
                        "status": choose(draw, ENROLLMENT_STATUSES),
                        "enrolled_at": NOW,
                    }
                )
            for segment_id in CONTACT_SEGMENTS.values():
                if draw(booleans):
                    world.members.append({"segment_id": segment_id, "subject_id": contact_id})
    return world


@pytest.fixture
async def catalogue(db: Database) -> Catalogue:
    """Custom attributes of every type for both subjects, and the segments rules may name:
    declared once per test function (all its examples share them; `db` removes them)."""
    async with db.write() as session:
        for subject in (AttributeSubject.PARTNER, AttributeSubject.CONTACT):
            for kind, key in ATTRIBUTE_KEYS.items():
                await define_attribute(session, subject, key, kind, None)
        await session.execute(
            insert(Segment),
            [
                {"id": known.id, "key": key, "name": key, "subject": known.subject.value}
                for key, known in KNOWN_SEGMENTS.items()
            ],
        )
        return await load_catalogue(session)


async def run(session: AsyncSession, statement: Any) -> Any:
    """Execute on the session's connection, skipping the ORM's per-statement work; every
    generated rule is new, so caching its compiled form would only cost time."""
    connection = await session.connection()
    return await connection.execute(statement, execution_options={"compiled_cache": None})


async def store(db: Database, world: Population) -> None:
    async with db.write() as session:
        for model, rows in (
            (Partner, world.partners),
            (PartnerMetrics, world.metrics),
            (Contact, world.contacts),
            (ContactCertification, world.certifications),
            (Course, [{"id": i, "key": k, "title": k} for k, i in world.courses.items()]),
            (Enrollment, world.enrollments),
            (SegmentMember, world.members),
        ):
            if rows:
                await (await session.connection()).execute(insert(model.__table__), rows)


async def forget(db: Database, world: Population) -> None:
    """The `db` fixture cleans once per test function; hypothesis runs many examples in one."""
    async with db.write() as session:
        for model, rows in (
            (SegmentMember, world.members),
            (Enrollment, world.enrollments),
            (Course, list(world.courses)),
            (ContactCertification, world.certifications),
            (Contact, world.contacts),
            (PartnerMetrics, world.metrics),
            (Partner, world.partners),
        ):
            if rows:
                await (await session.connection()).execute(delete(model.__table__))


async def facts_of(session: AsyncSession, subject: Subject) -> dict[int, Facts]:
    """Facts for every subject, assembled the way membership.py assembles them."""
    partner_rows, metric_rows = await load.partners(session, range(1, MAX_PARTNERS + 1))
    partner_held = await load.memberships(
        session, list(PARTNER_SEGMENTS.values()), list(partner_rows)
    )
    if subject is Subject.PARTNER:
        return {
            pk: Facts(partner=row, metrics=metric_rows.get(pk), partner_segments=partner_held[pk])
            for pk, row in partner_rows.items()
        }
    contact_rows = await load.contacts_of(session, list(partner_rows))
    held = await load.held(session, declared.keyed(declared.BUILT_IN), list(contact_rows))
    contact_held = await load.memberships(
        session, list(CONTACT_SEGMENTS.values()), list(contact_rows)
    )
    return {
        pk: Facts(
            partner=partner_rows[row.partner_id],
            metrics=metric_rows.get(row.partner_id),
            contact=row,
            held=load.held_by(held, pk),
            partner_segments=partner_held[row.partner_id],
            contact_segments=contact_held[pk],
        )
        for pk, row in contact_rows.items()
    }


# ---------------------------------------------------------------- rules


@dataclass(frozen=True)
class Readable:
    """A field a rule may name, with the values the population holds there."""

    field: declared.Readable
    ops: tuple[str, ...]
    held: tuple[Any, ...]  # list fields: their elements


def readables(subject: Subject, catalogue: Catalogue, facts: Sequence[Facts]) -> list[Readable]:
    found = []
    for path in known_paths(subject, catalogue):
        resolved = resolve(path, subject, catalogue)
        assert resolved is not None
        read = reader(resolved)
        held: set[Any] = set()
        for one in facts:
            value = read(one)
            if isinstance(value, list | frozenset | set):
                held.update(value)
            elif value is not None:
                held.add(value)
        ops = tuple(sorted(OPERATORS[resolved.kind]))
        found.append(Readable(resolved, ops, tuple(sorted(held, key=repr))))
    return found


def instant(written: str) -> datetime:
    """When a rule's date or date-time value starts (a date starts at UTC midnight)."""
    if len(written) == 10:
        return datetime.combine(date.fromisoformat(written), time.min, tzinfo=UTC)
    moment = datetime.fromisoformat(written)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def written_moment(draw: st.DrawFn, moment: datetime) -> str:
    """The ways a rule may write a date-time: offsets, Z, naive UTC, or a whole UTC day."""
    minus_two = timezone(timedelta(hours=-2))
    return choose(
        draw,
        (
            moment.isoformat(),
            moment.isoformat().replace("+00:00", "Z"),
            moment.astimezone(minus_two).isoformat(),
            moment.replace(tzinfo=None).isoformat(),
            moment.date().isoformat(),
            moment.astimezone(minus_two).date().isoformat(),
        ),
    )


def written_day(draw: st.DrawFn, day: date) -> str:
    return choose(
        draw,
        (
            day.isoformat(),
            f"{day.isoformat()}T23:59:59.999999Z",
            datetime.combine(day, time(23), tzinfo=timezone(timedelta(hours=-2))).isoformat(),
        ),
    )


def written_number(draw: st.DrawFn, value: Any, kind: Kind) -> Any:
    """The number itself or one step away, as a JSON number or a numeric string."""
    exact = Decimal(str(value))
    if kind is Kind.INTEGER:
        whole = int(exact) + choose(draw, (0, 0, 1, -1))
        return choose(draw, (whole, str(whole), float(whole)))
    if kind is Kind.MONEY:
        amount = exact.quantize(Decimal("0.01")) + choose(draw, (0, 0, 1, -1)) * Decimal("0.01")
        return choose(draw, (str(amount), float(amount), f" {amount}"))
    number = choose(draw, (exact, exact, exact + Decimal("0.5"), exact / 2))
    return choose(draw, (float(number), str(number)))


def held_or_fresh(draw: st.DrawFn, held: Sequence[T], fresh: st.SearchStrategy[T]) -> T:
    """Mostly a value the population holds (so both outcomes happen), sometimes a fresh one."""
    return choose(draw, held) if held and not absent(draw) else draw(fresh)


def needle(draw: st.DrawFn, held: Sequence[str], prefix: bool) -> str:
    """Text to look for: a slice (or prefix) of a held value, in either case, or fresh text."""
    nonempty = [v for v in held if v]
    if not nonempty or absent(draw):
        return draw(needles)
    value = choose(draw, nonempty)
    start = 0 if prefix else number(draw, 0, len(value) - 1)
    cut = value[start : number(draw, start + 1, len(value))]
    return cut.swapcase() if draw(booleans) else cut


def scalar(draw: st.DrawFn, readable: Readable) -> Any:
    """One comparison value for the field, as a rule author would write it."""
    kind, held = readable.field.kind, readable.held
    if kind in (Kind.PICKLIST, Kind.ENUM, Kind.RANKED):
        return choose(draw, readable.field.choices)
    if kind is Kind.BOOLEAN:
        return draw(booleans)
    if kind is Kind.TEXT:
        text = held_or_fresh(draw, held, texts)
        return choose(draw, (text, text.swapcase(), text + "a", text[:-1]))
    if kind is Kind.DATETIME:
        nudge = timedelta(microseconds=choose(draw, (0, 0, 1, -1)))
        return written_moment(draw, held_or_fresh(draw, held, moments) + nudge)
    if kind is Kind.DATE:
        return written_day(draw, held_or_fresh(draw, [date.fromisoformat(d) for d in held], days))
    fresh = {Kind.INTEGER: counts, Kind.MONEY: money}.get(kind, rates)
    return written_number(draw, held_or_fresh(draw, held, fresh), kind)


def days_ago(readable: Readable) -> list[int]:
    """Day counts that put the cut-off right at (or within a microsecond of) held values."""
    if readable.field.kind is Kind.DATE:
        found = [(TODAY - date.fromisoformat(day)).days for day in readable.held]
    else:
        found = [round((NOW - moment) / timedelta(days=1)) for moment in readable.held]
    return sorted({n for n in found if n >= 0})


def ordered(readable: Readable, catalogue: Catalogue, low: Any, high: Any) -> list[Any]:
    kind = readable.field.kind
    key: Callable[[Any], Any]
    if kind is Kind.RANKED:
        picklist = readable.field.picklist or ""
        key = lambda v: catalogue.rank(picklist, v) or 0  # noqa: E731  (every value is ranked)
    elif kind is Kind.DATETIME:
        key = instant
    elif kind is Kind.DATE:
        key = lambda v: instant(v).date()  # noqa: E731
    else:
        key = lambda v: Decimal(str(v).strip())  # noqa: E731
    return sorted([low, high], key=key)


def condition(draw: st.DrawFn, readable: Readable, catalogue: Catalogue) -> dict[str, Any]:
    kind, held = readable.field.kind, readable.held
    op = choose(draw, readable.ops)
    value: Any
    if op == "exists":
        value = draw(booleans)
    elif op in ("withinLastDays", "olderThanDays"):
        value = held_or_fresh(draw, days_ago(readable), day_counts)
    elif kind is Kind.LIST:
        items = [held_or_fresh(draw, held, keys) for _ in range(number(draw, 1, 3))]
        value = items[0] if op == "contains" else items
    elif op in ("contains", "startsWith"):
        value = needle(draw, held, prefix=op == "startsWith")
    elif op == "containsAny":
        value = [needle(draw, held, prefix=False) for _ in range(number(draw, 1, 3))]
    elif op in ("in", "notIn"):
        value = [scalar(draw, readable) for _ in range(number(draw, 1, 3))]
    elif op == "between":
        value = ordered(readable, catalogue, scalar(draw, readable), scalar(draw, readable))
    else:
        value = scalar(draw, readable)
    return {"field": readable.field.path, "op": op, "value": value}


SHAPES = ("leaf", "all", "any", "not")


@st.composite
def rule_trees(
    draw: st.DrawFn,
    subject: Subject,
    catalogue: Catalogue,
    fields: Sequence[Readable],
    max_depth: int = MAX_DEPTH,
) -> Any:
    """A valid rule: conditions on every readable field, segment references, all/any/not."""
    segment_keys = [
        key
        for key, known in KNOWN_SEGMENTS.items()
        if subject is Subject.CONTACT or known.subject is Subject.PARTNER
    ]

    def node(depth: int) -> Any:
        shape = choose(draw, SHAPES) if depth < max_depth else "leaf"
        if shape == "leaf":
            if number(draw, 0, 9) == 9:  # shrinks towards a condition
                return {"segment": choose(draw, segment_keys)}
            return condition(draw, choose(draw, fields), catalogue)
        if shape == "not":
            return {"not": node(depth + 1)}
        return {shape: [node(depth + 1) for _ in range(number(draw, 1, 3))]}

    return node(0)


# ---------------------------------------------------------------- the check


def parse(rule: Any, subject: Subject, catalogue: Catalogue) -> rules.Node:
    try:
        return rules.parse(rule, subject, catalogue, KNOWN_SEGMENTS)
    except DomainError as exc:  # the strategies write only valid rules
        raise AssertionError(f"generated an invalid rule {rule}: {exc.problems}") from exc


async def selected_by_sql(session: AsyncSession, subject: Subject, node: rules.Node) -> set[int]:
    compiler = SqlCompiler(subject, session.get_bind().dialect.name, NOW)
    query = compiler.base(node).where(compiler.compile(node))
    return set((await run(session, query)).scalars())


def selected_by_python(node: rules.Node, facts: dict[int, Facts]) -> set[int]:
    predicate = codegen.compile_rule(node)
    return {pk for pk, one in facts.items() if predicate(one, NOW)}


def disagreement(
    rule: Any, node: rules.Node, facts: dict[int, Facts], sql: set[int], py: set[int]
) -> str:
    """Which subjects the compilers disagree on, with the Python explanation of each."""
    lines = [f"rule: {json.dumps(rule, ensure_ascii=False)}"]
    for pk in sorted(sql ^ py):
        lines.append(f"subject {pk}: SQL says {pk in sql}, Python says {pk in py}")
        _, trace = python.explain(node, facts[pk], NOW)
        lines += [f"  {t.pointer or '/'}: {t.result} ({t.detail})" for t in trace]
    return "\n".join(lines)


def is_leaf(node: rules.Node) -> bool:
    return isinstance(node, rules.Condition | rules.SegmentRef)


def written(leaf: rules.Node) -> dict[str, Any]:
    if isinstance(leaf, rules.SegmentRef):
        return {"segment": leaf.key}
    assert isinstance(leaf, rules.Condition)
    return {"field": leaf.field.path, "op": leaf.op, "value": leaf.raw}


async def each_by_sql(
    session: AsyncSession, subject: Subject, nodes: Sequence[rules.Node]
) -> dict[int, list[Any]]:
    """Every node's SQL value for every subject, from one query (one column per node)."""
    compiler = SqlCompiler(subject, session.get_bind().dialect.name, NOW)
    query = compiler.base(rules.All((), tuple(nodes)))
    rows = await run(session, query.add_columns(*(compiler.compile(n) for n in nodes)))
    return {pk: list(values) for pk, *values in rows}


async def assert_compilers_agree(
    db: Database, catalogue: Catalogue, subject: Subject, data: st.DataObject
) -> None:
    async with db.read() as session:
        facts = await facts_of(session, subject)
        fields = readables(subject, catalogue, list(facts.values()))
        nested = rule_trees(subject, catalogue, fields)
        single = rule_trees(subject, catalogue, fields, max_depth=0)
        leaves: list[tuple[Any, rules.Node]] = []
        for _ in range(RULES_PER_EXAMPLE):
            rule = data.draw(nested, label="rule")
            node = parse(rule, subject, catalogue)
            sql = await selected_by_sql(session, subject, node)
            py = selected_by_python(node, facts)
            assert sql == py, disagreement(rule, node, facts, sql, py)
            explained = {pk for pk, one in facts.items() if python.explain(node, one, NOW)[0]}
            assert explained == py, f"explain and compile_rule disagree on {rule}"
            leaves += [(written(leaf), leaf) for leaf in rules.walk(node) if is_leaf(leaf)]
        for _ in range(CONDITIONS_PER_EXAMPLE):
            rule = data.draw(single, label="condition")
            leaves.append((rule, parse(rule, subject, catalogue)))
        # Each condition alone, where no all/any/not can hide a wrong answer.
        by_sql = await each_by_sql(session, subject, [leaf for _, leaf in leaves])
        assert set(by_sql) == set(facts)
        for i, (rule, leaf) in enumerate(leaves):
            assert all(values[i] is not None for values in by_sql.values()), (
                f"SQL answers NULL (neither true nor false) for {rule}"
            )
            sql = {pk for pk, values in by_sql.items() if values[i]}
            py = selected_by_python(leaf, facts)
            assert sql == py, disagreement(rule, leaf, facts, sql, py)


# ---------------------------------------------------------------- the properties


@HYPOTHESIS
@given(world=populations(partners=(3, MAX_PARTNERS), contacts=False), data=st.data())
async def test_sql_and_python_select_the_same_partners(
    db: Database, catalogue: Catalogue, world: Population, data: st.DataObject
) -> None:
    await store(db, world)
    try:
        await assert_compilers_agree(db, catalogue, Subject.PARTNER, data)
    finally:
        await forget(db, world)


@HYPOTHESIS
@given(world=populations(partners=(2, 4), contacts=True), data=st.data())
async def test_sql_and_python_select_the_same_contacts(
    db: Database, catalogue: Catalogue, world: Population, data: st.DataObject
) -> None:
    await store(db, world)
    try:
        await assert_compilers_agree(db, catalogue, Subject.CONTACT, data)
    finally:
        await forget(db, world)


# ---------------------------------------------------------------- regressions found by the above


def partner_row(partner_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": partner_id,
        "name": f"Partner {partner_id}",
        "type": "MSP",
        "tier": "GOLD",
        "region": "EMEA",
        "country": "DE",
        "phase": "ACTIVE",
        "verticals": [],
        "joined_at": NOW,
        "attributes": {},
        **fields,
    }


def contact_row(contact_id: int, partner_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": contact_id,
        "partner_id": partner_id,
        "email": f"pat{contact_id}@example.com",
        "name": "Pat",
        "role": "ADMIN",
        "status": "ACTIVE",
        "title": None,
        "last_login_at": None,
        "created_at": NOW,
        "attributes": {},
        **fields,
    }


@pytest.mark.parametrize(
    ("subject", "rule"),
    [
        (Subject.PARTNER, {"field": "partner.verticals", "op": "contains", "value": "cloud"}),
        (
            Subject.PARTNER,
            {"field": "partner.attributes.tags", "op": "containsAny", "value": ["x", "gold"]},
        ),
        (Subject.CONTACT, {"field": "contact.attributes.tags", "op": "contains", "value": "gold"}),
        (Subject.CONTACT, {"field": "partner.verticals", "op": "containsAny", "value": ["cloud"]}),
    ],
    ids=["verticals", "partner-attribute", "contact-attribute", "verticals-of-contacts"],
)
async def test_list_membership_in_sql_finds_a_held_item(
    db: Database, catalogue: Catalogue, subject: Subject, rule: dict[str, Any]
) -> None:
    """PostgreSQL JSON-encoded the wanted item twice (a JSON string no array contains)."""
    # given
    await store(
        db,
        Population(
            partners=[
                partner_row(1, verticals=["cloud", "edge"], attributes={"tags": ["gold"]}),
                partner_row(2, verticals=["edge"], attributes={"tags": ["silver"]}),
            ],
            contacts=[
                contact_row(1, 1, attributes={"tags": ["gold", "new"]}),
                contact_row(2, 2, attributes={"tags": ["silver"]}),
            ],
        ),
    )
    # when
    async with db.read() as session:
        selected = await selected_by_sql(session, subject, parse(rule, subject, catalogue))
    # then
    assert selected == {1}
