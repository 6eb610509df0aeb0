"""The `hirebot` command: console, serve and worker, database, configuration, import and export."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot import __version__
from bot.cli.common import (
    ConfigOption,
    default_person,
    err,
    fail,
    open_app,
    system_context,
)
from bot.cli.config_io import config_app
from bot.cli.inbox import inbox_app
from bot.cli.jobs import digest_command, jobs_app, parse_instant
from bot.cli.outbox import outbox_app
from bot.cli.people import people_app
from bot.cli.privacy import applicant_app
from bot.cli.report import report_command
from bot.cli.serving import serve, worker
from bot.cli.trackers import trackers_app
from bot.config import ConfigError, load_config
from bot.domain.errors import UserError
from bot.environment import Environment
from bot.services import exporter, importer
from storage import migrate
from storage.db import create_db_engine

app = typer.Typer(
    name="hirebot",
    help="A chat-ops hiring assistant. Start with `hirebot console`.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(outbox_app, name="outbox")
app.add_typer(inbox_app, name="inbox")
app.add_typer(jobs_app, name="jobs")
app.add_typer(applicant_app, name="applicant")
app.command("digest")(digest_command)
app.add_typer(people_app, name="people")
app.command("report")(report_command)
app.add_typer(trackers_app, name="trackers")
app.add_typer(config_app, name="config")
app.command("serve")(serve)
app.command("worker")(worker)


@app.command()
def console(
    person: Annotated[
        str | None,
        typer.Option("--as", help="person key from config.yaml (default: the first admin)"),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at", help="start the clock at this ISO time (after `jobs run-due --at`); it runs on"
        ),
    ] = None,
    files: Annotated[
        Path,
        typer.Option("--files", help="where charts are written (a terminal shows no pictures)"),
    ] = Path("var") / "console-files",
    config: ConfigOption = None,
) -> None:
    """Chat with hirebot in this terminal, as a configured team member. Reads piped stdin too."""
    from bot.channels.console.session import ConsoleSession
    from bot.scheduling.scheduler import Scheduler

    with open_app(config, ("console",), starting_at=parse_instant(at)) as hirebot:
        key = person or default_person(hirebot)
        try:
            hirebot.catalog.person(key)
        except UserError as exc:
            raise fail(exc.message) from exc
        out = Console(highlight=False, soft_wrap=not sys.stdout.isatty())
        # Scheduled work (prep messages, feedback requests, reminders) runs here too, so the
        # embedded default shows it; its console messages print after your next line.
        scheduler = Scheduler(hirebot.tasks, hirebot.clock)
        scheduler.start()
        try:
            ConsoleSession(hirebot, key, sys.stdin, out, files).run()
        finally:
            scheduler.stop()


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="target revision")] = "head") -> None:
    """Apply database migrations (DATABASE_URL)."""
    env = Environment()
    engine = create_db_engine(env.database_url)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine, revision)
        after = migrate.current_revision(engine)
    finally:
        engine.dispose()
    Console().print(f"database at revision {after} (was {before or 'empty'})")


@db_app.command("current")
def db_current() -> None:
    """Show the database's revision and the code's."""
    engine = create_db_engine(Environment().database_url)
    try:
        Console().print(
            f"database: {migrate.current_revision(engine) or 'empty'}, "
            f"code: {migrate.head_revision(engine)}"
        )
    finally:
        engine.dispose()


@app.command("check-config")
def check_config(config: ConfigOption = None) -> None:
    """Validate config.yaml and summarise it."""
    try:
        parsed = load_config(config)
    except ConfigError as exc:
        raise fail(f"invalid configuration\n{exc}") from exc
    catalog = parsed.catalog()
    out = Console(highlight=False)
    out.print(f"configuration OK: {catalog.organization}")
    roles = Table("role", "title", "stages", "scorecard", "questions", "channels", title="Roles")
    for role in catalog.roles.values():
        roles.add_row(
            role.key,
            role.title,
            str(len(role.pipeline.stages)),
            str(len(role.scorecard)),
            str(sum(len(q) for q in role.question_bank.values())),
            ", ".join(f"{k}:{v}" for k, v in role.channels.items()) or "—",
        )
    addressed = [c for c in catalog.channels if c.person_key]
    people = Table(
        "person", "name", "roles", "timezone", *(c.name for c in addressed), title="People"
    )
    for p in catalog.people.values():
        people.add_row(
            p.key,
            p.name,
            ", ".join(sorted(r.value for r in p.roles)),
            p.timezone,
            *(p.identities.get(c.name, "—") for c in addressed),
        )
    out.print(roles)
    out.print(people)


@app.command("import")
def import_csv(
    path: Annotated[
        Path,
        typer.Argument(help=f"CSV with a header row; columns: {importer.columns_help()}"),
    ],
    role: Annotated[str | None, typer.Option(help="role for rows without a role column")] = None,
    person: Annotated[
        str | None,
        typer.Option("--as", help="who the import is recorded as (default: the first admin)"),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="validate and check against the applicants already stored; store nothing",
        ),
    ] = False,
    post_cards: Annotated[
        bool,
        typer.Option(
            "--post-cards", help="post a card per applicant (default: one summary per role)"
        ),
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Import applicants from CSV with a progress bar and a per-row report."""
    out = Console(highlight=False)
    with open_app(config) as hirebot:
        key = person or default_person(hirebot)
        report = importer.ImportReport()
        try:
            if role is not None:
                hirebot.catalog.role(role)
            header, rows = importer.read_csv(path)
            valid = importer.validate(
                header,
                rows,
                default_role=role.lower() if role else None,
                roles=set(hirebot.catalog.roles),
                phone_region=hirebot.catalog.phone_region,
                report=report,
            )
        except UserError as exc:
            raise fail(exc.message) from exc
        if dry_run:
            ctx = system_context(hirebot, key)
            with ctx.uow:
                valid = importer.skip_stored(ctx, valid, report)
        else:
            # The progress bar's modules (rich's live display; 10-15 ms) only for this command:
            # every other command, `hirebot serve` the first, imports this module.
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            with Progress(
                TextColumn("importing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=False,
                disable=not valid,
            ) as progress:
                task = progress.add_task("import", total=len(valid))
                importer.store(
                    lambda: system_context(hirebot, key),
                    valid,
                    report,
                    post_cards=post_cards,
                    source_name=path.name,
                    progress=lambda n: progress.advance(task, n),
                )
        _print_report(out, report, dry_run=dry_run, valid=len(valid))
        if report.rejected:
            raise typer.Exit(1)


def _print_report(
    out: Console, report: importer.ImportReport, *, dry_run: bool, valid: int
) -> None:
    if report.ignored_columns:
        out.print(f"ignored unknown columns: {', '.join(report.ignored_columns)}")
    problems = Table("line", "result", "why", title="Rows not imported")
    for problem in sorted(report.rejected + report.duplicates, key=lambda p: p.line):
        kind = "rejected" if problem in report.rejected else "duplicate"
        problems.add_row(str(problem.line), kind, problem.message)
    if problems.row_count:
        out.print(problems)
    verb = "would import" if dry_run else "imported"
    count = valid if dry_run else len(report.imported)
    out.print(
        f"{report.total} rows: {verb} {count}, {len(report.duplicates)} duplicate(s), "
        f"{len(report.rejected)} rejected"
    )


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="csv or json")] = "json",
    what: Annotated[
        str, typer.Option(help="applicants or timeline (csv only; json always nests the timeline)")
    ] = "applicants",
    role: Annotated[str | None, typer.Option(help="only this role")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file to write (default: stdout)")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Export applicants and their timelines (contains personal data: handle with care)."""
    if fmt not in {"csv", "json"}:
        raise fail(f"--format must be csv or json, not '{fmt}'")
    if what not in {"applicants", "timeline"}:
        raise fail(f"--what must be applicants or timeline, not '{what}'")
    with open_app(config) as hirebot, hirebot.uow() as uow:
        try:
            if output is None:
                count = exporter.write(
                    uow, hirebot.catalog, sys.stdout, fmt=fmt, what=what, role_key=role
                )
            else:
                with output.open("w", newline="", encoding="utf-8") as handle:
                    count = exporter.write(
                        uow, hirebot.catalog, handle, fmt=fmt, what=what, role_key=role
                    )
        except UserError as exc:
            raise fail(exc.message) from exc
    err.print(f"exported {count} record(s)")


@app.command()
def version() -> None:
    """Print hirebot's version."""
    Console().print(f"hirebot {__version__}")


def main() -> None:
    app()
