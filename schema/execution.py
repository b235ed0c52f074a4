"""Execution of the served schema: leaf fields that only read their row take a short path.

graphql-core executes every field alike: it builds a resolve info (a 16-field tuple),
looks at the arguments, calls the resolver, checks whether the result is awaitable and
completes it through the type's wrappers (non-null, list, leaf) before coercing it. For a
scalar or enum that is an attribute of the row, that is ~3 us of bookkeeping around a
getattr, and a list of 100 partners with 8 fields pays it 800 times. Such fields (the
plain attribute reads and ids of schema.build, field policies' guards included) carry a
reader here; `execute_field` calls it and coerces the value itself. Anything else, and
anything unusual (an exception, null in a non-null field, a value the scalar refuses,
middleware such as tracing), goes the regular way, which also reports errors exactly as
graphql-core does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    is_leaf_type,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# GraphQLField.extensions key: (read(source), leaf type, nullable, field policy key or None).
LEAF = "partnerscope-leaf"
# read(source) of a field that only reads its row, set by schema.build.
READ = "partnerscope-read"


def leaf_readers(schema: GraphQLSchema, hideable: Mapping[str, list[str]]) -> None:
    """Give each scalar or enum field with a row reader its short path. A field a policy may
    hide keeps its policy key: when the viewer's policies hide it, it goes the regular way,
    through its guard (permissions.field_policies)."""
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        hideable_here = set(hideable.get(graphql_type.name, ()))
        for name, field in graphql_type.fields.items():
            read = field.extensions.get(READ)
            nullable = not isinstance(field.type, GraphQLNonNull)
            leaf = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            if read is None or not is_leaf_type(leaf):
                continue
            key = f"{graphql_type.name}.{name}" if name in hideable_here else None
            field.extensions[LEAF] = (read, leaf, nullable, key)


_REGULAR = object()  # the short path declines: execute the field the regular way


class PartnerScopeExecution(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with the short path for leaf fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Strawberry always passes a manager; it wraps resolvers only when an extension
        # resolves (tracing), and then every field goes the regular way.
        manager = self.middleware_manager
        self.short_leaves = manager is None or not manager.middlewares

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        field = parent_type.fields.get(field_details_list[0].node.name.value)
        short = field.extensions.get(LEAF) if field is not None else None
        if short is not None and self.short_leaves:
            value = self._short(short, source)
            if value is not _REGULAR:
                return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _short(self, short: tuple[Any, Any, bool, str | None], source: Any) -> Any:
        read, leaf, nullable, key = short
        if key is not None and key in self.context_value.hidden_fields:
            return _REGULAR  # hidden: its guard answers (and names it in the extensions)
        try:
            value = read(source)
            if value is None:
                return None if nullable else _REGULAR
            coerced = leaf.coerce_output_value(value)
        except Exception:  # the regular path reports it, as graphql-core does
            return _REGULAR
        return _REGULAR if coerced is None or coerced is Undefined else coerced
