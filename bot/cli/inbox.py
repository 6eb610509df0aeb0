"""`hirebot inbox`: chat platforms' events acknowledged but not handled yet, those given up
on after their attempts (with the error), and a way to put those back once the cause is fixed.

A running `hirebot serve` picks retried events up on its next inbox pass (within a second).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.cli.common import ConfigOption, fail, open_app, retry_failed
from bot.cli.outbox import age

inbox_app = typer.Typer(
    help="Inbound chat events: waiting, being handled, failed; retry failed ones.",
    invoke_without_command=True,
)
VIEWS = {
    "open": ("pending", "working", "failed"),
    "pending": ("pending",),
    "working": ("working",),
    "failed": ("failed",),
}


@inbox_app.callback()
def show(
    ctx: typer.Context,
    view: Annotated[
        str, typer.Option("--status", help="pending, working, failed or open (all three)")
    ] = "open",
    limit: Annotated[int, typer.Option(help="at most this many rows", min=1)] = 50,
    config: ConfigOption = None,
) -> None:
    """List events not handled yet (default) and failed ones, oldest first."""
    if ctx.invoked_subcommand is not None:
        return
    if view not in VIEWS:
        raise fail(f"unknown status {view!r}: use {', '.join(VIEWS)}")
    out = Console(highlight=False, width=200)
    with open_app(config) as hirebot:
        rows = hirebot.inbox.listing(VIEWS[view], limit)
        now = hirebot.clock.now()
    if not rows:
        out.print("nothing waiting: every event was handled")
        return
    table = Table(
        "id", "channel", "lane", "state", "age", "attempts", "next try", "last error", title="Inbox"
    )
    for row in rows:
        waiting = row.status != "failed" and row.next_attempt_at > now
        cells = (
            str(row.id),
            row.channel,
            row.lane,
            row.status,
            age(now - row.received_at),
            str(row.attempts),
            f"in {age(row.next_attempt_at - now)}" if waiting else "—",
            (row.last_error or "—")[:200],
        )
        table.add_row(*(Text(cell) for cell in cells))  # shown literally, never as markup
    out.print(table)


@inbox_app.command()
def retry(
    ids: Annotated[list[int] | None, typer.Argument(help="inbox event ids")] = None,
    all_failed: Annotated[bool, typer.Option("--all-failed", help="every failed event")] = False,
    config: ConfigOption = None,
) -> None:
    """Put failed events back in line, due now, with a fresh set of attempts."""
    retry_failed(
        config, ids, all_failed, "event", lambda hirebot, named: hirebot.inbox.retry(named)
    )
