"""Membership moves: the joins and leaves a change decided, written in a few bulk statements
with a JOINED or LEFT event each (domain.segments.membership decides them in memory;
domain.segments.recompute writes its own, set-based)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ARRAY, Integer, String, Table, bindparam, delete, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import telemetry
from domain.direct import DirectWrite
from domain.models import MembershipEvent, SegmentMember
from domain.models.base import UTCDateTime
from domain.segments import hooks
from domain.segments.index import SegmentIndex
from domain.segments.readable import Subject


class Cause(StrEnum):
    ATTRIBUTE_CHANGE = "ATTRIBUTE_CHANGE"
    RULE_CHANGE = "RULE_CHANGE"
    MANUAL = "MANUAL"
    TIME = "TIME"
    DEPENDENCY = "DEPENDENCY"


@dataclass
class Moves:
    """Joins and leaves decided in memory, written in a few bulk statements."""

    now: datetime
    joined: list[tuple[int, int, Cause]] = field(default_factory=list)
    left: list[tuple[int, int, Cause]] = field(default_factory=list)

    def record(self, segment_id: int, subject_id: int, member: bool, cause: Cause) -> None:
        (self.joined if member else self.left).append((segment_id, subject_id, cause))

    async def write(self, session: AsyncSession) -> int:
        events = [
            {"segment_id": s, "subject_id": x, "change": change, "cause": c.value, "at": self.now}
            for change, moves in (("JOINED", self.joined), ("LEFT", self.left))
            for s, x, c in moves
        ]
        if events and session.get_bind().dialect.name == "postgresql":
            await session.execute(
                _MOVE_ALL_POSTGRES,
                {
                    "now": self.now,
                    "joined_segments": [s for s, _, _ in self.joined],
                    "joined_subjects": [x for _, x, _ in self.joined],
                    "left_segments": [s for s, _, _ in self.left],
                    "left_subjects": [x for _, x, _ in self.left],
                    "event_segments": [e["segment_id"] for e in events],
                    "event_subjects": [e["subject_id"] for e in events],
                    "event_changes": [e["change"] for e in events],
                    "event_causes": [e["cause"] for e in events],
                },
            )
        else:
            await _JOIN.many(
                session,
                [{"segment_id": s, "subject_id": x, "since": self.now} for s, x, _ in self.joined],
            )
            await _LEAVE.many(session, [{"s": s, "x": x} for s, x, _ in self.left])
            await _RECORD.many(session, events)
        if telemetry.enabled():
            for (cause, change), count in Counter(
                (c.value, change)
                for change, moves in (("JOINED", self.joined), ("LEFT", self.left))
                for _, _, c in moves
            ).items():
                telemetry.count_moves(session, cause, change, count)
        return len(events)

    @property
    def counts(self) -> tuple[int, int]:
        return len(self.joined), len(self.left)

    def audience_change(self, index: SegmentIndex) -> hooks.AudienceChange:
        moves = [*self.joined, *self.left]
        by_subject: dict[Subject, set[int]] = {Subject.PARTNER: set(), Subject.CONTACT: set()}
        for segment_id, subject_id, _ in moves:
            by_subject[index.segments[segment_id].subject].add(subject_id)
        return hooks.moved_ids(
            {s for s, _, _ in moves}, by_subject[Subject.PARTNER], by_subject[Subject.CONTACT]
        )


def _insert(table: Table, *names: str) -> DirectWrite:
    return DirectWrite(
        insert(table).values({n: bindparam(n, type_=table.c[n].type) for n in names})
    )


_MEMBERS = SegmentMember.__table__
_JOIN = _insert(_MEMBERS, "segment_id", "subject_id", "since")
# One primary-key delete per leave (SQLite scans the table for a row-value IN).
_LEAVE = DirectWrite(
    delete(_MEMBERS).where(
        _MEMBERS.c.segment_id == bindparam("s"), _MEMBERS.c.subject_id == bindparam("x")
    )
)
_RECORD = _insert(MembershipEvent.__table__, "segment_id", "subject_id", "change", "cause", "at")
# PostgreSQL: joins, leaves and their events in one statement (one round trip, not three);
# the moves travel as arrays. A (segment, subject) moves at most once per change set, so
# the three parts never touch the same row.
_MOVE_ALL_POSTGRES = text(
    """
    WITH joined AS (
        INSERT INTO segment_members (segment_id, subject_id, since)
        SELECT s, x, :now FROM unnest(:joined_segments, :joined_subjects) AS j(s, x)
    ), gone AS (
        DELETE FROM segment_members AS m
        USING unnest(:left_segments, :left_subjects) AS l(s, x)
        WHERE m.segment_id = l.s AND m.subject_id = l.x
    )
    INSERT INTO membership_events (segment_id, subject_id, change, cause, at)
    SELECT s, x, c, w, :now
    FROM unnest(:event_segments, :event_subjects, :event_changes, :event_causes) AS e(s, x, c, w)
    """
).bindparams(
    bindparam("now", type_=UTCDateTime()),
    *(
        bindparam(name, type_=ARRAY(Integer))
        for name in (
            "joined_segments",
            "joined_subjects",
            "left_segments",
            "left_subjects",
            "event_segments",
            "event_subjects",
        )
    ),
    bindparam("event_changes", type_=ARRAY(String)),
    bindparam("event_causes", type_=ARRAY(String)),
)
