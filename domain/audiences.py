"""Audiences: who sees or may do something, by segment membership and contact role.

A contact matches {anySegments, allSegments, noneSegments, roles} when all four hold:
any is empty or it is in one of them; it is in all of allSegments; in none of
noneSegments; roles is empty or holds its role. `None` (no audience) is every contact.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import and_, exists, false, literal, not_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from domain import validation, versions
from domain.errors import ErrorCode, Problems
from domain.models import Audience, AudienceSegment, Contact, Segment, SegmentMember
from domain.principal import ContactRole

if TYPE_CHECKING:
    from domain.segments.index import SegmentIndex

T = TypeVar("T")
LIST_NAMES = ("anySegments", "allSegments", "noneSegments")
MAX_SEGMENTS = 100


@dataclass(frozen=True)
class AudienceSpec:
    any_segments: frozenset[str] = frozenset()
    all_segments: frozenset[str] = frozenset()
    none_segments: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()

    def matches(self, segment_keys: frozenset[str], role: str | None) -> bool:
        return (
            (not self.any_segments or not self.any_segments.isdisjoint(segment_keys))
            and self.all_segments <= segment_keys
            and self.none_segments.isdisjoint(segment_keys)
            and (not self.roles or role in self.roles)
        )

    @property
    def segment_keys(self) -> frozenset[str]:
        return self.any_segments | self.all_segments | self.none_segments

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "anySegments": sorted(self.any_segments),
            "allSegments": sorted(self.all_segments),
            "noneSegments": sorted(self.none_segments),
            "roles": sorted(self.roles),
        }

    @property
    def fingerprint(self) -> str:
        canonical = json.dumps(self.as_dict(), separators=(",", ":"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def describe(self) -> str:
        parts = []
        if self.any_segments:
            parts.append(f"any of segments {sorted(self.any_segments)}")
        if self.all_segments:
            parts.append(f"all of segments {sorted(self.all_segments)}")
        if self.none_segments:
            parts.append(f"none of segments {sorted(self.none_segments)}")
        if self.roles:
            parts.append(f"a role in {sorted(self.roles)}")
        return ", ".join(parts) or "every partner contact"

    @classmethod
    def of(cls, row: Audience) -> AudienceSpec:
        return cls(
            frozenset(row.any_segments),
            frozenset(row.all_segments),
            frozenset(row.none_segments),
            frozenset(row.roles),
        )


def matches(spec: AudienceSpec | None, segment_keys: frozenset[str], role: str | None) -> bool:
    """Whether a contact (its segment keys and role) is in the audience; None is everyone."""
    return spec is None or spec.matches(segment_keys, role)


async def validate(
    session: AsyncSession, raw: Mapping[str, Any] | None, path: Sequence[str | int]
) -> AudienceSpec | None:
    """An AudienceInput (GraphQL names) as a spec; unknown segment keys are UNKNOWN_SEGMENT."""
    if raw is None:
        return None
    problems = Problems(path)
    lists: dict[str, list[str]] = {}
    for name in LIST_NAMES:
        values = raw.get(name) or []
        if len(values) > MAX_SEGMENTS:
            problems.add(ErrorCode.TOO_MANY, f"At most {MAX_SEGMENTS} segments.", name)
        lists[name] = list(values)
    # Keys the database cannot compare (a NUL...) name no segment: they are not looked up.
    named = {key for values in lists.values() for key in values if validation.storable(key)}
    known = set(await session.scalars(select(Segment.key).where(Segment.key.in_(named))))
    for name, values in lists.items():
        for i, key in enumerate(values):
            if key not in known:
                problems.add(
                    ErrorCode.UNKNOWN_SEGMENT, f"There is no segment with key {key!r}.", name, i
                )
    problems.raise_if_any()
    roles = [ContactRole(r).value for r in raw.get("roles") or []]
    return AudienceSpec(
        frozenset(lists["anySegments"]),
        frozenset(lists["allSegments"]),
        frozenset(lists["noneSegments"]),
        frozenset(roles),
    )


async def store(session: AsyncSession, spec: AudienceSpec | None) -> int | None:
    """The id of the row holding `spec` (created once, then shared); None for everyone."""
    if spec is None:
        return None
    found = await session.scalar(
        select(Audience.id).where(Audience.fingerprint == spec.fingerprint)
    )
    if found is not None:
        return found
    row = Audience(
        fingerprint=spec.fingerprint,
        any_segments=sorted(spec.any_segments),
        all_segments=sorted(spec.all_segments),
        none_segments=sorted(spec.none_segments),
        roles=sorted(spec.roles),
    )
    session.add(row)
    await session.flush()
    session.add_all(AudienceSegment(audience_id=row.id, segment_key=k) for k in spec.segment_keys)
    await session.flush()
    await bump_access_version(session)
    return row.id


async def specs(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, AudienceSpec]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.scalars(select(Audience).where(Audience.id.in_(wanted)))
    return {row.id: AudienceSpec.of(row) for row in rows}


async def all_specs(session: AsyncSession) -> dict[int, AudienceSpec]:
    return {row.id: AudienceSpec.of(row) for row in await session.scalars(select(Audience))}


async def access_version(session: AsyncSession) -> versions.Stamp:
    return await versions.read(session, versions.ACCESS)


MAX_MEMOISED = 1024
_by_access_version: dict[tuple[str, Hashable, versions.Stamp], Any] = {}


async def per_access_version(
    session: AsyncSession, name: Hashable, load: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """`load(session)`, memoised per access version: configuration that every data change
    consults (which certifications an audience awards, which courses enrol by audience), and
    what follows from configuration alone (how many assets an audience set sees), is read
    once per version instead of every time. Whatever changes such configuration bumps the
    access version in the same transaction; the stamp is read before `load` runs, so a
    value is never kept under a stamp older than what it saw."""
    stamp = await access_version(session)
    key = (str(session.get_bind().engine.url), name, stamp)
    if key in _by_access_version:
        found: T = _by_access_version[key]
        return found
    value = await load(session)
    if len(_by_access_version) >= MAX_MEMOISED:
        _by_access_version.clear()
    _by_access_version[key] = value
    return value


def forget_memoised() -> None:
    """Drop what `per_access_version` kept (a database reset behind the process's back
    rewinds the version: tests)."""
    _by_access_version.clear()


async def bump_access_version(session: AsyncSession) -> None:
    """Call in any transaction that changes audiences or policies (cached decisions expire)."""
    await versions.bump(session, versions.ACCESS)


def why(spec: AudienceSpec | None, segment_keys: frozenset[str], role: str | None) -> str:
    """Why a contact does or does not match, in words a vendor admin can act on."""
    has = f"viewer has [{', '.join(sorted(segment_keys))}]"
    if spec is None:
        return "every partner contact may; " + has
    unmet = []
    if spec.any_segments and spec.any_segments.isdisjoint(segment_keys):
        unmet.append(f"needs any of segments [{', '.join(sorted(spec.any_segments))}]")
    missing = spec.all_segments - segment_keys
    if missing:
        unmet.append(
            f"needs all of segments [{', '.join(sorted(spec.all_segments))}], "
            f"misses [{', '.join(sorted(missing))}]"
        )
    excluded = spec.none_segments & segment_keys
    if excluded:
        unmet.append(f"must be in none of segments [{', '.join(sorted(excluded))}]")
    if spec.roles and role not in spec.roles:
        unmet.append(f"needs a role in [{', '.join(sorted(spec.roles))}], has {role}")
    if unmet:
        return "; ".join(unmet) + "; " + has
    return f"matches {spec.describe()}; {has}, role {role}"


@dataclass(frozen=True)
class SegmentRefValue:
    key: str
    name: str
    subject: str = "PARTNER"  # PARTNER: the company's segment; CONTACT: the contact's own


async def segments_of_contact(
    session: AsyncSession, contact_id: int, partner_id: int | None
) -> list[SegmentRefValue]:
    """What audiences read: the company's partner segments, then the contact's own."""
    rows = await session.execute(
        select(Segment.key, Segment.name, Segment.subject)
        .join(SegmentMember, SegmentMember.segment_id == Segment.id)
        .where(
            or_(
                (Segment.subject == "PARTNER") & (SegmentMember.subject_id == partner_id),
                (Segment.subject == "CONTACT") & (SegmentMember.subject_id == contact_id),
            )
        )
        .order_by(Segment.subject.desc(), Segment.key)
    )
    return [SegmentRefValue(key, name, subject) for key, name, subject in rows]


def _member_of(
    keys: Iterable[str], contact: Any, index: SegmentIndex | None
) -> ColumnElement[bool]:
    """SQL: the contact (a Contact row) is in any of the segments `keys` names.

    One EXISTS per case (the company in a PARTNER segment, the contact in a CONTACT
    segment), each correlated by one equality: a single EXISTS with an OR between the two
    cases makes PostgreSQL compare every contact with every member (minutes for 50,000
    contacts). With the compiled segment `index` the keys become segment ids and only the
    subjects they name are tested: one membership probe per contact, and no OR at all for an
    audience naming segments of one kind, which both databases join set-based.
    """
    if index is not None:
        found = [index.by_key[k] for k in sorted(keys) if k in index.by_key]
        parts = [
            exists(
                select(literal(1)).where(
                    SegmentMember.segment_id.in_(ids), SegmentMember.subject_id == subject_id
                )
            )
            for ids, subject_id in (
                ([s.id for s in found if s.subject.value == "PARTNER"], contact.partner_id),
                ([s.id for s in found if s.subject.value == "CONTACT"], contact.id),
            )
            if ids
        ]
        return or_(false(), *parts)
    named = sorted(keys)

    def member(subject: str, subject_id: Any) -> ColumnElement[bool]:
        return exists(
            select(literal(1))
            .select_from(SegmentMember)
            .join(Segment, Segment.id == SegmentMember.segment_id)
            .where(
                SegmentMember.subject_id == subject_id,
                Segment.subject == subject,
                Segment.key.in_(named),
            )
        )

    return or_(member("PARTNER", contact.partner_id), member("CONTACT", contact.id))


def contact_matches(
    spec: AudienceSpec | None, contact: Any = Contact, index: SegmentIndex | None = None
) -> ColumnElement[bool]:
    """SQL: the contact matches the audience (the same rule as `AudienceSpec.matches`, for
    many contacts at once: auto-enrolment, certifications held by audience, roll-ups).

    Pass the compiled segment `index` (domain.segments.index) when matching many contacts:
    the statement then plans set-based (see `_member_of`)."""
    if spec is None:
        return true()
    parts: list[ColumnElement[bool]] = []
    if spec.any_segments:
        parts.append(_member_of(spec.any_segments, contact, index))
    parts += [_member_of([key], contact, index) for key in sorted(spec.all_segments)]
    if spec.none_segments:
        parts.append(not_(_member_of(spec.none_segments, contact, index)))
    if spec.roles:
        parts.append(contact.role.in_(sorted(spec.roles)))
    return and_(true(), *parts)


@dataclass(frozen=True)
class AudienceUser:
    """A configuration table with an audience column (for SEGMENT_IN_USE): what it is called,
    its audience column, and the column that names a row (e.g. an action, a key)."""

    label: str
    audience: Any
    name: Any


async def used_by(session: AsyncSession, segment_key: str) -> list[str]:
    """What names a segment through an audience, e.g. ["action policy CREATE_QUOTE"]."""
    from domain.wiring import AUDIENCE_USERS  # imported late: wiring imports every area

    named = select(AudienceSegment.audience_id).where(AudienceSegment.segment_key == segment_key)
    found: list[str] = []
    for user in AUDIENCE_USERS:
        names = await session.scalars(
            select(user.name).where(user.audience.in_(named)).order_by(user.name)
        )
        found += [f"{user.label} {name}" for name in names]
    return found


# What a viewer's audiences admit, decided once per request (permissions.viewer.Access):
# the ids of the audiences it matches, or None for staff and API keys (no audience gates them).
Matched = frozenset[int] | None


async def configured(
    session: AsyncSession,
    name: Hashable,
    load: Callable[[AsyncSession], Awaitable[T]],
    rows: Callable[[T], Iterable[Any]] | None = None,
) -> T:
    """Configuration (`load(session)`: a list of ORM objects, or a value holding them that
    `rows` lists) memoised per access version under `name` (say, what a kind of row and an audience
    set make): every change to portal configuration bumps that version. The objects are
    detached from the session that read them, so they outlive it unchanged; nobody may
    change them (a write loads its own)."""

    async def detached(session: AsyncSession) -> T:
        found = await load(session)
        for row in rows(found) if rows is not None else cast(Iterable[Any], found):
            session.expunge(row)
        return found

    return await per_access_version(session, name, detached)


def admits(matched: Matched, audience_id: int | None) -> bool:
    """Whether a row gated by `audience_id` (None: every contact) is for this viewer."""
    return matched is None or audience_id is None or audience_id in matched


def admitted(matched: Matched, audience_column: Any) -> ColumnElement[bool]:
    """SQL: rows whose audience admits this viewer (lists that can grow: assets, courses...)."""
    if matched is None:
        return true()
    return or_(audience_column.is_(None), audience_column.in_(sorted(matched)))
