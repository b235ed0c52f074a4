"""Rows behind the API: what tests read or change directly, to check what a request wrote."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.sql import ColumnElement

from domain import direct, ids
from domain.identity import api_keys
from domain.identity.tokens import TokenIssuer
from domain.models import AuditEntry, Base, Contact, StaffMember
from domain.principal import PrincipalKind
from tests.conftest import TEST_SECRET
from tests.support import Api

_SUBJECTS = {PrincipalKind.CONTACT: "Contact", PrincipalKind.STAFF: "StaffMember"}


def pk(global_id: str) -> int:
    """The primary key behind a public id (the test fails if it is not one)."""
    decoded = ids.decode(global_id)
    assert decoded is not None, f"{global_id!r} is not an id"
    return decoded[1]


def mint_token(
    kind: PrincipalKind, global_id: str, *, ttl: timedelta, secret: str = TEST_SECRET
) -> str:
    """A bearer token for a principal, as the server would sign it (a negative ttl: expired)."""
    assert ids.decode_as(global_id, _SUBJECTS[kind]) is not None
    token, _ = TokenIssuer(secret, ttl).issue(kind, pk(global_id))
    return token


async def count(api: Api, model: Any, *where: ColumnElement[bool]) -> int:
    async with api.db.read() as session:
        found = await session.execute(select(func.count()).select_from(model).where(*where))
        return found.scalar_one()


async def change(api: Api, model: Any, global_id: str, **values: Any) -> None:
    """Set columns of one row directly, as another process or an operator would."""
    async with api.db.write() as session:
        await session.execute(update(model).where(model.id == pk(global_id)).values(**values))


async def email_of(api: Api, global_id: str) -> str:
    decoded = ids.decode(global_id)
    assert decoded is not None, f"{global_id!r} is not an id"
    model = Contact if decoded[0] == "Contact" else StaffMember
    async with api.db.read() as session:
        found = await session.execute(select(model.email).where(model.id == decoded[1]))
        return found.scalar_one()


async def snapshot(api: Api, *, ignore: frozenset[str] = frozenset({"audit_log"})) -> Any:
    """Every row of every table (except the audit log), to show a request wrote nothing."""
    tables: dict[str, list[dict[str, Any]]] = {}
    async with api.db.read() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in ignore:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            rows = await session.execute(select(table).order_by(*order))
            tables[table.name] = [dict(r) for r in rows.mappings()]
    return tables


async def audit_entries(api: Api) -> list[AuditEntry]:
    async with api.db.read() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def api_key(api: Api, *scopes: str) -> tuple[str, str]:
    """(secret, id) of a new integrator key with `scopes`."""
    async with api.db.write() as session:
        key, secret = await api_keys.create_api_key(session, "integration", list(scopes), None)
    return secret, ids.encode("ApiKey", key.id)


class QueryCounter:
    """Counts the SQL statements the app runs inside a `with` block (N+1 guards)."""

    def __init__(self, app: Any) -> None:
        self.engine = app.state.runtime.db.engine.sync_engine
        self.statements: list[str] = []

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(statement)

    def _direct(self, statement: str) -> None:
        self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        direct.statement_listeners.append(self._direct)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)
        direct.statement_listeners.remove(self._direct)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def runtime_with(app: Any, **changes: Any) -> Iterator[Any]:
    """The app's process-wide services with some replaced, for the `with` block only."""
    original = app.state.runtime
    app.state.runtime = dataclasses.replace(original, **changes)
    try:
        yield app.state.runtime
    finally:
        app.state.runtime = original
