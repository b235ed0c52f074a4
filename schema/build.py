"""Assemble the served schema from the per-area root fields."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from operator import attrgetter
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLObjectType, GraphQLSchema
from strawberry.tools import merge_types
from strawberry.types.field import StrawberryField

from domain import ids
from permissions.field_policies import HiddenFields, govern
from schema.documents import DocumentGuard
from schema.error_policy import apply_error_policy
from schema.execution import READ, PartnerScopeExecution, leaf_readers
from schema.operations import (
    access,
    catalogue,
    content,
    deals,
    goals,
    identity,
    layouts,
    learning,
    node,
    partners,
    portal,
    products,
    quotes,
    segments,
)
from schema.read_sharing import MutationsReadApart
from schema.scalars import SCALAR_OVERRIDES

QUERIES = (
    identity.Query,
    node.Query,
    partners.Query,
    catalogue.Query,
    segments.Query,
    access.Query,
    content.Query,
    learning.Query,
    goals.Query,
    portal.Query,
    deals.Query,
    quotes.Query,
    products.Query,
)
MUTATIONS = (
    identity.Mutation,
    partners.Mutation,
    catalogue.Mutation,
    segments.Mutation,
    access.Mutation,
    layouts.Mutation,
    content.Mutation,
    learning.Mutation,
    goals.Mutation,
    portal.Mutation,
    deals.Mutation,
    quotes.Mutation,
    products.Mutation,
)


class PartnerScopeSchema(strawberry.Schema):
    # {type name: fields a field policy may hide}, filled in by build_schema.
    hideable_fields: dict[str, list[str]]

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Give every error its code; log and mask the unexpected ones (with a request id).

        Expected errors (coded, or refused documents) are answers, not incidents.
        """
        context = getattr(execution_context, "context", None)
        for error in errors:
            apply_error_policy(error, context)


def build_schema(*, guarded: bool = True) -> strawberry.Schema:
    """The served schema; `guarded` False leaves field policies' guards out (bench/guards.py
    measures what they cost against that twin)."""
    query = merge_types("Query", QUERIES)
    mutation = merge_types("Mutation", MUTATIONS)
    schema = PartnerScopeSchema(
        query=query,
        mutation=mutation,
        # Limits (docs/api.md, "Limits") and the per-text parse and validation cache.
        extensions=[DocumentGuard, HiddenFields, MutationsReadApart],
        scalar_overrides=SCALAR_OVERRIDES,  # Date is "YYYY-MM-DD" only
        execution_context_class=PartnerScopeExecution,
    )
    _plain_fields(schema._schema)
    _plain_ids(schema._schema)
    # Guards wrap the plain resolvers too.
    schema.hideable_fields = govern(schema._schema) if guarded else {}
    leaf_readers(schema._schema, schema.hideable_fields)
    return schema


def _plain_fields(schema: GraphQLSchema) -> None:
    """Resolve every field that only reads its attribute (no resolver, arguments, permission
    classes or field extensions: Strawberry's "basic" fields) with a plain getattr, as
    Strawberry's own resolver ends up doing after building an Info, converting arguments and
    chaining extensions: ~5 us a field, which a list of 100 partners with 8 fields pays 800
    times."""
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for graphql_field in graphql_type.fields.values():
            definition = (graphql_field.extensions or {}).get("strawberry-definition")
            if isinstance(definition, StrawberryField) and _basic(definition):
                get, name = definition.default_resolver, definition.python_name
                graphql_field.resolve = _attribute(get, name)
                graphql_field.extensions[READ] = (
                    attrgetter(name) if get is getattr else partial(_read_attribute, get, name)
                )


def _basic(field: StrawberryField) -> bool:
    return field.is_basic_field and not field.arguments and not field.permission_classes


def _attribute(get: Callable[[Any, str], Any], name: str) -> Any:
    def resolve_attribute(source: Any, _info: Any) -> Any:
        return get(source, name)

    resolve_attribute._is_default = True  # type: ignore[attr-defined]  # untraced, as before
    return resolve_attribute


def _read_attribute(get: Callable[[Any, str], Any], name: str, source: Any) -> Any:
    return get(source, name)


# Types whose `id` is `ids.encode(<type name>, row.id)` (their Strawberry resolvers say so).
PLAIN_ID_TYPES = (
    "Announcement",
    "Asset",
    "AssetFolder",
    "AuditEntry",
    "Certification",
    "Contact",
    "Course",
    "Deal",
    "Enrollment",
    "Goal",
    "Partner",
    "Quote",
)


def _plain_ids(schema: GraphQLSchema) -> None:
    """Resolve these types' `id` straight from the row: the same answer as their Strawberry
    resolvers without Strawberry's argument handling, which on a list of 100 partners cost
    about a millisecond per request."""
    for type_name in PLAIN_ID_TYPES:
        graphql_type = schema.type_map.get(type_name)
        if isinstance(graphql_type, GraphQLObjectType) and "id" in graphql_type.fields:
            graphql_type.fields["id"].resolve = _encoder(type_name)
            graphql_type.fields["id"].extensions[READ] = partial(_read_id, type_name)


def _encoder(type_name: str) -> Any:
    def resolve_id(source: Any, _info: Any) -> str:
        return ids.encode(type_name, source.id)

    return resolve_id


def _read_id(type_name: str, source: Any) -> str:
    return ids.encode(type_name, source.id)
