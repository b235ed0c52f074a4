"""What a query selected, so reads load only the columns it needs.

Strawberry hands each resolver the selection under its field (fragments included). A
connection's resolver asks which fields were selected on its nodes; a field that is not
a plain column (or one named here as needing only the row's id) makes the answer None:
load everything, never too little.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from resolvers.context import Info


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)


def connection_node_fields(info: Info) -> set[str]:
    """Names of the fields selected on the nodes of the connection `info` resolves."""
    names: set[str] = set()
    for connection in _fields(info.selected_fields):
        for edges in _fields(connection.selections):
            if edges.name != "edges":
                continue
            for node in _fields(edges.selections):
                if node.name == "node":
                    names.update(f.name for f in _fields(node.selections))
    return names


def columns_for(
    selected: Iterable[str], columns: Mapping[str, str | None]
) -> frozenset[str] | None:
    """The model attributes the selected fields read (`columns`: GraphQL field name ->
    attribute, None for a field that needs only the id); None when a field is not known."""
    needed: set[str] = set()
    for name in selected:
        if name not in columns:
            return None
        attribute = columns[name]
        if attribute is not None:
            needed.add(attribute)
    return frozenset(needed)
