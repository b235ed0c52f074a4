"""The settings table of docs/deploy.md, generated from the Settings class.

Each setting's variable, default and meaning: the meaning is the comment written above
the field in server/settings.py, and a `# ---- Title` comment starts a group. Regenerate
with `partnerscope settings-table --update docs/deploy.md`; a test fails when they differ.
"""

from __future__ import annotations

import inspect
import re
from enum import Enum
from pathlib import Path

from pydantic import SecretStr
from pydantic_core import PydanticUndefined

from server.settings import Settings

START = "<!-- settings-table:start (generated: partnerscope settings-table) -->"
END = "<!-- settings-table:end -->"
_SECTION = re.compile(r"#\s*-{2,}\s*(.*)")


def _comments() -> dict[str, tuple[str | None, str]]:
    """{field: (group title it starts, or None; the comment above it)}."""
    lines = inspect.getsource(Settings).splitlines()
    found: dict[str, tuple[str | None, str]] = {}
    for number, line in enumerate(lines):
        match = re.match(r"\s+(\w+)\s*:", line)
        if not match or match.group(1) not in Settings.model_fields:
            continue
        above: list[str] = []
        at = number - 1
        while at >= 0 and lines[at].strip().startswith("#"):
            above.insert(0, lines[at].strip())
            at -= 1
        title: str | None = None
        text: list[str] = []
        for comment in above:
            words = comment.lstrip("#").strip()
            if section := _SECTION.match(comment):
                title, text = section.group(1).strip(), []
            elif title is not None and not text and not title.endswith((".", ")")):
                title = f"{title} {words}"  # a group title carried over several lines
            else:
                text.append(words)
        found[match.group(1)] = (title, " ".join(text))
    return found


def _default(name: str) -> str:
    field = Settings.model_fields[name]
    value = field.default
    if value is PydanticUndefined or value is None:
        return "(none)"
    if isinstance(value, SecretStr):
        return "(set)"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def _variable(name: str) -> str:
    prefix = Settings.model_config.get("env_prefix", "")
    return f"`{prefix}{name}`".upper()


def table() -> str:
    """The Markdown table, one row per setting in the class's order."""
    comments = _comments()
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name in Settings.model_fields:
        title, text = comments.get(name, (None, ""))
        if title:
            rows.append(f"| **{_escape(title)}** | | |")
        rows.append(f"| {_variable(name)} | {_default(name)} | {_escape(text)} |")
    return "\n".join(rows) + "\n"


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def embedded(document: str) -> str:
    """The table between the markers of `document` (ValueError when they are missing)."""
    start, end = document.index(START) + len(START), document.index(END)
    return document[start:end].strip("\n") + "\n"


def update(path: Path) -> bool:
    """Write the current table between the markers of `path`; whether it changed."""
    document = path.read_text()
    start, end = document.index(START) + len(START), document.index(END)
    fresh = document[:start] + "\n" + table() + document[end:]
    if fresh == document:
        return False
    path.write_text(fresh)
    return True
