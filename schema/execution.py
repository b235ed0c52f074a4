"""Execution of the served schema: leaf fields that only read their row take a short path.

graphql-core executes every field alike: it builds a resolve info (a 16-field tuple),
looks at the arguments, calls the resolver, checks whether the result is awaitable and
completes it through the type's wrappers (non-null, list, leaf) before coercing it. For a
scalar or enum that is an attribute of the row, that is ~3 us of bookkeeping around a
getattr, and a list of 100 partners with 8 fields pays it 800 times. Such fields (the
plain attribute reads and ids of schema.build, field policies' guards included) carry a
reader here; `execute_fields` answers them itself, reading and coercing each value, and
hands the object's other fields to graphql-core, merging both in the selection's order.
Anything unusual (an exception, null in a non-null field, a value the scalar refuses, a
required field a policy hides from this viewer, middleware such as tracing) goes the
regular way, which also reports errors exactly as graphql-core does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

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
    hide keeps its policy key, so the short path answers it as its guard would when the
    viewer's policies hide it (permissions.field_policies)."""
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        hideable_here = set(hideable.get(graphql_type.name, ()))
        for name, field in graphql_type.fields.items():
            read = field.extensions.get(READ)
            nullable = not isinstance(field.type, GraphQLNonNull)
            leaf = field.type if nullable else field.type.of_type
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

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: dict[str, Any],
        position_context: Any,
    ) -> Any:
        """An object's fields: the short leaves answered here, the others the regular way,
        the answer in the selection's order."""
        if not self.short_leaves:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        fields = parent_type.fields
        answered: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for response_name, field_details_list in grouped_field_set.items():
            field = fields.get(field_details_list[0].node.name.value)
            short = field.extensions.get(LEAF) if field is not None else None
            value = _REGULAR if short is None else self._short(short, source_value)
            if value is _REGULAR:
                rest[response_name] = field_details_list
            else:
                answered[response_name] = value
        if not rest:
            return answered
        if not answered:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        regular = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if self.is_awaitable(regular):

            async def merged() -> dict[str, Any]:
                return _in_order(grouped_field_set, answered, await regular)

            return merged()
        return _in_order(grouped_field_set, answered, cast(dict[str, Any], regular))

    def _short(self, short: tuple[Any, Any, bool, str | None], source: Any) -> Any:
        read, leaf, nullable, key = short
        if key is not None and key in self.context_value.hidden_fields:
            if not nullable:
                return _REGULAR  # a hidden required JSON object: its guard answers {}
            # What its guard (permissions.field_policies) answers: null, named once in
            # the response's extensions.
            self.context_value.hidden_seen.add(key)
            return None
        try:
            value = read(source)
            if value is None:
                return None if nullable else _REGULAR
            coerced = leaf.coerce_output_value(value)
        except Exception:  # the regular path reports it, as graphql-core does
            return _REGULAR
        return _REGULAR if coerced is None or coerced is Undefined else coerced


def _in_order(
    grouped_field_set: dict[str, Any], answered: dict[str, Any], regular: dict[str, Any]
) -> dict[str, Any]:
    both = answered | regular
    return {name: both[name] for name in grouped_field_set if name in both}
