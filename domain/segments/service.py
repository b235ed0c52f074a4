"""Creating, changing and deleting segments; previews and explanations."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audiences, certifications, ids, validation
from domain.clock import utcnow
from domain.errors import DomainError, ErrorCode, Problems
from domain.models import (
    MembershipEvent,
    Segment,
    SegmentDependency,
    SegmentManager,
    SegmentMember,
    SegmentOverride,
    StaffMember,
)
from domain.principal import StaffRole
from domain.segments import facts as load
from domain.segments import rules
from domain.segments.index import SegmentIndex, bump_version, load_index, lock_catalogue
from domain.segments.moves import Cause
from domain.segments.readable import SUBJECT_TYPES, Subject
from domain.segments.recompute import recompute_many

KEY_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # whole key (fullmatch)
MAX_KEY = 64
MAX_NAME = 200
MAX_DESCRIPTION = 2000
MAX_LIST = 10_000


@dataclass(frozen=True)
class Saved:
    segment: Segment
    joined: int
    left: int


def _known_with(index: SegmentIndex, key: str, subject: Subject) -> dict[str, rules.KnownSegment]:
    known = index.known()
    known.setdefault(key, rules.KnownSegment(-1, subject))  # a new segment naming itself
    return known


def _check_cycles(index: SegmentIndex, node: rules.Node, own_id: int, problems: Problems) -> None:
    """A reference to a segment that (transitively) refers back to this one loops."""
    for ref in (n for n in rules.walk(node) if isinstance(n, rules.SegmentRef)):
        if ref.segment_id in (own_id, -1) or (
            own_id > 0 and ref.segment_id in set(index.with_dependents([own_id]))
        ):
            problems.add(
                ErrorCode.CYCLE,
                f'Segment "{ref.key}" depends on this segment, so referring to it would loop.',
                "rule",
                *ref.pointer,
                "segment",
            )


async def _subject_ids(
    session: AsyncSession, subject: Subject, values: Any, problems: Problems, name: str
) -> list[int]:
    type_name, model = SUBJECT_TYPES[subject]
    if not isinstance(values, list):
        return []
    if len(values) > MAX_LIST:
        problems.add(ErrorCode.TOO_MANY, f"At most {MAX_LIST} ids; got {len(values)}.", name)
        return []
    decoded = [ids.decode_as(v, type_name) for v in values]
    wanted = {pk for pk in decoded if pk is not None}
    found = set()
    for part in load.chunks(wanted):
        found |= set(await session.scalars(select(model.id).where(model.id.in_(part))))
    for i, pk in enumerate(decoded):
        if pk is None or pk not in found:
            problems.add(
                ErrorCode.NOT_FOUND, f"No {type_name.lower()} with id {values[i]!r}.", name, i
            )
    return list(dict.fromkeys(pk for pk in decoded if pk is not None))


async def _manager_ids(session: AsyncSession, values: Any, problems: Problems) -> list[int]:
    decoded = [ids.decode_as(v, "StaffMember") for v in values or []]
    staff = {
        s.id: s
        for s in await session.scalars(
            select(StaffMember).where(StaffMember.id.in_([d for d in decoded if d is not None]))
        )
    }
    for i, pk in enumerate(decoded):
        member = staff.get(pk) if pk is not None else None
        if member is None:
            problems.add(
                ErrorCode.NOT_FOUND, f"No staff member with id {values[i]!r}.", "managerIds", i
            )
        elif member.role != StaffRole.CHANNEL_MANAGER:
            problems.add(
                ErrorCode.INVALID_VALUE,
                f"{member.email} is a {member.role}; segment managers are CHANNEL_MANAGER staff.",
                "managerIds",
                i,
            )
    return list(dict.fromkeys(pk for pk in decoded if pk is not None))


async def _replace(
    session: AsyncSession, model: Any, segment_id: int, rows: list[dict[str, Any]], **where: Any
) -> None:
    query = delete(model).where(model.segment_id == segment_id)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    await session.execute(query)
    if rows:
        session.add_all(model(segment_id=segment_id, **row) for row in rows)


def is_key(value: Any) -> bool:
    """Whether `value` is a well-formed segment key (only such keys are ever looked up)."""
    return isinstance(value, str) and len(value) <= MAX_KEY and bool(KEY_PATTERN.fullmatch(value))


async def _locked(session: AsyncSession, key: str) -> Segment:
    """The segment with `key`, locked for writing, or NOT_FOUND."""
    segment = None
    if is_key(key):
        segment = await session.scalar(select(Segment).where(Segment.key == key).with_for_update())
    if segment is None:
        shown = f"key {key!r}" if is_key(key) else "this key"
        raise DomainError.one(ErrorCode.NOT_FOUND, f"No segment with {shown}.", ["key"])
    return segment


@dataclass
class _Definition:
    """A segment's validated key, subject, name and description (before rule and lists)."""

    key: str
    subject: Subject
    name: str
    description: str | None


def _definition(
    index: SegmentIndex, segment: Segment | None, patch: Mapping[str, Any], problems: Problems
) -> _Definition | None:
    new_key = patch.get("key", segment.key if segment else None)
    if segment is None:
        if not is_key(new_key):
            problems.add(
                ErrorCode.REQUIRED if new_key is None else ErrorCode.INVALID_VALUE,
                f"key: lowercase letters, digits and single dashes, e.g. gold-emea (at most "
                f"{MAX_KEY}).",
                "key",
            )
        elif new_key in index.by_key:
            problems.add(ErrorCode.DUPLICATE, f"A segment with key {new_key!r} exists.", "key")
    elif new_key != segment.key:
        problems.add(
            ErrorCode.INVALID_VALUE,
            "A segment's key cannot change: audiences and rules refer to it.",
            "key",
        )
    subject_value = patch.get("subject", segment.subject if segment else None)
    subject = Subject(subject_value) if subject_value else None
    if subject is None:
        problems.add(ErrorCode.REQUIRED, "subject: PARTNER or CONTACT.", "subject")
    elif segment is not None and subject.value != segment.subject:
        problems.add(
            ErrorCode.INVALID_VALUE,
            "A segment's subject cannot change; create a new segment instead.",
            "subject",
        )
    name = patch.get("name", segment.name if segment else None)
    try:
        name = validation.text(name, max_length=MAX_NAME)
    except ValueError as exc:
        problems.add(
            ErrorCode.REQUIRED if name is None else ErrorCode.INVALID_VALUE, f"name: {exc}.", "name"
        )
    description = patch.get("description", segment.description if segment else None)
    if "description" in patch and description is not None:
        try:
            description = validation.text(
                description, max_length=MAX_DESCRIPTION, allow_empty=True, multiline=True
            )
        except ValueError as exc:
            problems.add(ErrorCode.INVALID_VALUE, f"description: {exc}.", "description")
    if problems or subject is None:
        return None
    return _Definition(new_key, subject, name, description)


async def _rule(
    session: AsyncSession,
    index: SegmentIndex,
    segment: Segment | None,
    definition: _Definition,
    rule: Any,
    problems: Problems,
) -> rules.Node | None:
    """The parsed rule (None: no rule), checked for loops through segments and grants."""
    if rule is None:
        return None
    own_id = segment.id if segment else -1
    try:
        node = rules.parse(
            rule,
            definition.subject,
            index.catalogue,
            _known_with(index, definition.key, definition.subject),
            ("input", "rule"),
        )
    except DomainError as exc:
        problems.items.extend(exc.problems)
        return None
    _check_cycles(index, node, own_id, problems)
    await certifications.check_rule(session, index, own_id, node, problems)
    return node


async def save_segment(session: AsyncSession, key: str | None, patch: Mapping[str, Any]) -> Saved:
    """Create (key None) or update a segment, then recompute what the change moves.

    `patch` uses SegmentInput names; omitted fields are unchanged.
    """
    problems = Problems(("input",))
    await lock_catalogue(session)
    index = await load_index(session)
    segment = await _locked(session, key) if key is not None else None
    definition = _definition(index, segment, patch, problems)
    problems.raise_if_any()
    assert definition is not None
    rule = patch.get("rule", segment.rule if segment else None)
    node = await _rule(session, index, segment, definition, rule, problems)
    subject = definition.subject
    include = await _subject_ids(session, subject, patch.get("include"), problems, "include")
    exclude = await _subject_ids(session, subject, patch.get("exclude"), problems, "exclude")
    managers = await _manager_ids(session, patch.get("managerIds"), problems)
    problems.raise_if_any()

    creating = segment is None
    rule_changed = "rule" in patch and patch["rule"] != (segment.rule if segment else None)
    lists_changed = "include" in patch or "exclude" in patch
    now = utcnow()
    if segment is None:
        segment = Segment(key=definition.key, subject=subject.value, created_at=now)
        session.add(segment)
    elif rule_changed or lists_changed or patch.keys() & {"name", "description", "managerIds"}:
        segment.version += 1
    segment.name, segment.description = definition.name, definition.description
    segment.rule = rule
    segment.reads = sorted(rules.reads(node)) if node is not None else []
    segment.time_dependent = node is not None and rules.is_time_dependent(node)
    segment.updated_at = now
    await session.flush()
    if rule_changed or creating:
        refs = rules.references(node) if node is not None else frozenset()
        await _replace(session, SegmentDependency, segment.id, [{"depends_on_id": r} for r in refs])
    for kind, name, chosen in (("INCLUDE", "include", include), ("EXCLUDE", "exclude", exclude)):
        if name in patch:
            rows = [{"kind": kind, "subject_id": s} for s in chosen]
            await _replace(session, SegmentOverride, segment.id, rows, kind=kind)
    if "managerIds" in patch:
        await _replace(session, SegmentManager, segment.id, [{"staff_id": m} for m in managers])
    await session.flush()
    if not (creating or rule_changed or lists_changed):
        return Saved(segment, 0, 0)
    await bump_version(session)
    cause = Cause.RULE_CHANGE if rule_changed else Cause.MANUAL
    moved = await recompute_many(session, await load_index(session), [segment.id], cause, now)
    return Saved(segment, sum(j for j, _ in moved.values()), sum(v for _, v in moved.values()))


async def delete_segment(session: AsyncSession, key: str) -> Segment:
    await lock_catalogue(session)
    segment = await _locked(session, key)
    users = list(
        await session.scalars(
            select(Segment.key)
            .join(SegmentDependency, SegmentDependency.segment_id == Segment.id)
            .where(SegmentDependency.depends_on_id == segment.id)
            .order_by(Segment.key)
        )
    )
    users += await audiences.used_by(session, key)
    if users:
        raise DomainError.one(
            ErrorCode.SEGMENT_IN_USE,
            f"Segment {key!r} is still used by: {', '.join(users)}. Remove those references first.",
            ["key"],
        )
    # Members and events carry no foreign key (see domain.models.segments): delete them here.
    await session.execute(delete(SegmentMember).where(SegmentMember.segment_id == segment.id))
    await session.execute(delete(MembershipEvent).where(MembershipEvent.segment_id == segment.id))
    await session.delete(segment)
    await session.flush()
    await bump_version(session)
    return segment


def picklist_values_named(index: SegmentIndex, path: str) -> dict[str, list[str]]:
    """Picklist values that segment rules name on `path`, with the naming segments' keys."""
    named: dict[str, list[str]] = {}
    for segment in index.segments.values():
        if segment.node is None:
            continue
        for node in rules.walk(segment.node):
            if isinstance(node, rules.Condition) and node.field.path == path:
                raw = node.raw if isinstance(node.raw, list) else [node.raw]
                for value in raw:
                    if isinstance(value, str) and segment.key not in named.get(value, []):
                        named.setdefault(value, []).append(segment.key)
    return named


async def catalogue_changed(session: AsyncSession, paths: frozenset[str]) -> None:
    """Picklists or attributes changed: recompile every rule, recompute those reading `paths`."""
    await lock_catalogue(session)
    await bump_version(session)
    index = await load_index(session)
    reading = [s.id for s in index.segments.values() if not s.reads.isdisjoint(paths)]
    if reading:
        await recompute_many(session, index, reading, Cause.RULE_CHANGE)
