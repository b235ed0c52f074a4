"""Sync partners from a CRM's CSV export into PartnerScope, the way an integrator would.

    python examples/sync_partners.py examples/partners.csv \\
        --url http://127.0.0.1:8000/graphql --api-key psk_...   # or PARTNERSCOPE_API_KEY

Each CSV row becomes a `PartnerInput` keyed by `externalId`, sent with `upsertPartners` in
batches. A batch is all or nothing, so a row the server refuses is reported by its CSV line
number and the rest of its batch is sent again without it. Throttling (HTTP 429 or 503,
`TOO_MANY_ATTEMPTS`) and dropped connections are retried with exponential backoff, waiting
at least what `Retry-After` asks; `upsertPartners` is idempotent, so a retry is safe.
Exit status: 0 when every row was synced, 1 when some were refused, 2 when the sync failed.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
from gql import Client, GraphQLRequest
from gql.client import AsyncClientSession
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportQueryError,
    TransportServerError,
)
from gql.transport.httpx import HTTPXAsyncTransport

UPSERT = GraphQLRequest("""
mutation Sync($inputs: [PartnerInput!]!) {
  upsertPartners(inputs: $inputs) {
    created updated
    partners { id externalId }
    errors { path code message }
  }
}
""")
# Columns copied as they are; `verticals` is a list separated by semicolons. Empty cells
# are left out, so they leave the partner's value unchanged.
TEXT_COLUMNS = ("externalId", "name", "type", "tier", "region", "country", "phase", "joinedAt")
THROTTLED_STATUSES = {429, 503}
THROTTLED_CODES = {"TOO_MANY_ATTEMPTS"}
MAX_BATCH = 1000  # the server's limit on upsertPartners inputs


@dataclass(frozen=True)
class Row:
    line: int  # where it starts in the CSV file (the header is line 1)
    values: dict[str, Any]


@dataclass(frozen=True)
class Problem:
    line: int | None  # None: the whole batch was refused
    external_id: str | None
    field: str
    code: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.line}" if self.line is not None else "batch"
        who = f" ({self.external_id})" if self.external_id else ""
        at = f" {self.field}:" if self.field else ""
        return f"{where}{who}:{at} {self.code}: {self.message}"


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    retries: int = 0
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"created {self.created}, updated {self.updated}, refused {len(self.problems)} "
            f"row{'s' if len(self.problems) != 1 else ''}, retried {self.retries} time"
            f"{'s' if self.retries != 1 else ''}"
        ]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)


class SyncFailed(Exception):
    """The sync cannot go on (bad key, server unreachable after every retry...)."""


class Throttled(Exception):
    def __init__(self, reason: str, retry_after: float | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def read_rows(path: Path) -> list[Row]:
    """The CSV's rows as PartnerInput values, each with the line it starts on."""
    rows = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        line = reader.line_num + 1
        for record in reader:
            values: dict[str, Any] = {
                column: record[column].strip()
                for column in TEXT_COLUMNS
                if (record.get(column) or "").strip()
            }
            verticals = (record.get("verticals") or "").strip()
            if verticals:
                values["verticals"] = [v.strip() for v in verticals.split(";") if v.strip()]
            rows.append(Row(line, values))
            line = reader.line_num + 1
    return rows


def retry_after_seconds(header: str | None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date."""
    if not header:
        return None
    if header.strip().isdigit():
        return float(header.strip())
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class Syncer:
    def __init__(
        self,
        session: AsyncClientSession,
        last_response: dict[str, httpx.Response],
        *,
        max_attempts: int = 6,
        base_delay: float = 0.5,
        max_delay: float = 30.0,
    ) -> None:
        self.session = session
        self.last_response = last_response
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.report = Report()

    async def sync(self, rows: Sequence[Row], batch_size: int) -> Report:
        for start in range(0, len(rows), batch_size):
            await self._sync_batch(list(rows[start : start + batch_size]))
        self.report.problems.sort(key=lambda p: (p.line is None, p.line or 0))
        return self.report

    async def _sync_batch(self, batch: list[Row]) -> None:
        """Send the batch; drop the rows it refuses and send the rest until it is accepted."""
        while batch:
            payload = await self._upsert([row.values for row in batch])
            errors = payload["errors"]
            if not errors:
                self.report.created += payload["created"]
                self.report.updated += payload["updated"]
                return
            refused: set[int] = set()
            for error in errors:
                path = error["path"]
                if len(path) >= 2 and path[0] == "inputs" and path[1].isdigit():
                    row = batch[int(path[1])]
                    refused.add(int(path[1]))
                    self.report.problems.append(
                        Problem(
                            row.line,
                            row.values.get("externalId"),
                            ".".join(path[2:]),
                            error["code"],
                            error["message"],
                        )
                    )
                else:  # about the batch as a whole: nothing to drop, so stop here
                    self.report.problems.append(
                        Problem(None, None, ".".join(path), error["code"], error["message"])
                    )
                    return
            batch = [row for i, row in enumerate(batch) if i not in refused]

    async def _upsert(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
        request = GraphQLRequest(UPSERT, variable_values={"inputs": inputs})
        for attempt in range(1, self.max_attempts + 1):
            try:
                result = await self.session.execute(request)
                payload: dict[str, Any] = result["upsertPartners"]
                codes = {e["code"] for e in payload["errors"]}
                if codes & THROTTLED_CODES:
                    raise Throttled(f"payload {sorted(codes & THROTTLED_CODES)}", None)
                return payload
            except Throttled as throttled:
                wait = self._wait(attempt, throttled.retry_after)
                reason = throttled.reason
            except TransportServerError as error:
                if error.code not in THROTTLED_STATUSES:
                    raise SyncFailed(f"HTTP {error.code}: {error}") from error
                wait = self._wait(attempt, self._retry_after())
                reason = f"HTTP {error.code}"
            except TransportQueryError as error:
                codes = {(e.get("extensions") or {}).get("code") for e in error.errors or []}
                if not codes & THROTTLED_CODES:
                    raise SyncFailed(_first_message(error)) from error
                wait = self._wait(attempt, self._retry_after())
                reason = f"{sorted(c for c in codes if c)}"
            except TransportConnectionFailed as error:
                wait = self._wait(attempt, None)
                reason = f"connection failed ({error})"
            if attempt == self.max_attempts:
                break
            self.report.retries += 1
            print(f"throttled: {reason}; retrying in {wait:.1f} s", file=sys.stderr)
            await asyncio.sleep(wait)
        raise SyncFailed(f"gave up after {self.max_attempts} attempts: {reason}")

    def _retry_after(self) -> float | None:
        response = self.last_response.get("response")
        return retry_after_seconds(response.headers.get("retry-after") if response else None)

    def _wait(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff with full jitter, never shorter than Retry-After asks."""
        backoff = random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))
        return max(backoff, retry_after or 0.0)


def _first_message(error: TransportQueryError) -> str:
    for item in error.errors or []:
        code = (item.get("extensions") or {}).get("code", "ERROR")
        return f"{code}: {item.get('message')}"
    return str(error)


async def run(
    csv_path: Path,
    url: str,
    api_key: str,
    *,
    batch_size: int = 200,
    max_attempts: int = 6,
    base_delay: float = 0.5,
    http_transport: httpx.AsyncBaseTransport | None = None,
) -> Report:
    """Sync every row of `csv_path`; `http_transport` replaces httpx's (tests, proxies)."""
    rows = read_rows(csv_path)
    last_response: dict[str, httpx.Response] = {}

    async def remember(response: httpx.Response) -> None:
        last_response["response"] = response  # for its Retry-After, if it is refused

    options: dict[str, Any] = {"timeout": 60.0, "event_hooks": {"response": [remember]}}
    if http_transport is not None:
        options["transport"] = http_transport
    transport = HTTPXAsyncTransport(
        url=url, headers={"Authorization": f"ApiKey {api_key}"}, **options
    )
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        syncer = Syncer(session, last_response, max_attempts=max_attempts, base_delay=base_delay)
        return await syncer.sync(rows, batch_size)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="the CSV export (header row first)")
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    parser.add_argument(
        "--api-key",
        default=os.environ.get("PARTNERSCOPE_API_KEY"),
        help="a key with partners:write (default: $PARTNERSCOPE_API_KEY)",
    )
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--max-attempts", type=int, default=6)
    args = parser.parse_args(argv)
    if not args.api_key:
        parser.error("an API key is needed: --api-key or PARTNERSCOPE_API_KEY")
    if args.max_attempts < 1:
        parser.error("--max-attempts must be at least 1")
    if not 1 <= args.batch_size <= MAX_BATCH:
        parser.error(f"--batch-size must be between 1 and {MAX_BATCH}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        report = asyncio.run(
            run(
                args.csv,
                args.url,
                args.api_key,
                batch_size=args.batch_size,
                max_attempts=args.max_attempts,
            )
        )
    except (SyncFailed, OSError, csv.Error) as error:
        print(f"sync failed: {error}", file=sys.stderr)
        return 2
    print(report.summary())
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
