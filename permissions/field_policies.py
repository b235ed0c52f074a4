"""Field policies, enforced where the field is resolved at (almost) no per-object cost.

Which fields a viewer may not see is decided once per request (permissions.viewer). At
schema build, every field of a governed type gets a thin guard: a hidden field answers
null (lists: [], JSON objects: {}) without running its resolver; a visible one calls
straight through. A per-object permission *check* (the usual Strawberry permission class)
would cost about as much as resolving the field itself; this costs one set lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    default_field_resolver,
)
from strawberry.extensions import SchemaExtension

# Types whose fields field policies may hide (content types join as they arrive).
GOVERNED_TYPES = ("Partner", "PartnerMetrics", "Contact", "Deal", "Quote")
_NOTHING = object()  # the field cannot be hidden (non-null scalar or object)


class HidingContext(Protocol):
    """What a guard needs of the request context (resolvers.context.Context has it)."""

    @property
    def hidden_fields(self) -> frozenset[str]: ...

    hidden_seen: set[str]


def _empty_value(field_type: Any) -> Any:
    """What a hidden field answers: null, [] for lists, {} for a required JSON object."""
    if not isinstance(field_type, GraphQLNonNull):
        return None
    inner = field_type.of_type
    if isinstance(inner, GraphQLList):
        return []
    if isinstance(inner, GraphQLScalarType) and inner.name == "JSON":
        return {}
    return _NOTHING


def _guard(key: str, resolve: Callable[..., Any], empty: Any) -> Callable[..., Any]:
    def guarded(source: Any, info: GraphQLResolveInfo[HidingContext], **kwargs: Any) -> Any:
        hidden = info.context.hidden_fields
        if hidden and key in hidden:
            info.context.hidden_seen.add(key)
            return [] if isinstance(empty, list) else ({} if isinstance(empty, dict) else empty)
        return resolve(source, info, **kwargs)

    # Tracing skips plain attribute reads; a guard around one is one too.
    guarded._is_default = getattr(resolve, "_is_default", False)  # type: ignore[attr-defined]
    return guarded


def govern(
    schema: GraphQLSchema, type_names: Iterable[str] = GOVERNED_TYPES
) -> dict[str, list[str]]:
    """Guard every hideable field of the governed types; returns {type: hideable fields}."""
    hideable: dict[str, list[str]] = {}
    for type_name in type_names:
        graphql_type = schema.type_map.get(type_name)
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        hideable[type_name] = []
        for field_name, field in graphql_type.fields.items():
            empty = _empty_value(field.type)
            if empty is _NOTHING:
                continue
            field.resolve = _guard(
                f"{type_name}.{field_name}", field.resolve or default_field_resolver, empty
            )
            hideable[type_name].append(field_name)
    return hideable


class HiddenFields(SchemaExtension):
    """`extensions.hiddenFields`: each field a field policy hid in this response, once."""

    def on_operation(self) -> Iterator[None]:
        yield

    def get_results(self) -> dict[str, Any]:
        seen = getattr(self.execution_context.context, "hidden_seen", None)
        return {"hiddenFields": sorted(seen)} if seen else {}
