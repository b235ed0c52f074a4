"""What a GraphQL operation may cost, compiled once per document (schema.documents checks it).

Each field costs 1 plus, for what it selects, a multiple: a connection's `edges` count
`first` times (a literal, or a variable read per request; 20 when absent, at most 100),
an object list that is not a connection its bound (LIST_BOUNDS, else DEFAULT_LIST_BOUND),
anything else once. Limits and their numbers: docs/api.md, "Limits".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

DEFAULT_PAGE = 20  # `first` when a connection is asked without it (as domain.pagination)
MAX_PAGE = 100
# Object lists that are not connections are short by design (a partner's segments, a
# viewer's tabs, a quote's lines): each counts as DEFAULT_LIST_BOUND items unless named here.
DEFAULT_LIST_BOUND = 10
LIST_BOUNDS: dict[str, int] = {
    "Query.segments": 100,
    "Query.staffMembers": 100,
    # Deal desk (docs/api.md, "Deal desk"): a quote holds at most 100 lines; catalogues are
    # counted as 500 products and 200 price rules.
    "Quote.lines": 100,
    "Query.products": 500,
    "Query.priceRules": 200,
    # Enablement lists that are not connections (docs/api.md, "Enablement").
    "Query.assetFolders": 500,
    "Query.courses": 300,
    "Query.certifications": 100,
    "Query.goals": 100,
    "Viewer.enrollments": 300,
    "Viewer.certifications": 100,
    "Viewer.goals": 100,
    # Portal shell (docs/api.md, "Portal shell"): fields and updates per form are capped.
    "Viewer.navigation": 50,
    "Viewer.dealCoach": 50,
    "Viewer.forms": 20,
    "Query.forms": 20,
    "Form.fields": 50,
    "Form.onSubmit": 50,
}


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    """The document's fragments by name."""
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


@dataclass(frozen=True)
class CostNode:
    """One field: cost = 1 + multiplier x (cost of what it selects)."""

    children: tuple[CostNode, ...] = ()
    multiplier: int = 1
    # A connection's `edges` are multiplied by its `first`: a literal, or a variable.
    first_variable: str | None = None

    def cost(self, variables: Mapping[str, Any]) -> int:
        inner = sum(child.cost(variables) for child in self.children)
        return 1 + self._multiplier(variables) * inner

    def _multiplier(self, variables: Mapping[str, Any]) -> int:
        if self.first_variable is None:
            return self.multiplier
        return _page(variables.get(self.first_variable))


def _page(first: Any) -> int:
    # Out-of-range values are refused by the list itself (BAD_USER_INPUT), so clamp here.
    if not isinstance(first, int) or isinstance(first, bool):
        return DEFAULT_PAGE
    return min(max(first, 0), MAX_PAGE)


def _is_connection(field_type: Any) -> bool:
    named = get_named_type(field_type)
    return isinstance(named, GraphQLObjectType) and named.name.endswith("Connection")


def _is_object_list(field_type: Any) -> bool:
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    return isinstance(inner, GraphQLList) and isinstance(
        get_named_type(inner), GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType
    )


class CostCompiler:
    """A document's operations as cost trees (one per operation, compiled once)."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.fragments = fragments_of(document)

    def selections(
        self, selection_set: SelectionSetNode | None, parent: Any, edges: CostNode | None = None
    ) -> tuple[CostNode, ...]:
        """Cost nodes of a selection set; `edges` is the connection's multiplier template."""
        if selection_set is None:
            return ()
        nodes: list[CostNode] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    continue  # introspection is bounded by its own rules
                nodes.append(self.field(selection, parent, edges))
            else:
                if isinstance(selection, InlineFragmentNode):
                    inner = selection.selection_set
                    condition = selection.type_condition
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = self.fragments[selection.name.value]
                    inner, condition = fragment.selection_set, fragment.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                nodes.extend(self.selections(inner, target, edges))
        return tuple(nodes)

    def field(self, node: FieldNode, parent: Any, edges: CostNode | None) -> CostNode:
        definition = getattr(get_named_type(parent), "fields", {}).get(node.name.value)
        if definition is None:
            return CostNode()
        if _is_connection(definition.type):
            page = self._first(node)
            return CostNode(self.selections(node.selection_set, definition.type, page))
        children = self.selections(node.selection_set, definition.type)
        if edges is not None and node.name.value == "edges":
            return CostNode(children, edges.multiplier, edges.first_variable)
        if _is_object_list(definition.type):
            bound = LIST_BOUNDS.get(f"{get_named_type(parent).name}.{node.name.value}")
            return CostNode(children, bound or DEFAULT_LIST_BOUND)
        return CostNode(children)

    @staticmethod
    def _first(node: FieldNode) -> CostNode:
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, VariableNode):
                return CostNode(first_variable=value.name.value)
            if isinstance(value, IntValueNode):
                return CostNode(multiplier=_page(int(value.value)))
            if isinstance(value, NullValueNode):
                break
        return CostNode(multiplier=DEFAULT_PAGE)
