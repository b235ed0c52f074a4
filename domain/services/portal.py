"""The portal shell: tabs, pages, forms and coach tips configured by vendor admins, and
read per viewer (navigation, homepage, forms, deal coach).

Each read is one statement over a small configuration table; which rows a viewer gets is
decided from the audiences it matches, computed once per request (permissions.viewer).
Staff and API keys (matched None) get every row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audiences, portal
from domain.audiences import AudienceSpec, Matched
from domain.catalogue import load_catalogue
from domain.errors import InvalidArgument
from domain.models import Audience, CoachTip, Form, NavTab, PortalPage
from domain.portal import DEAL_STAGES, Kind
from domain.uow import UnitOfWork

# ---------------------------------------------------------------- reads


T = TypeVar("T")


@dataclass(frozen=True)
class Listing(Generic[T]):
    """Configuration rows a viewer gets, with their audiences (read in the same statement, so
    showing `audience` costs nothing more)."""

    rows: list[T]
    audiences: dict[int, AudienceSpec]


def _with_audience(model: Any) -> Select[Any]:
    return select(model, Audience).outerjoin(Audience, Audience.id == model.audience_id)


# Built once (per audience set where SQL decides): see domain.statements.
_NAVIGATION = _with_audience(NavTab).order_by(NavTab.position, NavTab.key)
_FORMS = _with_audience(Form).order_by(Form.key)
_TIPS = _with_audience(CoachTip).order_by(CoachTip.key)
_STAGE_TIPS = _TIPS.where(or_(CoachTip.stage.is_(None), CoachTip.stage == bindparam("stage")))


@lru_cache(maxsize=512)
def _homepage(matched: Matched) -> Select[Any]:
    return (
        _with_audience(PortalPage)
        .where(audiences.admitted(matched, PortalPage.audience_id))
        .order_by(PortalPage.priority.desc(), PortalPage.key)
        .limit(1)
    )


async def _listing(
    session: AsyncSession,
    query: Select[Any],
    matched: Matched,
    params: Mapping[str, Any] | None = None,
) -> Listing[Any]:
    """The rows of `query` whose audience admits the viewer, in the query's order: read once
    per access version (every change to portal configuration bumps it) and audience set."""
    key = ("portal", query, matched, tuple(sorted((params or {}).items())))
    load = partial(_admitted, query=query, matched=matched, params=params)
    return await audiences.configured(session, key, load, lambda listing: listing.rows)


async def _admitted(
    session: AsyncSession, query: Select[Any], matched: Matched, params: Mapping[str, Any] | None
) -> Listing[Any]:
    rows, specs = [], {}
    for row, audience in await session.execute(query, params):
        if audiences.admits(matched, row.audience_id):
            rows.append(row)
            if audience is not None:
                specs[audience.id] = AudienceSpec.of(audience)
    return Listing(rows, specs)


async def navigation(session: AsyncSession, matched: Matched) -> Listing[NavTab]:
    """The tabs this viewer sees, by order then key."""
    return await _listing(session, _NAVIGATION, matched)


async def homepage(session: AsyncSession, matched: Matched) -> Listing[PortalPage]:
    """The highest-priority page this viewer's audiences admit (ties: by key)."""
    return await _listing(session, _homepage(matched), matched)


async def forms(session: AsyncSession, matched: Matched) -> Listing[Form]:
    """The forms this viewer may submit (staff and API keys: every form), by key."""
    return await _listing(session, _FORMS, matched)


async def coach_tips(
    session: AsyncSession, matched: Matched, stage: str | None
) -> Listing[CoachTip]:
    """Tips for `stage` and for every stage (no stage: every tip this viewer may see), by key."""
    if stage is None:
        return await _listing(session, _TIPS, matched)
    if stage not in DEAL_STAGES:
        raise InvalidArgument(
            f"`stage` is a deal stage, one of {list(DEAL_STAGES)}; got {stage!r}.", "stage"
        )
    return await _listing(session, _STAGE_TIPS, matched, {"stage": stage})


# ---------------------------------------------------------------- configuration


def _target(kind: Kind, key: Any) -> str:
    return f"{kind.type_name}:{key}"


async def create(uow: UnitOfWork, kind: Kind, spec: Mapping[str, Any]) -> str:
    """A new tab, page, form or tip; returns its key."""
    uow.target = _target(kind, spec.get("key"))
    session = uow.session
    row = await portal.create(session, kind, spec, await load_catalogue(session))
    uow.detail = {"after": kind.summary(row)}
    return str(row.key)


async def update(uow: UnitOfWork, kind: Kind, key: str, spec: Mapping[str, Any]) -> str:
    """Change what `spec` names; omitted fields stay as they are."""
    uow.target = _target(kind, key)
    session = uow.session
    row = await portal.find(session, kind, key, lock=True)
    before = kind.summary(row)
    await portal.update(session, kind, row, spec, await load_catalogue(session))
    uow.detail = {"before": before, "after": kind.summary(row)}
    return str(row.key)


async def delete(uow: UnitOfWork, kind: Kind, key: str) -> Any:
    uow.target = _target(kind, key)
    session = uow.session
    row = await portal.find(session, kind, key, lock=True)
    uow.detail = {"before": kind.summary(row)}
    await session.delete(row)
    await session.flush()
    await audiences.bump_access_version(session)
    return row
