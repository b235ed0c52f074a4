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
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    parse,
    specified_rules,
    validate,
)
from graphql.execution import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from schema.query_cost import DEFAULT_PAGE, CostCompiler, CostNode, fragments_of

MAX_TOKENS = 5000
MAX_SELECTIONS = 500
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_COST = 20_000
MAX_VALIDATION_ERRORS = 20
CACHE_SIZE = 256  # distinct document texts whose analysis is kept

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
        fragments = fragments_of(node)
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
    compiler = CostCompiler(schema, document)
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
