"""A signed-in contact's request, read in one statement: who it is, its segments, the
access version.

Every request a contact makes needs the three: the account (is it still ACTIVE, which role
and company), the segments audiences read (its company's partner segments, then its own
contact segments) and the access-policy stamp that says whether the memoised decisions
(permissions.viewer) are current. Read apart they cost three statements; here they are one
(`WITH me AS (the contact) SELECT ... LEFT JOIN (its memberships) ...`), one row per segment
held, or one row with no segment. On SQLite it runs straight on the driver (domain.direct).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, literal_column, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from domain import versions
from domain.audiences import SegmentRefValue
from domain.direct import DirectSelect
from domain.identity import accounts
from domain.models import CatalogState, Contact, Segment, SegmentMember
from domain.principal import ContactStatus, Principal


@dataclass(frozen=True)
class SignedInContact:
    principal: Principal
    segments: tuple[SegmentRefValue, ...]
    access_stamp: versions.Stamp


def _build(in_ids: Callable[[ColumnElement[Any]], ColumnElement[bool]]) -> Select[Any]:
    me = (
        select(
            Contact.id,
            Contact.email,
            Contact.name,
            Contact.role,
            Contact.partner_id,
            Contact.status,
        )
        .where(in_ids(Contact.__table__.c.id))
        .cte("me")
    )

    def held(subject: str, subject_id: ColumnElement[int]) -> Select[str, str, str]:
        return (
            select(
                Segment.key.label("segment_key"),
                Segment.name.label("segment_name"),
                Segment.subject.label("segment_subject"),
            )
            .select_from(SegmentMember)
            .join(Segment, Segment.id == SegmentMember.segment_id)
            .join(me, SegmentMember.subject_id == subject_id)
            # literals, not parameters: the statement's only parameter is the contact's id
            .where(Segment.subject == literal_column(f"'{subject}'"))
        )

    segments = union_all(held("PARTNER", me.c.partner_id), held("CONTACT", me.c.id)).subquery(
        "held"
    )
    state = CatalogState.__table__
    return (
        select(
            me.c.id,
            me.c.email,
            me.c.name,
            me.c.role,
            me.c.partner_id,
            me.c.status,
            state.c.version,
            state.c.epoch,
            segments.c.segment_key,
            segments.c.segment_name,
            segments.c.segment_subject,
        )
        .select_from(
            me.outerjoin(state, state.c.id == literal_column(str(versions.ACCESS))).outerjoin(
                segments, true()
            )
        )
        .order_by(segments.c.segment_subject.desc(), segments.c.segment_key)
    )


_READ = DirectSelect(_build)


async def load(session: AsyncSession, contact_id: int) -> SignedInContact | None:
    """The contact behind a verified token, if it may still sign in, with what its request
    needs; None when the account is gone or no longer ACTIVE."""
    rows = await _READ.rows(session, [contact_id])
    if not rows or rows[0].status != ContactStatus.ACTIVE:
        return None
    first = rows[0]
    principal = accounts.contact_principal(first)
    stamp = (
        versions.Stamp(int(first.version), int(first.epoch))
        if first.version is not None
        else versions.Stamp(0, 0)
    )
    versions.saw(session, versions.ACCESS, stamp)
    segments = tuple(
        SegmentRefValue(r.segment_key, r.segment_name, r.segment_subject)
        for r in rows
        if r.segment_key is not None
    )
    return SignedInContact(principal, segments, stamp)
