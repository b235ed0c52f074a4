"""The command line: one clear line and exit code 2 for anything a user can get wrong."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from domain import ids
from server.cli import main

UNREACHABLE = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("PARTNERSCOPE_DATABASE_URL", url)
    monkeypatch.setenv("PARTNERSCOPE_PASSWORD_TIME_COST", "1")
    monkeypatch.setenv("PARTNERSCOPE_PASSWORD_MEMORY_KIB", "1024")
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return url


def _one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def test_unknown_command_is_one_line_and_exit_two(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2
    assert "invalid choice" in _one_line(capsys.readouterr().err)


def test_missing_arguments_name_what_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["create-staff", "--email", "a@example.com"])
    assert exited.value.code == 2
    line = _one_line(capsys.readouterr().err)
    assert "--password" in line
    assert "--role" in line


def test_unreachable_database_is_one_line_and_exit_two(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARTNERSCOPE_DATABASE_URL", UNREACHABLE)
    monkeypatch.setenv("PARTNERSCOPE_SECRET_KEY", "x" * 32)
    assert main(["migrate"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("partnerscope: cannot use the database at postgresql+asyncpg://")


def test_serve_refuses_an_unmigrated_database_before_starting(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--port", "8999"]) == 2
    assert "partnerscope migrate" in _one_line(capsys.readouterr().err)


def test_serve_refuses_a_bad_port(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "70000"]) == 2
    assert "--port" in _one_line(capsys.readouterr().err)


def test_postgres_without_a_signing_key_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARTNERSCOPE_DATABASE_URL", UNREACHABLE)
    monkeypatch.delenv("PARTNERSCOPE_SECRET_KEY", raising=False)
    assert main(["serve"]) == 2
    assert "PARTNERSCOPE_SECRET_KEY" in _one_line(capsys.readouterr().err)


def test_migrate_then_create_staff_prints_the_new_id(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    assert main(["migrate"]) == 0
    capsys.readouterr()
    # when
    code = main(
        [
            "create-staff",
            "--email",
            "cm@example.com",
            "--password",
            "long enough",
            "--role",
            "CHANNEL_MANAGER",
        ]
    )
    # then
    assert code == 0
    printed = capsys.readouterr().out.strip()
    assert ids.decode(printed) == ("StaffMember", 1)


def test_create_staff_with_a_taken_email_or_short_password_says_why(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    assert (
        main(
            [
                "create-staff",
                "--email",
                "a@example.com",
                "--password",
                "long enough",
                "--role",
                "ANALYST",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert (
        main(
            ["create-staff", "--email", "a@example.com", "--password", "short", "--role", "ANALYST"]
        )
        == 2
    )
    line = _one_line(capsys.readouterr().err)
    assert "already has an account" in line
    assert "at least 8 characters" in line


def test_seeding_the_demo_twice_loads_it_once(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    assert main(["seed", "--demo"]) == 0
    first = capsys.readouterr().out
    assert main(["seed", "--demo"]) == 0
    second = capsys.readouterr().out
    assert "Demo programme loaded: 40 partners, 150 contacts" in first
    assert "admin@partnerscope.example.com / demo-admin-2026" in first
    assert second.startswith("Demo programme already loaded.")


def test_recompute_reports_and_refuses_an_unknown_segment(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    capsys.readouterr()
    assert main(["recompute"]) == 0
    assert capsys.readouterr().out.startswith("Re-evaluated 0 segment(s)")
    assert main(["recompute", "--segment", "nope"]) == 2
    assert "No segment with key 'nope'" in _one_line(capsys.readouterr().err)


def test_export_schema_needs_no_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARTNERSCOPE_DATABASE_URL", UNREACHABLE)
    assert main(["export-schema"]) == 0
    printed = capsys.readouterr().out
    assert "type Query {" in printed
    assert "type Mutation {" in printed


def _audit_actions(url: str) -> list[tuple[str, str, str]]:
    path = url.removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT actor, action, outcome FROM audit_log ORDER BY id")
        return [tuple(r) for r in rows]


def test_create_staff_and_recompute_from_the_command_line_are_audited(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    assert main(["migrate"]) == 0
    # when
    staff = ["--email", "ops@example.com", "--password", "long enough", "--role", "ANALYST"]
    assert main(["create-staff", *staff]) == 0
    assert main(["create-staff", *staff]) == 2
    assert main(["recompute"]) == 0
    # then
    assert _audit_actions(sqlite_url) == [
        ("cli", "create-staff", "OK"),
        ("cli", "create-staff", "REFUSED"),
        ("cli", "recompute", "OK"),
    ]


def test_check_memberships_exits_zero_when_clean_and_one_on_drift(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # given: the demo programme, then one membership removed behind the engine's back
    assert main(["migrate"]) == 0
    assert main(["seed", "--demo"]) == 0
    capsys.readouterr()
    assert main(["check-memberships"]) == 0
    assert "everything stored agrees" in capsys.readouterr().out
    path = sqlite_url.removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as connection:
        connection.execute(
            "DELETE FROM segment_members WHERE (segment_id, subject_id) = (SELECT "
            "segment_id, subject_id FROM segment_members JOIN segments ON segments.id = "
            "segment_id WHERE segments.key = 'gold-plus' ORDER BY subject_id LIMIT 1)"
        )
    # when
    code = main(["check-memberships"])
    # then
    out = capsys.readouterr().out
    assert code == 1
    assert "segment gold-plus" in out
    assert "1 missing, 0 extra" in out
