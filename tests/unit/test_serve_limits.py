"""`partnerscope serve` hands the slow-client settings to uvicorn (api.md "Deployment limits")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn

from server.cli import main
from server.settings import Settings


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What `serve` passed to uvicorn.run (which is replaced, so nothing listens)."""
    monkeypatch.setenv("PARTNERSCOPE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    calls: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.update(kwargs))
    assert main(["migrate"]) == 0
    return calls


def test_serve_passes_the_default_limits_to_uvicorn(served: dict[str, Any]) -> None:
    # when
    code = main(["serve"])
    # then
    assert code == 0
    assert served["timeout_keep_alive"] == 5
    assert served["limit_concurrency"] == 200
    assert served["proxy_headers"] is True
    assert served["forwarded_allow_ips"] == "127.0.0.1"


def test_serve_passes_limits_from_the_environment(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    monkeypatch.setenv("PARTNERSCOPE_KEEP_ALIVE_TIMEOUT_SECONDS", "2")
    monkeypatch.setenv("PARTNERSCOPE_LIMIT_CONCURRENCY", "50")
    monkeypatch.setenv("PARTNERSCOPE_FORWARDED_ALLOW_IPS", "10.0.0.5")
    # when
    code = main(["serve"])
    # then
    assert code == 0
    assert served["timeout_keep_alive"] == 2
    assert served["limit_concurrency"] == 50
    assert served["forwarded_allow_ips"] == "10.0.0.5"


@pytest.mark.parametrize("unlimited", ["0", ""], ids=["zero", "empty"])
def test_a_concurrency_limit_of_zero_or_empty_means_no_limit(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch, unlimited: str
) -> None:
    # given
    monkeypatch.setenv("PARTNERSCOPE_LIMIT_CONCURRENCY", unlimited)
    # when
    code = main(["serve"])
    # then
    assert code == 0
    assert served["limit_concurrency"] is None


def test_the_body_read_deadline_defaults_to_ten_seconds() -> None:
    # when
    settings = Settings(_env_file=None)
    # then
    assert settings.body_read_timeout_seconds == 10.0
