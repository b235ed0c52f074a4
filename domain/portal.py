"""The portal shell's configuration: navigation tabs, pages, forms and deal-coach tips.

Each is named by a lowercase-kebab key (unique per kind), has an optional audience (None:
every partner contact) and is created, changed (omitted fields unchanged) and removed by
vendor admins. A `Kind` says how one of them is validated; `create` and `update` apply a
spec in GraphQL names, whole or not at all. The limits are in docs/api.md, "Portal shell".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audiences, forms, validation
from domain.catalogue import Catalogue
from domain.errors import DomainError, ErrorCode, Problems
from domain.models import CoachTip, Form, NavTab, PortalPage
from domain.segments.service import MAX_KEY, is_key

MAX_TITLE = 200
MAX_PATH = 200
MAX_BODY = 20_000
MAX_TIP = 2_000
MAX_RANK = 1_000_000  # order and priority: -1,000,000 to 1,000,000
DEAL_STAGES = ("REGISTERED", "APPROVED", "WON", "LOST", "REJECTED")
# A path inside the portal: "/" then no whitespace and no backslash, never "//" (a browser
# reads "//host" and "/\host" as another site).
TAB_PATH = re.compile(r"/(?![/\\])[^\s\\]*")

Validator = Callable[[Mapping[str, Any], Problems, Catalogue], dict[str, Any]]


@dataclass(frozen=True)
class Kind:
    """One kind of portal configuration: its table, its name in messages and audit targets,
    and how a spec (GraphQL names, only what was sent) becomes column values."""

    model: Any
    noun: str  # "tab"
    type_name: str  # "NavTab"
    required: tuple[str, ...]  # GraphQL names a new one needs
    validate: Validator
    summary: Callable[[Any], dict[str, Any]]


def _text(
    spec: Mapping[str, Any],
    problems: Problems,
    name: str,
    *,
    max_length: int,
    multiline: bool = False,
    nullable: bool = False,
) -> dict[str, Any]:
    """{name: cleaned text} when `name` was sent; null clears a nullable text."""
    if name not in spec:
        return {}
    value = spec[name]
    if value is None:
        if nullable:
            return {name: None}
        problems.add(ErrorCode.REQUIRED, f"{name} is required.", name)
        return {}
    try:
        cleaned = validation.text(
            value, max_length=max_length, multiline=multiline, allow_empty=nullable
        )
    except ValueError as exc:
        problems.add(ErrorCode.INVALID_VALUE, f"{name}: {exc}.", name)
        return {}
    return {name: cleaned or None}


def _rank(spec: Mapping[str, Any], problems: Problems, name: str, column: str) -> dict[str, Any]:
    """An order or priority; null means the default, 0."""
    if name not in spec:
        return {}
    value = spec[name]
    if value is None:
        return {column: 0}
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_RANK:
        problems.add(
            ErrorCode.INVALID_VALUE, f"{name}: a whole number from -{MAX_RANK} to {MAX_RANK}.", name
        )
        return {}
    return {column: value}


def _tab(spec: Mapping[str, Any], problems: Problems, _: Catalogue) -> dict[str, Any]:
    values = _text(spec, problems, "label", max_length=MAX_TITLE)
    values |= _rank(spec, problems, "order", "position")
    if "path" in spec:
        path = spec["path"]
        if path is None:
            problems.add(ErrorCode.REQUIRED, "path is required.", "path")
        elif (
            not isinstance(path, str)
            or len(path) > MAX_PATH
            or not TAB_PATH.fullmatch(path)
            or not validation.storable(path)
        ):
            problems.add(
                ErrorCode.INVALID_VALUE,
                f'path: a path inside the portal, starting with one "/" and without spaces or '
                f'backslashes, e.g. "/deals/register" (at most {MAX_PATH} characters); got '
                f"{path!r}.",
                "path",
            )
        else:
            try:
                values["path"] = validation.identifier(path, max_length=MAX_PATH)
            except ValueError as exc:
                problems.add(ErrorCode.INVALID_VALUE, f"path: {exc}.", "path")
    return values


def _page(spec: Mapping[str, Any], problems: Problems, _: Catalogue) -> dict[str, Any]:
    values = _text(spec, problems, "title", max_length=MAX_TITLE)
    values |= _text(spec, problems, "body", max_length=MAX_BODY, multiline=True, nullable=True)
    return values | _rank(spec, problems, "priority", "priority")


def _tip(spec: Mapping[str, Any], problems: Problems, _: Catalogue) -> dict[str, Any]:
    values = _text(spec, problems, "text", max_length=MAX_TIP, multiline=True)
    if "stage" in spec:
        stage = spec["stage"]
        if stage is not None and stage not in DEAL_STAGES:
            problems.add(
                ErrorCode.INVALID_VALUE,
                f"stage: null (every stage) or a deal stage, one of {list(DEAL_STAGES)}; got "
                f"{stage!r}.",
                "stage",
            )
        else:
            values["stage"] = stage
    return values


def _form(spec: Mapping[str, Any], problems: Problems, catalogue: Catalogue) -> dict[str, Any]:
    values = _text(spec, problems, "title", max_length=MAX_TITLE)
    for name in ("fields", "onSubmit"):
        if name in spec and spec[name] is None:
            problems.add(ErrorCode.REQUIRED, f"{name} is required (an empty list is fine).", name)
    if spec.get("fields") is not None:
        values["fields"] = forms.check_fields(spec["fields"], problems)
    if spec.get("onSubmit") is not None:
        values["on_submit"] = forms.check_updates(spec["onSubmit"], catalogue, problems)
    return values


def _common(row: Any) -> dict[str, Any]:
    return {"key": row.key, "audienceId": row.audience_id}


TAB = Kind(
    NavTab,
    "tab",
    "NavTab",
    ("label", "path"),
    _tab,
    lambda r: _common(r) | {"label": r.label, "path": r.path, "order": r.position},
)
PAGE = Kind(
    PortalPage,
    "page",
    "Page",
    ("title",),
    _page,
    lambda r: _common(r) | {"title": r.title, "body": r.body, "priority": r.priority},
)
FORM = Kind(
    Form,
    "form",
    "Form",
    ("title", "fields", "onSubmit"),
    _form,
    lambda r: _common(r) | {"title": r.title, "fields": r.fields, "onSubmit": r.on_submit},
)
COACH_TIP = Kind(
    CoachTip,
    "coach tip",
    "CoachTip",
    ("text",),
    _tip,
    lambda r: _common(r) | {"text": r.text, "stage": r.stage},
)


async def find(session: AsyncSession, kind: Kind, key: Any, *, lock: bool = False) -> Any:
    """The row with `key` (locked for a change), or NOT_FOUND at ["key"]."""
    row = None
    if is_key(key):
        query = select(kind.model).where(kind.model.key == key)
        row = await session.scalar(query.with_for_update() if lock else query)
    if row is None:
        shown = f"key {key!r}" if is_key(key) else "this key"
        raise DomainError.one(ErrorCode.NOT_FOUND, f"No {kind.noun} with {shown}.", ["key"])
    return row


async def _apply(
    session: AsyncSession,
    kind: Kind,
    row: Any,
    spec: Mapping[str, Any],
    catalogue: Catalogue,
    problems: Problems,
) -> None:
    values = kind.validate(spec, problems, catalogue)
    spec_audience = None
    if "audience" in spec:
        try:
            spec_audience = await audiences.validate(session, spec["audience"], ["audience"])
        except DomainError as exc:
            problems.items.extend(exc.problems)
    problems.raise_if_any()
    for column, value in values.items():
        setattr(row, column, value)
    if "audience" in spec:
        row.audience_id = await audiences.store(session, spec_audience)
    session.add(row)
    await session.flush()
    await audiences.bump_access_version(session)  # every worker sees the change next request


async def create(
    session: AsyncSession, kind: Kind, spec: Mapping[str, Any], catalogue: Catalogue
) -> Any:
    """A new tab, page, form or tip from a whole spec; DUPLICATE when its key is taken."""
    problems = Problems()
    key = spec.get("key")
    if not is_key(key):
        problems.add(
            ErrorCode.REQUIRED if key is None else ErrorCode.INVALID_VALUE,
            f"key: lowercase letters, digits and single dashes, e.g. getting-started (at most "
            f"{MAX_KEY}).",
            "key",
        )
    elif await session.scalar(select(kind.model.id).where(kind.model.key == key)) is not None:
        problems.add(ErrorCode.DUPLICATE, f"A {kind.noun} with key {key!r} exists.", "key")
    for name in kind.required:
        if name not in spec:
            problems.add(ErrorCode.REQUIRED, f"{name} is required.", name)
    row = kind.model(key=key)
    await _apply(session, kind, row, {"audience": None, **spec}, catalogue, problems)
    return row


async def update(
    session: AsyncSession, kind: Kind, row: Any, spec: Mapping[str, Any], catalogue: Catalogue
) -> None:
    """Change what `spec` names (omitted: unchanged; audience null: every contact)."""
    await _apply(session, kind, row, spec, catalogue, Problems())
