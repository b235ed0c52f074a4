"""Assemble the served schema from the per-area root fields."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types

from schema.extensions import ErrorPolicy
from schema.operations import catalogue, identity, node, partners, segments

QUERIES = (identity.Query, node.Query, partners.Query, catalogue.Query, segments.Query)
MUTATIONS = (identity.Mutation, partners.Mutation, catalogue.Mutation, segments.Mutation)


class PartnerScopeSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Expected errors (coded, or invalid documents) are answers, not incidents.

        ErrorPolicy logs the unexpected ones, with their request id.
        """


def build_schema() -> strawberry.Schema:
    query = merge_types("Query", QUERIES)
    mutation = merge_types("Mutation", MUTATIONS)
    return PartnerScopeSchema(query=query, mutation=mutation, extensions=[ErrorPolicy])
