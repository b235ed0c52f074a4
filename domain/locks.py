"""One order of writes per company: lock the partner rows first, in ascending id order.

Every change that can move memberships or metrics of a partner or its contacts takes its
partner's row lock before it reads the facts it evaluates, so two writers to one company
run one after the other and each evaluates the other's committed data (no write skew).
SQLite serialises writers with its database lock (BEGIN IMMEDIATE) and needs none.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Partner


async def lock_partners(session: AsyncSession, partner_ids: Iterable[int]) -> None:
    ids = sorted(set(partner_ids))
    if not ids or session.get_bind().dialect.name == "sqlite":
        return
    await session.execute(
        select(Partner.id).where(Partner.id.in_(ids)).order_by(Partner.id).with_for_update()
    )
