"""The viewer: a principal, its segment keys (one query per request) and its access decisions.

Decisions depend on the viewer's segment keys, role and the access-policy version, never
on a row, so they are computed once per fingerprint and shared across requests; the
version lives in the database, so every worker notices a policy change.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audiences, policies, versions
from domain.audiences import AudienceSpec, SegmentRefValue
from domain.db import Database
from domain.identity.signed_in import SignedInContact
from domain.policies import Action
from domain.principal import Principal

MAX_CACHED_DECISIONS = 4096


@dataclass(frozen=True)
class Access:
    """What a viewer may see and do, beyond its role."""

    actions: dict[Action, bool]
    hidden_fields: frozenset[str]  # "Type.field"
    # Audiences the viewer matches; None means no audience filtering (staff, API keys).
    audience_ids: frozenset[int] | None
    policies: policies.Policies | None = None


UNRESTRICTED = Access(
    actions=dict.fromkeys(Action, True), hidden_fields=frozenset(), audience_ids=None
)


@dataclass
class ViewerAccess:
    """Who asks, the segments it is in, and what that lets it see and do (one per request).

    Not to be confused with the GraphQL `Viewer` type (schema.identity), which shows it.
    """

    principal: Principal | None
    segments: list[SegmentRefValue] = field(default_factory=list)
    access: Access = UNRESTRICTED

    @property
    def segment_keys(self) -> frozenset[str]:
        return frozenset(s.key for s in self.segments)


@dataclass
class Snapshot:
    version: versions.Stamp
    policies: policies.Policies
    audiences: dict[int, AudienceSpec]


_snapshots: dict[str, Snapshot] = {}
_decisions: OrderedDict[tuple[str, versions.Stamp, frozenset[str], str | None], Access] = (
    OrderedDict()
)


def forget_cached_decisions() -> None:
    """Drop memoised decisions (tests that reset the database behind our back)."""
    _snapshots.clear()
    _decisions.clear()
    audiences.forget_memoised()


async def contact_segments(session: AsyncSession, principal: Principal) -> list[SegmentRefValue]:
    """Partner segments of the contact's company, then its own contact segments."""
    return await audiences.segments_of_contact(session, principal.id, principal.partner_id)


async def _snapshot(session: AsyncSession, cache_key: str) -> Snapshot:
    version = await audiences.access_version(session)
    cached = _snapshots.get(cache_key)
    if cached is None or cached.version != version:
        cached = Snapshot(version, await policies.load(session), await audiences.all_specs(session))
        _snapshots[cache_key] = cached
    return cached


async def _snapshot_at(db: Database, cache_key: str, stamp: versions.Stamp) -> Snapshot:
    """The snapshot for an access stamp read already: no statement while it is current."""
    cached = _snapshots.get(cache_key)
    if cached is not None and cached.version == stamp:
        return cached
    async with db.read() as session:
        return await _snapshot(session, cache_key)


def decide(snapshot: Snapshot, keys: frozenset[str], role: str | None) -> Access:
    """The decisions for one (segment keys, role): pure, so it can be shared."""
    return Access(
        actions={a: audiences.matches(s, keys, role) for a, s in snapshot.policies.actions.items()},
        hidden_fields=frozenset(
            f"{type_name}.{field_name}"
            for (type_name, field_name), spec in snapshot.policies.fields.items()
            if not spec.matches(keys, role)
        ),
        audience_ids=frozenset(i for i, s in snapshot.audiences.items() if s.matches(keys, role)),
        policies=snapshot.policies,
    )


async def load_viewer(
    db: Database, principal: Principal | None, signed_in: SignedInContact | None = None
) -> ViewerAccess:
    """The viewer for `principal`; `signed_in` holds its segments and access stamp when
    authentication read them already (one statement for all three)."""
    if principal is None or not principal.is_contact:
        return ViewerAccess(principal)
    cache_key = str(db.engine.url)
    if signed_in is not None and signed_in.principal == principal:
        segments = list(signed_in.segments)
        snapshot = await _snapshot_at(db, cache_key, signed_in.access_stamp)
    else:
        async with db.read() as session:
            segments = await contact_segments(session, principal)
            snapshot = await _snapshot(session, cache_key)
    keys = frozenset(s.key for s in segments)
    role = principal.contact_role.value if principal.contact_role else None
    memo = (cache_key, snapshot.version, keys, role)
    access = _decisions.get(memo)
    if access is None:
        access = decide(snapshot, keys, role)
        _decisions[memo] = access
        if len(_decisions) > MAX_CACHED_DECISIONS:
            _decisions.popitem(last=False)
    else:
        _decisions.move_to_end(memo)
    return ViewerAccess(principal, segments, access)
