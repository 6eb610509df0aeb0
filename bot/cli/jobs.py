"""`hirebot jobs …`: see the scheduled work, run what is due (also how tests move time), and put
tasks given up on back in line (the work queue's retry, as `hirebot inbox retry`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.common import (
    ConfigOption,
    console_without_chat,
    open_app,
    retry_failed,
    system_work,
)
from storage.queue import TASKS

jobs_app = typer.Typer(
    help="Scheduled work: list it, run what is due, retry failed tasks.", no_args_is_help=True
)


def parse_instant(value: str | None) -> datetime | None:
    """An --at option: an ISO time, UTC when it names no offset."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"'{value}' is not an ISO time like 2026-11-25T09:00+05:00"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@jobs_app.command("list")
def list_jobs(
    show_all: Annotated[
        bool, typer.Option("--all", help="include finished and cancelled work")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    config: ConfigOption = None,
) -> None:
    """What is scheduled, when it is due, and how the last run went."""

    states = TASKS.states
    statuses = [*states.open, states.given_up] + ([states.done, "cancelled"] if show_all else [])
    out = Console(highlight=False)
    with open_app(config) as hirebot, hirebot.uow() as uow:
        rows = uow.queue.listing(TASKS, statuses, limit)
        table = Table(
            "id", "kind", "subject", "due (UTC)", "status", "attempts", "result / last error"
        )
        for task in rows:
            table.add_row(
                str(task.id),
                task.kind,
                task.subject,
                task.due_at.strftime("%Y-%m-%d %H:%M"),
                task.status,
                str(task.attempts),
                (task.last_error or task.result or "")[:80],
            )
        out.print(table if rows else "nothing scheduled")


@jobs_app.command("run-due")
def run_due(
    at: Annotated[
        str | None, typer.Option("--at", help="run as if it were this ISO time (default: now)")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Run everything due at that instant, once, and report what ran."""
    out = Console(highlight=False)
    channels = console_without_chat()
    with open_app(config, channels) as hirebot:
        moment = parse_instant(at) or hirebot.clock.now()
        hirebot.tasks.leases.recover()  # tasks a killed run of this machine left running
        report = hirebot.tasks.run_due(moment)
    ran = ", ".join(f"{kind} ×{n}" for kind, n in sorted(report.ran.items())) or "nothing"
    out.print(f"at {moment.isoformat()}: ran {ran}")
    if at is not None and channels:
        out.print(f"to act as of then in the console: hirebot console --at {moment.isoformat()}")
    if report.failed:
        failed = ", ".join(f"{kind} ×{n}" for kind, n in sorted(report.failed.items()))
        out.print(f"failed: {failed} (see `hirebot jobs list`)")
        raise typer.Exit(1)


@jobs_app.command()
def retry(
    ids: Annotated[list[int] | None, typer.Argument(help="task ids")] = None,
    all_failed: Annotated[bool, typer.Option("--all-failed", help="every failed task")] = False,
    config: ConfigOption = None,
) -> None:
    """Put failed tasks back in line, due now, with a fresh set of attempts."""
    retry_failed(
        config,
        ids,
        all_failed,
        "task",
        lambda hirebot, named: hirebot.tasks.queue.retry(named),
        console_without_chat,
    )


def digest_command(
    person: Annotated[str, typer.Option("--person", "-p", help="person key from config.yaml")],
    preview: Annotated[
        bool, typer.Option("--preview/--send", help="print it (default) or send it now")
    ] = True,
    config: ConfigOption = None,
) -> None:
    """A person's digest, as it would be sent now: printed, or sent to them."""
    from bot.channels import registry
    from bot.services import digests, people

    out = Console(highlight=False, soft_wrap=True)
    with system_work(config) as (hirebot, ctx):
        spec = hirebot.catalog.person(person)
        reply = digests.preview(ctx, spec)
        if not preview:
            people.tell(ctx, people.row(ctx, spec.key), reply)
            ctx.uow.commit()
        for text in registry.renderer("console")(reply):
            out.print(text, end="", markup=False, emoji=False)  # as typed, never styled
        if not preview:
            out.print("queued for delivery")
