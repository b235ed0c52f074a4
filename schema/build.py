"""Assemble the served schema from the per-area root fields."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types

from permissions.field_policies import HiddenFields, govern
from schema.documents import DocumentGuard
from schema.error_policy import apply_error_policy
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


def build_schema() -> strawberry.Schema:
    query = merge_types("Query", QUERIES)
    mutation = merge_types("Mutation", MUTATIONS)
    schema = PartnerScopeSchema(
        query=query,
        mutation=mutation,
        # Limits (docs/api.md, "Limits") and the per-text parse and validation cache.
        extensions=[DocumentGuard, HiddenFields, MutationsReadApart],
        scalar_overrides=SCALAR_OVERRIDES,  # Date is "YYYY-MM-DD" only
    )
    schema.hideable_fields = govern(schema._schema)
    return schema
