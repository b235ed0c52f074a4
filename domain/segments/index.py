"""Every segment compiled once per catalogue version: rules, what they read, the dependency order.

The version lives in the database (catalog_state), bumped by any change to segments,
picklists or attribute definitions, so each worker's cached index is never stale.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import versions
from domain.catalogue import Catalogue, load_catalogue
from domain.models import Segment, SegmentDependency, SegmentOverride
from domain.segments import codegen, rules
from domain.segments.readable import Subject


@dataclass(frozen=True)
class CompiledSegment:
    id: int
    key: str
    name: str
    subject: Subject
    node: rules.Node | None
    predicate: codegen.Predicate | None
    reads: frozenset[str]
    time_dependent: bool

    def reads_any(self, fields: frozenset[str] | None) -> bool:
        """Whether a change to `fields` (None: a new subject) can move this segment."""
        return fields is None or not self.reads.isdisjoint(fields)


@dataclass(frozen=True)
class SegmentIndex:
    version: versions.Stamp
    catalogue: Catalogue
    segments: dict[int, CompiledSegment]
    order: tuple[int, ...]  # dependencies before dependents
    dependents: dict[int, frozenset[int]] = field(default_factory=dict)
    # Segments with include/exclude lists (list edits bump the catalogue version too).
    with_lists: frozenset[int] = frozenset()

    @property
    def by_key(self) -> dict[str, CompiledSegment]:
        return {s.key: s for s in self.segments.values()}

    def known(self) -> dict[str, rules.KnownSegment]:
        return {s.key: rules.KnownSegment(s.id, s.subject) for s in self.segments.values()}

    def of(self, subject: Subject) -> list[CompiledSegment]:
        return [self.segments[i] for i in self.order if self.segments[i].subject is subject]

    def with_dependents(self, seeds: Iterable[int]) -> list[int]:
        """`seeds` and everything that depends on them, transitively, in evaluation order."""
        found = set(seeds)
        frontier = list(found)
        while frontier:
            for dependent in self.dependents.get(frontier.pop(), ()):
                if dependent not in found:
                    found.add(dependent)
                    frontier.append(dependent)
        return [i for i in self.order if i in found]


def topological(ids: Iterable[int], edges: Iterable[tuple[int, int]]) -> list[int]:
    """Order ids so every `depends_on` comes before its dependent (Kahn, stable by id)."""
    nodes = set(ids)
    waiting = dict.fromkeys(nodes, 0)
    unlocks: dict[int, list[int]] = {}
    for segment_id, depends_on in edges:
        if segment_id in nodes and depends_on in nodes:
            waiting[segment_id] += 1
            unlocks.setdefault(depends_on, []).append(segment_id)
    ready = sorted(i for i, n in waiting.items() if n == 0)
    ordered: list[int] = []
    while ready:
        current = heapq.heappop(ready)
        ordered.append(current)
        for dependent in unlocks.get(current, ()):
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(ready, dependent)
    if len(ordered) != len(nodes):
        raise RuntimeError("segment dependencies contain a cycle")  # refused when saved
    return ordered


_cache: dict[str, SegmentIndex] = {}


def forget_cached_indexes() -> None:
    """Drop compiled indexes (after a database is reset or restored behind our back)."""
    _cache.clear()


async def catalog_version(session: AsyncSession) -> versions.Stamp:
    return await versions.read(session, versions.SEGMENTS)


async def lock_catalogue(session: AsyncSession) -> None:
    """Exclusive until commit: rule saves and set-based recomputes, never beside a data write
    that evaluates the same memberships (those read the stamp FOR SHARE)."""
    await versions.lock(session, versions.SEGMENTS)


async def bump_version(session: AsyncSession) -> None:
    """Call in the transaction that changes segments, picklists or attribute definitions."""
    # Until this transaction commits, its view must not be cached under the new version.
    session.info["catalog_changed"] = True
    await versions.bump(session, versions.SEGMENTS)


async def load_index(session: AsyncSession, *, share: bool = False) -> SegmentIndex:
    """The compiled segments as of now; `share` holds the catalogue's share lock until commit
    (every data write that moves memberships asks for it)."""
    version = await versions.read(session, versions.SEGMENTS, share=share)
    if session.info.get("catalog_changed"):
        return await build_index(session, version)
    cache_key = str(session.get_bind().engine.url)
    cached = _cache.get(cache_key)
    if cached is not None and cached.version == version:
        return cached
    index = await build_index(session, version)
    _cache[cache_key] = index
    return index


async def build_index(session: AsyncSession, version: versions.Stamp) -> SegmentIndex:
    catalogue = await load_catalogue(session)
    rows = list(await session.scalars(select(Segment)))
    edges = [
        (d.segment_id, d.depends_on_id) for d in await session.scalars(select(SegmentDependency))
    ]
    with_lists = frozenset(await session.scalars(select(SegmentOverride.segment_id).distinct()))
    known = {r.key: rules.KnownSegment(r.id, Subject(r.subject)) for r in rows}
    compiled: dict[int, CompiledSegment] = {}
    for row in rows:
        subject = Subject(row.subject)
        node = rules.parse(row.rule, subject, catalogue, known) if row.rule is not None else None
        compiled[row.id] = CompiledSegment(
            id=row.id,
            key=row.key,
            name=row.name,
            subject=subject,
            node=node,
            predicate=codegen.compile_rule(node) if node is not None else None,
            reads=rules.reads(node) if node is not None else frozenset(),
            time_dependent=row.time_dependent,
        )
    dependents: dict[int, set[int]] = {}
    for segment_id, depends_on in edges:
        dependents.setdefault(depends_on, set()).add(segment_id)
    return SegmentIndex(
        version=version,
        catalogue=catalogue,
        segments=compiled,
        order=tuple(topological(compiled, edges)),
        dependents={k: frozenset(v) for k, v in dependents.items()},
        with_lists=with_lists,
    )
