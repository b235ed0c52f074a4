"""Reads share one connection per query; a mutation's do not (domain.db.SharedReads)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType


class MutationsReadApart(SchemaExtension):
    """A mutation interleaves reads, password hashing and writes: holding the request's
    read connection through all of them would hold two connections at once while it waits
    for the writer's, so it gives the shared one back before it runs."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        try:
            kind = context.operation_type
        except RuntimeError:  # no such operation: execution refuses it, nothing to share
            kind = None
        if kind is OperationType.MUTATION:
            db = getattr(context.context, "db", None)
            if db is not None:
                await db.stop_sharing_reads()
        yield
