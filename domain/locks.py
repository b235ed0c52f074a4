"""One order of locks for every write: the segment catalogue (shared), then the partner rows,
in ascending id order.

Every change that can move memberships or metrics of a partner or its contacts takes its
partner's row lock before it reads the facts it evaluates, so two writers to one company
run one after the other and each evaluates the other's committed data (no write skew).
The catalogue's share lock comes first: rule saves and recomputes hold it exclusively
before they touch partners' rows (metrics, certifications), so no two transactions ever
wait for each other's locks in opposite orders. SQLite serialises writers with its
database lock (BEGIN IMMEDIATE) and needs none of this.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import versions
from domain.models import Partner


async def lock_partners(session: AsyncSession, partner_ids: Iterable[int]) -> None:
    ids = sorted(set(partner_ids))
    if not ids or session.get_bind().dialect.name == "sqlite":
        return
    await versions.read(session, versions.SEGMENTS, share=True)
    await session.execute(
        select(Partner.id).where(Partner.id.in_(ids)).order_by(Partner.id).with_for_update()
    )
