"""Configuration from the environment (or a .env file), as the contract names it."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from domain.db import Timeouts
from schema.documents import Introspection
from server.logs import LogFormat

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./partnerscope.db"


class ConfigurationError(Exception):
    """Settings that cannot work; the message says what to set."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARTNERSCOPE_", env_file=".env", extra="ignore")

    # Where the data lives: embedded SQLite by default; in production
    # postgresql+asyncpg://user:password@host:5432/database.
    database_url: str = DEFAULT_DATABASE_URL
    # Signs access tokens; the same on every worker and host. Required unless the
    # database is embedded SQLite (then generated and kept in <database>.secret).
    secret_key: SecretStr | None = None
    # How long an access token is valid.
    token_ttl_seconds: int = 3600
    # How long an invitation can be redeemed.
    invitation_ttl_hours: int = 168
    # argon2id cost (RFC 9106 second recommended option by default).
    password_time_cost: int = 3
    # argon2id memory per hash, in KiB.
    password_memory_kib: int = 65536
    # Least severe log lines written: DEBUG, INFO, WARNING or ERROR.
    log_level: str = "INFO"
    # Largest accepted request body (an upsert of 1000 partners is well under 1 MiB).
    max_body_bytes: int = 2 * 1024 * 1024
    # Time-dependent segments and time-based metrics are re-evaluated this often (0: never).
    recompute_interval_seconds: int = 900
    # Who may introspect the schema (GraphiQL's explorer): public, signed-in or off.
    introspection: Introspection = Introspection.SIGNED_IN
    # Sign-in throttling: failed attempts within the window, per account and per client
    # address; shared by every worker and host through Redis when a URL is set.
    redis_url: str | None = None
    # The sliding window failures are counted in.
    sign_in_window_seconds: int = 900
    # Failures per account (an email, known or not) before its sign-ins are refused.
    sign_in_failures_per_account: int = 10
    # Failures per client address before its sign-ins are refused.
    sign_in_failures_per_address: int = 50
    # Password hashing runs on this many threads, off the event loop (argon2 needs ~64 MiB
    # each at the default cost); 0 means one fewer than the CPU count, at least one.
    password_hash_threads: int = 0

    # ---- Slow and crowded clients (docs/api.md, "Deployment limits")
    # uvicorn closes a connection idle this long between requests.
    keep_alive_timeout_seconds: int = 5
    # Connections served at once per worker; more are answered 503. 0 (or empty): no limit.
    limit_concurrency: int = 200
    # A request body must have fully arrived this long after it is first read (else 408);
    # 0 turns the deadline off.
    body_read_timeout_seconds: float = 10.0
    # Proxies whose X-Forwarded-For/-Proto are trusted for the client's address ("*": any).
    forwarded_allow_ips: str = "127.0.0.1"

    # ---- A slow or unreachable database (docs/api.md, "When the database fails"). 0 leaves
    # a database bound to the driver (none for statements, 60 s to connect, 30 s for the
    # pool) and turns the request deadline off.
    # Longest statement on PostgreSQL, lock waits included (requests' statements take
    # milliseconds, a rule save's recompute statements 0.1-0.5 s at 250,000 contacts);
    # the client gives up a second later, so a frozen network ends too.
    database_statement_timeout_seconds: float = 15.0
    # Opening a PostgreSQL connection (a healthy server answers within milliseconds).
    database_connect_timeout_seconds: float = 5.0
    # Waiting for a free pooled connection when every one is busy.
    database_pool_timeout_seconds: float = 5.0
    # Whole /graphql request: past it the answer is 503 with Retry-After. Above the
    # statement timeout, so a request can still report its own slow statement; below
    # the reverse proxy's upstream timeout (60 s in the nginx example).
    request_timeout_seconds: float = 30.0

    # ---- Metrics, traces and logs (docs/deploy.md, "Observability"); traces follow the
    # standard OTEL_* variables instead.
    # Log lines as JSON objects (one per line, with the request id) or as plain text.
    log_format: LogFormat = "json"
    # GET /metrics in the Prometheus text format; false turns it (and the counting) off.
    metrics_enabled: bool = True
    # When set, /metrics answers only `Authorization: Bearer <token>`; unset, it is open.
    metrics_token: SecretStr | None = None

    @field_validator("limit_concurrency", mode="before")
    @classmethod
    def _no_limit_when_empty(cls, value: object) -> object:
        return 0 if value in ("", None) else value

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "sqlite"

    def database_timeouts(self) -> Timeouts:
        return Timeouts(
            statement=self.database_statement_timeout_seconds or None,
            connect=self.database_connect_timeout_seconds or None,
            pool=self.database_pool_timeout_seconds or None,
        )

    def redacted_database_url(self) -> str:
        return make_url(self.database_url).render_as_string(hide_password=True)

    def signing_secret(self) -> str:
        """The token signing key. Generated and kept beside the database for embedded SQLite."""
        if self.secret_key is not None and self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value()
        if not self.is_sqlite:
            raise ConfigurationError(
                "PARTNERSCOPE_SECRET_KEY is required when the database is not embedded SQLite."
            )
        database = make_url(self.database_url).database
        if not database or database == ":memory:":
            return secrets.token_urlsafe(48)
        path = Path(database).with_suffix(".secret")
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return path.read_text().strip()
