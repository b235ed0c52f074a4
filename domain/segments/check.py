"""The drift check: re-evaluate everything derived, write nothing, report what disagrees.

`partnerscope check-memberships` runs it; operators can schedule it. Every segment's rule
and lists are evaluated set-based (as a recompute would) and compared with the stored
members both ways; every partner metric is computed from its sources and compared with
the stored value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, literal, select

from domain import ids, metrics
from domain.clock import utcnow
from domain.db import Database
from domain.models import PartnerMetrics, SegmentMember
from domain.segments import facts as load
from domain.segments.diff import fill_matching
from domain.segments.index import load_index

SAMPLE = 5  # ids shown per disagreement


@dataclass(frozen=True)
class SegmentDrift:
    key: str
    time_dependent: bool
    missing: int  # should be members, are not stored
    extra: int  # stored, should not be members
    sample_missing: list[str]
    sample_extra: list[str]

    def __str__(self) -> str:
        when = " (time-dependent: may catch up at the next scheduled run)" * self.time_dependent
        lines = [f"segment {self.key}{when}: {self.missing} missing, {self.extra} extra"]
        if self.sample_missing:
            lines.append(f"  missing, e.g. {', '.join(self.sample_missing)}")
        if self.sample_extra:
            lines.append(f"  extra, e.g. {', '.join(self.sample_extra)}")
        return "\n".join(lines)


@dataclass(frozen=True)
class MetricDrift:
    partner: str
    metric: str
    stored: Any
    actual: Any

    def __str__(self) -> str:
        return f"partner {self.partner}: {self.metric} is {self.stored}, should be {self.actual}"


@dataclass
class DriftReport:
    segments_checked: int = 0
    partners_checked: int = 0
    segments: list[SegmentDrift] = field(default_factory=list)
    metrics: list[MetricDrift] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.segments and not self.metrics

    def __str__(self) -> str:
        head = (
            f"Checked {self.segments_checked} segment(s) and the metrics of "
            f"{self.partners_checked} partner(s): "
        )
        if self.clean:
            return head + "everything stored agrees with its rules and sources."
        found = [str(d) for d in self.segments] + [str(d) for d in self.metrics[:50]]
        if len(self.metrics) > 50:
            found.append(f"... and {len(self.metrics) - 50} more metric disagreements")
        return (
            head
            + f"{len(self.segments)} segment(s) and {len(self.metrics)} metric value(s) disagree."
            + "\n"
            + "\n".join(found)
        )


async def check(
    db: Database, now: datetime | None = None, *, skip_time_dependent: bool = False
) -> DriftReport:
    now = now or utcnow()
    report = DriftReport()
    async with db.read() as session:
        index = await load_index(session)
    for segment_id in index.order:
        segment = index.segments[segment_id]
        if skip_time_dependent and segment.time_dependent:
            continue
        async with db.read() as session:
            matching = await fill_matching(session, segment, now)
            stored = select(SegmentMember.subject_id).where(SegmentMember.segment_id == segment_id)
            is_stored = exists(
                select(literal(1)).where(
                    SegmentMember.segment_id == segment_id,
                    SegmentMember.subject_id == matching.c.id,
                )
            )
            missing = select(matching.c.id).where(~is_stored)
            extra = stored.where(
                ~exists(select(literal(1)).where(matching.c.id == SegmentMember.subject_id))
            )
            counts = [
                int(await session.scalar(select(func.count()).select_from(q.subquery())) or 0)
                for q in (missing, extra)
            ]
            samples = [
                list(await session.scalars(q.order_by(q.selected_columns[0]).limit(SAMPLE)))
                for q in (missing, extra)
            ]
            await session.rollback()
        report.segments_checked += 1
        if any(counts):
            type_name = "Partner" if segment.subject.value == "PARTNER" else "Contact"
            report.segments.append(
                SegmentDrift(
                    segment.key,
                    segment.time_dependent,
                    counts[0],
                    counts[1],
                    [ids.encode(type_name, pk) for pk in samples[0]],
                    [ids.encode(type_name, pk) for pk in samples[1]],
                )
            )
    await _check_metrics(db, now, report)
    return report


async def _check_metrics(db: Database, now: datetime, report: DriftReport) -> None:
    async with db.read() as session:
        partner_ids = list(await session.scalars(select(PartnerMetrics.partner_id)))
        for part in load.chunks(partner_ids):
            computed = await metrics.compute(session, part, None, now)
            rows = await session.scalars(
                select(PartnerMetrics).where(PartnerMetrics.partner_id.in_(part))
            )
            for row in rows:
                for metric, actual in computed[row.partner_id].items():
                    stored = getattr(row, metrics.COLUMNS[metric])
                    if not metrics.same(stored, actual):
                        report.metrics.append(
                            MetricDrift(
                                ids.encode("Partner", row.partner_id), metric, stored, actual
                            )
                        )
        report.partners_checked = len(partner_ids)
