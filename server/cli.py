"""`partnerscope`: migrate, serve, seed, create-staff, recompute, check-memberships, export-schema,
settings-table.

Bad arguments or an unreachable database print one clear line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy.exc import SQLAlchemyError

from domain.errors import DomainError
from server.settings import ConfigurationError, Settings

EXIT_USAGE = 2
CLI_ACTOR = "cli"  # how the audit log names changes made from the command line
EXIT_DRIFT = 1


class CliError(Exception):
    """A problem the user can fix; printed as one line."""


class OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip() or type(exc).__name__
    return text.splitlines()[0]


async def _with_database(
    settings: Settings, work: Callable[[Any], Awaitable[None]], *, require_current: bool = True
) -> None:
    from domain import migrate
    from domain.db import open_database

    db = open_database(settings.database_url)
    try:
        if require_current and not await migrate.is_current(db.engine):
            raise CliError(
                "the database schema is not up to date: run `partnerscope migrate` first"
            )
        await work(db)
    finally:
        await db.dispose()


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> None:
    from domain import migrate

    async def work(db: Any) -> None:
        await migrate.upgrade(db.engine)

    asyncio.run(_with_database(settings, work, require_current=False))
    print(f"Database at {settings.redacted_database_url()} is up to date.")


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    if args.workers < 1:
        raise CliError("--workers must be at least 1")
    if not 0 < args.port < 65536:
        raise CliError("--port must be between 1 and 65535")
    settings.signing_secret()  # fail now, in one line, rather than in every worker

    async def check(_db: Any) -> None:
        return None

    asyncio.run(_with_database(settings, check))
    made = _metrics_directory(settings, args.workers)
    print(f"PartnerScope API on http://{args.host}:{args.port}/graphql (GraphiQL in a browser)")
    try:
        _run_uvicorn(uvicorn, settings, args)
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)


def _metrics_directory(settings: Settings, workers: int) -> Path | None:
    """Where the workers' metrics meet (prometheus_client's multiprocess mode).

    PROMETHEUS_MULTIPROC_DIR when set (emptied of a previous run's files); else, for more
    than one worker, a new temporary directory, returned so it is removed at the end.
    """
    from server import metrics

    if not settings.metrics_enabled:
        return None
    given = metrics.multiprocess_dir()
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        metrics.wipe(given)
        return None
    if workers == 1:
        return None
    made = Path(tempfile.mkdtemp(prefix="partnerscope-metrics-"))
    os.environ[metrics.MULTIPROC_DIR] = str(made)  # inherited by every worker
    print(f"Metrics of {workers} workers meet in {made} (removed when the server stops)")
    return made


def _run_uvicorn(uvicorn: Any, settings: Settings, args: argparse.Namespace) -> None:
    from server.logs import logging_config

    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level.lower(),
        # One JSON (or text) line per log record in every worker; partnerscope.access
        # writes the request lines, richer than uvicorn's own access log.
        log_config=logging_config(settings.log_level, settings.log_format),
        access_log=False,
        # Slow clients (docs/api.md, "Deployment limits"): idle connections close, and a
        # worker serves a bounded number at once. Behind a proxy, its X-Forwarded-For names
        # the client.
        timeout_keep_alive=settings.keep_alive_timeout_seconds,
        limit_concurrency=settings.limit_concurrency or None,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


def cmd_seed(settings: Settings, args: argparse.Namespace) -> None:
    from domain.identity import passwords
    from seeds import demo

    if not args.demo:
        raise CliError("say what to load: `partnerscope seed --demo`")
    passwords.configure(
        time_cost=settings.password_time_cost, memory_cost_kib=settings.password_memory_kib
    )

    async def work(db: Any) -> None:
        report = await demo.load(db)
        print(report)

    asyncio.run(_with_database(settings, work))


def cmd_create_staff(settings: Settings, args: argparse.Namespace) -> None:
    from domain import ids
    from domain.identity import passwords
    from domain.principal import StaffRole
    from domain.services import identity
    from domain.uow import perform

    passwords.configure(
        time_cost=settings.password_time_cost, memory_cost_kib=settings.password_memory_kib
    )

    async def work(db: Any) -> None:
        staff = await perform(
            db,
            None,
            "create-staff",
            lambda uow: identity.create_staff(
                uow, args.email, args.password, StaffRole(args.role), args.name
            ),
            label=CLI_ACTOR,
        )
        print(ids.encode("StaffMember", staff.id))

    asyncio.run(_with_database(settings, work))


def cmd_recompute(settings: Settings, args: argparse.Namespace) -> None:
    from domain.audit import record_event
    from domain.segments import schedule

    async def work(db: Any) -> None:
        report = await schedule.recompute(db, args.segment)
        await record_event(db, CLI_ACTOR, "recompute", report.__dict__, target=args.segment)
        print(report)

    asyncio.run(_with_database(settings, work))


def cmd_check_memberships(settings: Settings, args: argparse.Namespace) -> None:
    from domain.segments import check

    async def work(db: Any) -> None:
        report = await check.check(db, skip_time_dependent=args.skip_time_dependent)
        print(report)
        if not report.clean:
            raise DriftFound

    asyncio.run(_with_database(settings, work))


class DriftFound(Exception):
    """check-memberships found stored memberships or metrics that disagree (exit 1)."""


def cmd_export_schema(_settings: Settings | None, _args: argparse.Namespace) -> None:
    from schema.build import build_schema

    print(build_schema().as_str())


def cmd_settings_table(_settings: Settings | None, args: argparse.Namespace) -> None:
    from server import settings_table

    if args.update is None:
        print(settings_table.table(), end="")
        return
    try:
        changed = settings_table.update(args.update)
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot update {args.update}: {_first_line(exc)}") from None
    print(f"{args.update}: {'updated' if changed else 'already current'}")


def build_parser() -> OneLineParser:
    from domain.principal import StaffRole

    parser = OneLineParser(prog="partnerscope", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    commands.add_parser("migrate", help="create or upgrade the database schema")
    serve = commands.add_parser("serve", help="run the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    seed = commands.add_parser("seed", help="load the demo programme")
    seed.add_argument("--demo", action="store_true", help="partners, contacts, staff and content")
    staff = commands.add_parser("create-staff", help="create a staff account; prints its id")
    staff.add_argument("--email", required=True)
    staff.add_argument("--password", required=True)
    staff.add_argument("--role", required=True, choices=[r.value for r in StaffRole])
    staff.add_argument("--name")
    recompute = commands.add_parser("recompute", help="re-evaluate segment memberships")
    recompute.add_argument("--segment", metavar="KEY", help="one segment and its dependents")
    check = commands.add_parser(
        "check-memberships",
        help="re-evaluate every segment and metric without writing; exit 1 if any disagree",
    )
    check.add_argument(
        "--skip-time-dependent",
        action="store_true",
        help="leave out segments with relative-date rules (they catch up on schedule)",
    )
    commands.add_parser("export-schema", help="print the served schema as SDL (no database)")
    table = commands.add_parser(
        "settings-table", help="print every setting with its default as a Markdown table"
    )
    table.add_argument(
        "--update", type=Path, metavar="FILE", help="rewrite the table between FILE's markers"
    )
    return parser


COMMANDS: dict[str, Callable[[Any, argparse.Namespace], None]] = {
    "migrate": cmd_migrate,
    "serve": cmd_serve,
    "seed": cmd_seed,
    "create-staff": cmd_create_staff,
    "recompute": cmd_recompute,
    "check-memberships": cmd_check_memberships,
    "export-schema": cmd_export_schema,
    "settings-table": cmd_settings_table,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("export-schema", "settings-table"):  # no configuration needed
        try:
            COMMANDS[args.command](None, args)
        except CliError as exc:
            return _fail(str(exc))
        return 0
    try:
        settings = Settings()
        logging.basicConfig(
            level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
        )
        logging.getLogger("alembic").setLevel(logging.WARNING)
        COMMANDS[args.command](settings, args)
    except DriftFound:
        return EXIT_DRIFT
    except (CliError, ConfigurationError) as exc:
        return _fail(str(exc))
    except DomainError as exc:
        return _fail("; ".join(p.message for p in exc.problems))
    except (SQLAlchemyError, OSError) as exc:
        url = settings.redacted_database_url()
        return _fail(f"cannot use the database at {url}: {_first_line(exc)}")
    except ValueError as exc:  # e.g. a malformed PARTNERSCOPE_DATABASE_URL
        return _fail(_first_line(exc))
    return 0


def _fail(message: str) -> int:
    print(f"partnerscope: {message}", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
