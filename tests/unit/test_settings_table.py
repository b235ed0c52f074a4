"""docs/deploy.md lists every setting with the default the Settings class gives it."""

from __future__ import annotations

from pathlib import Path

from server import settings_table
from server.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def test_the_deployment_guide_lists_every_setting_as_the_settings_class_says() -> None:
    # when the guide's table is compared with one generated from the class
    written = settings_table.embedded(DEPLOY.read_text())

    # then they are the same (else: partnerscope settings-table --update docs/deploy.md)
    assert written == settings_table.table()


def test_the_table_names_each_variable_once_with_its_default() -> None:
    # when the table is generated
    rows = [r for r in settings_table.table().splitlines() if r.startswith("| `")]

    # then there is one row per setting, in the class's order, each with its default
    assert [r.split("`")[1] for r in rows] == [
        f"PARTNERSCOPE_{name.upper()}" for name in Settings.model_fields
    ]
    assert "| `PARTNERSCOPE_TOKEN_TTL_SECONDS` | `3600` |" in settings_table.table()
    assert "| `PARTNERSCOPE_METRICS_TOKEN` | (none) |" in settings_table.table()
