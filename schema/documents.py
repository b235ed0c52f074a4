"""What a GraphQL document may ask for, decided before anything resolves.

Each distinct document text is parsed, measured and validated once (bounded LRU cache);
what depends on the caller (introspection, the cost given its variables) is checked per
request from that cached analysis. Limits and their numbers: docs/api.md, "Limits".
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
    parse,
    specified_rules,
    validate,
)
from graphql.execution import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

MAX_TOKENS = 5000
MAX_SELECTIONS = 500
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_COST = 20_000
MAX_VALIDATION_ERRORS = 20
CACHE_SIZE = 256  # distinct document texts whose analysis is kept

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
SIGN_IN_FIELDS = frozenset({"login", "acceptInvitation"})
INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})

VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"


class Introspection(StrEnum):
    """Who may read the schema through `__schema` / `__type` (PARTNERSCOPE_INTROSPECTION)."""

    PUBLIC = "public"
    SIGNED_IN = "signed-in"
    OFF = "off"


def refusal(message: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": VALIDATION_FAILED, **extensions})


# ---------------------------------------------------------------- validation rules
# Stable classes (one per process), so validation results can be cached per document.


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _depth(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> int:
    """Nested selection sets below `selection_set`: `{ viewer { id } }` is depth 1.

    Introspection is exempt (graphql-core's MaxIntrospectionDepthRule bounds it); a field
    counts by its real name, never its alias.
    """
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value in INTROSPECTION_ROOTS or selection.selection_set is None:
                continue
            deepest = max(deepest, 1 + _depth(selection.selection_set, fragments, seen))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments, seen))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:  # cycles: NoFragmentCyclesRule
                deepest = max(deepest, _depth(fragment.selection_set, fragments, seen | {name}))
    return deepest


class DepthRule(ValidationRule):
    def enter_document(self, node: DocumentNode, *_args: Any) -> None:
        fragments = _fragments(node)
        for definition in node.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            depth = _depth(definition.selection_set, fragments)
            if depth > MAX_DEPTH:
                name = definition.name.value if definition.name else "anonymous"
                self.report_error(
                    refusal(
                        f"Operation '{name}' nests {depth} levels deep; the maximum depth is "
                        f"{MAX_DEPTH}. Split it into several queries."
                    )
                )


class CountingRule(ValidationRule):
    """Aliases per document, sign-ins per request, schema introspections per request."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.aliases = 0
        self.sign_ins = 0
        self.schemas = 0

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.alias is not None:
            self.aliases += 1
        name = node.name.value
        if name == "__schema":
            self.schemas += 1
        parent = self.context.get_parent_type()
        schema = self.context.schema
        if name in SIGN_IN_FIELDS and parent is not None and parent is schema.mutation_type:
            self.sign_ins += 1

    def leave_document(self, *_args: Any) -> None:
        if self.aliases > MAX_ALIASES:
            self.report_error(
                refusal(f"{self.aliases} aliases; a document may hold at most {MAX_ALIASES}.")
            )
        if self.sign_ins > 1:
            self.report_error(refusal("Sign in once per request (one login or acceptInvitation)."))
        if self.schemas > 1:
            self.report_error(refusal("Ask for __schema at most once per request."))


RULES = (
    *specified_rules,
    MaybeNullValidationRule,
    OneOfInputValidationRule,
    DepthRule,
    CountingRule,
)


# ---------------------------------------------------------------- cost


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


class _CostCompiler:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.fragments = _fragments(document)

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


# ---------------------------------------------------------------- the analysis, cached


@dataclass(frozen=True)
class Operation:
    cost: CostNode
    introspects: bool


@dataclass
class Analysis:
    """A document as parsed and validated once: errors, or what each operation costs."""

    document: DocumentNode
    errors: list[GraphQLError] = field(default_factory=list)
    operations: dict[str | None, Operation] = field(default_factory=dict)


def _count_fields(document: DocumentNode) -> int:
    count = 0
    stack: list[SelectionSetNode] = [
        d.selection_set
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode):
                count += 1
            inner = getattr(selection, "selection_set", None)  # fields and inline fragments
            if inner is not None:
                stack.append(inner)
    return count


def _introspects(
    selection_set: SelectionSetNode | None, fragments: Mapping[str, FragmentDefinitionNode]
) -> bool:
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            if selection.name.value in INTROSPECTION_ROOTS:
                return True
        elif isinstance(selection, InlineFragmentNode):
            if _introspects(selection.selection_set, fragments):
                return True
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None and _introspects(fragment.selection_set, fragments):
                return True
    return False


def analyse(schema: GraphQLSchema, document: DocumentNode) -> Analysis:
    selections = _count_fields(document)
    if selections > MAX_SELECTIONS:
        return Analysis(
            document,
            [
                refusal(
                    f"The document selects {selections} fields; at most {MAX_SELECTIONS} are "
                    "accepted."
                )
            ],
        )
    errors = validate(schema, document, RULES, max_errors=MAX_VALIDATION_ERRORS)
    for error in errors:
        error.extensions = {**(error.extensions or {}), "code": VALIDATION_FAILED}
    if errors:
        return Analysis(document, errors)
    compiler = _CostCompiler(schema, document)
    operations: dict[str | None, Operation] = {}
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        root = schema.get_root_type(definition.operation)
        name = definition.name.value if definition.name else None
        operations[name] = Operation(
            cost=CostNode(compiler.selections(definition.selection_set, root)),
            introspects=_introspects(definition.selection_set, compiler.fragments),
        )
    return Analysis(document, [], operations)


class DocumentCache:
    """Analyses by document text, least recently used dropped first."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[str, Analysis] = OrderedDict()

    def get(self, schema: GraphQLSchema, text: str) -> Analysis:
        """The analysis of `text`; GraphQLError for a text that does not parse."""
        found = self._entries.get(text)
        if found is not None:
            self._entries.move_to_end(text)
            return found
        analysis = analyse(schema, parse(text, max_tokens=MAX_TOKENS))
        self._entries[text] = analysis
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return analysis


def _copy(error: GraphQLError) -> GraphQLError:
    """A per-request copy: the error policy edits messages (suggestions) in place."""
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=dict(error.extensions or {}),
    )


class DocumentGuard(SchemaExtension):
    """Parse, measure and validate each document text once; refuse what a caller may not run.

    Replaces Strawberry's parser and validation caches (whose key changed on every request
    while limiters brought fresh rule classes) and its depth and alias limiters.
    """

    cache = DocumentCache()

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options = {**context.parse_options, "max_tokens": MAX_TOKENS}
        if context.query:
            try:
                self.analysis: Analysis | None = self.cache.get(
                    context.schema._schema, context.query
                )
            except GraphQLError:
                self.analysis = None  # Strawberry parses again and reports the syntax error
            else:
                context.graphql_document = self.analysis.document
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        analysis = getattr(self, "analysis", None)
        if analysis is not None:
            errors = [_copy(e) for e in analysis.errors]
            named = context._provided_operation_name  # what the client sent, if anything
            if not errors and named is None and len(analysis.operations) > 1:
                errors = [
                    refusal(
                        "The document holds several operations: say which to run with "
                        "`operationName`."
                    )
                ]
            context.pre_execution_errors = errors
        yield

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        analysis = getattr(self, "analysis", None)
        operation = analysis.operations.get(context.operation_name) if analysis else None
        if operation is not None:
            refused = self._refusal(operation)
            if refused is not None:
                context.result = GraphQLExecutionResult(data=None, errors=[refused])
        yield

    def _refusal(self, operation: Operation) -> GraphQLError | None:
        request = self.execution_context.context
        if operation.introspects:
            allowed = request.introspection
            if allowed is Introspection.OFF or (
                allowed is Introspection.SIGNED_IN and request.principal is None
            ):
                return refusal(
                    "Schema introspection is not available"
                    + (" before signing in." if allowed is Introspection.SIGNED_IN else ".")
                )
        cost = operation.cost.cost(self.execution_context.variables or {}) - 1
        if cost > MAX_COST:
            return refusal(
                f"This query could cost {cost} field resolutions; the limit is {MAX_COST}. "
                "Each connection multiplies what it selects by its `first` (default "
                f"{DEFAULT_PAGE}), each list by its bound: ask for smaller pages or fewer "
                "nested lists.",
                cost=cost,
                maxCost=MAX_COST,
            )
        return None
