"""Shared benchmark plumbing: databases to run on, the machine description, result files."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sqlite3
import statistics
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from domain import migrate
from domain.db import Database, open_database

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
RESULTS = HERE / "results"
PG_SERVER = os.environ.get("PARTNERSCOPE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


def machine() -> dict[str, Any]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kib = int(meminfo.read_text().split()[1])
        memory = f"{total_kib / 1024 / 1024:.0f} GiB"
    try:
        postgres = subprocess.run(
            ["psql", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        postgres = "unknown"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql_client": postgres,
        "platform": platform.platform(),
    }


def record(name: str, database: str, figures: dict[str, Any], parameters: dict[str, Any]) -> Path:
    """Write one run's figures with the machine and date; returns the file."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}-{database}.json"
    path.write_text(
        json.dumps(
            {
                "benchmark": name,
                "database": database,
                "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "machine": machine(),
                "parameters": parameters,
                "figures": figures,
            },
            indent=2,
        )
        + "\n"
    )
    return path


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(statistics.median(ordered), 3),
        "p90_ms": round(q[89], 3),
        "p99_ms": round(q[98], 3),
        "max_ms": round(ordered[-1], 3),
        "samples": len(ordered),
    }


@asynccontextmanager
async def bench_database(kind: str, name: str, fresh: bool) -> AsyncIterator[tuple[Database, bool]]:
    """(database, needs_data). The dataset is kept between runs (a file in bench/.data, or a
    PostgreSQL database named partnerscope_bench_<name>) unless `fresh` rebuilds it."""
    if kind == "sqlite":
        DATA.mkdir(exist_ok=True)
        path = DATA / f"{name}.db"
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)  # noqa: ASYNC240 (setup, not serving)
        needs_data = not path.exists()
        db = open_database(f"sqlite+aiosqlite:///{path}")
        await migrate.upgrade(db.engine)
        try:
            yield db, needs_data
        finally:
            await db.dispose()
        return
    admin = await asyncpg.connect(f"{PG_SERVER}/postgres")
    database = f"partnerscope_bench_{name}"
    if fresh:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
    if not exists:
        await admin.execute(f'CREATE DATABASE "{database}"')
    db = open_database(f"{PG_SERVER.replace('postgresql://', 'postgresql+asyncpg://')}/{database}")
    try:
        await migrate.upgrade(db.engine)
        yield db, not exists
    finally:
        await db.dispose()
        await admin.close()


def run(main: Any) -> None:
    asyncio.run(main)
