"""Assemble the served schema from the per-area root fields."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.extensions.query_depth_limiter import IgnoreContext
from strawberry.tools import merge_types

from permissions.fields import HiddenFields, govern
from schema.extensions import apply_error_policy
from schema.operations import access, catalogue, identity, node, partners, segments

QUERIES = (
    identity.Query,
    node.Query,
    partners.Query,
    catalogue.Query,
    segments.Query,
    access.Query,
)
MUTATIONS = (
    identity.Mutation,
    partners.Mutation,
    catalogue.Mutation,
    segments.Mutation,
    access.Mutation,
)


MAX_TOKENS = 5000
MAX_DEPTH = 12
MAX_ALIASES = 30
CACHE_SIZE = 256  # distinct documents whose parse and validation results are kept


def _introspection(context: IgnoreContext) -> bool:
    """GraphiQL's introspection nests `ofType` deeply; the token limit bounds it instead."""
    return context.field_name.startswith("__")


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


def build_schema() -> strawberry.Schema:
    query = merge_types("Query", QUERIES)
    mutation = merge_types("Mutation", MUTATIONS)
    schema = PartnerScopeSchema(
        query=query,
        mutation=mutation,
        extensions=[
            HiddenFields,
            # Limits (docs/api.md, "Limits"): each stops a class of abusive documents.
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: QueryDepthLimiter(max_depth=MAX_DEPTH, should_ignore=_introspection),
            lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
            # Module-level LRU caches, shared by every request (bounded: hostile documents
            # cannot grow memory).
            lambda: ParserCache(maxsize=CACHE_SIZE),
            lambda: ValidationCache(maxsize=CACHE_SIZE),
        ],
    )
    schema.hideable_fields = govern(schema._schema)
    return schema
