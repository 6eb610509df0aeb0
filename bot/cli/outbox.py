"""`hirebot outbox`: see what is waiting to be delivered, what keeps failing and what gave up,
and put failed messages back in the queue once the cause is fixed (a re-invited bot, a new token).

The states are the work queue's, as in `hirebot inbox` and `hirebot jobs` (pending, working,
done, failed), plus `retrying`: a pending message that failed an attempt. The outbox's words
from before (sending, sent, dead; `--all-dead`) are still accepted; the old `--status failed`
meant retrying and now means given up, as everywhere else.

Reads and writes the database named by DATABASE_URL, like every other command; a running
`hirebot serve` picks retried rows up on its next delivery pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.channels import registry
from bot.cli.common import ConfigOption, err, fail, open_app
from bot.domain.errors import UserError
from bot.services import outbox_admin
from bot.services.context import Actor
from bot.services.outbox import reply_of
from storage.models import OutboxMessage

outbox_app = typer.Typer(
    help="Outbound messages: pending, retrying, working and failed; retry failed ones.",
    invoke_without_command=True,
)
ChannelOption = Annotated[
    str | None,
    typer.Option(
        "--channel",
        help=f"only this channel ({', '.join(t.name for t in registry.traits())})",
    ),
]


def age(delta: timedelta) -> str:
    seconds = int(max(delta.total_seconds(), 0))
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _preview(row: OutboxMessage) -> str:
    reply = reply_of(row)
    text = (reply.title or reply.text or reply.plain_text()).replace("\n", " ")
    return text if len(text) <= 50 else text[:49] + "…"


def _table(rows: list[OutboxMessage], now: datetime) -> Table:
    table = Table(
        "id", "channel", "destination", "kind", "state", "age", "attempts", "next try",
        "message", "last error",
        title="Outbox",
    )  # fmt: skip
    for row in rows:
        waiting = row.status in outbox_admin.OPEN and row.next_attempt_at > now
        cells = (
            str(row.id),
            row.channel,
            row.destination,
            row.kind,
            outbox_admin.state_of(row),
            age(now - row.created_at),
            str(row.attempts),
            f"in {age(row.next_attempt_at - now)}" if waiting else "—",
            _preview(row),
            (row.last_error or "—")[:200],
        )
        # Text, not str: names and errors are shown literally, never read as rich markup.
        table.add_row(*(Text(cell) for cell in cells))
    return table


@outbox_app.callback()
def show(
    ctx: typer.Context,
    view: Annotated[
        str,
        typer.Option(
            "--status",
            help="pending, retrying, working, failed, done, open (all but done) or all",
        ),
    ] = "open",
    show_all: Annotated[bool, typer.Option("--all", help="every message, done ones too")] = False,
    channel: ChannelOption = None,
    limit: Annotated[int, typer.Option(help="at most this many rows", min=1)] = 50,
    config: ConfigOption = None,
) -> None:
    """List messages that have not gone out (default), oldest first, with their last error."""
    if ctx.invoked_subcommand is not None:
        return
    out = Console(highlight=False, width=200)
    with open_app(config) as hirebot, hirebot.uow() as uow:
        try:
            rows = list(
                outbox_admin.listing(
                    uow, view="all" if show_all else view, channel=channel, limit=limit
                )
            )
        except UserError as exc:
            raise fail(exc.message) from exc
        if not rows:
            out.print("nothing waiting: the outbox is empty" if not show_all else "no messages")
            return
        out.print(_table(rows, hirebot.clock.now()))


@outbox_app.command()
def retry(
    ids: Annotated[list[int] | None, typer.Argument(help="outbox message ids")] = None,
    all_failed: Annotated[
        bool,
        typer.Option(
            "--all-failed", "--all-dead", help="every failed message (with --channel: of it)"
        ),
    ] = False,
    channel: ChannelOption = None,
    config: ConfigOption = None,
) -> None:
    """Put failed messages back in the queue, due now, with a fresh set of attempts."""
    if not ids and not all_failed:
        raise fail("name the message ids to retry, or pass --all-failed")
    out = Console(highlight=False)
    with open_app(config) as hirebot:
        if all_failed:
            with hirebot.uow() as uow:
                ids = [*(ids or []), *outbox_admin.failed_ids(uow, channel)]
        failures = 0
        for message_id in ids or []:
            with hirebot.uow() as uow:
                ctx = hirebot.context(uow, Actor("system", "cli"))
                try:
                    row = outbox_admin.retry(ctx, message_id)
                    uow.commit()
                except UserError as exc:
                    err.print(Text(f"{message_id}: {exc.message}", style="red"))
                    failures += 1
                    continue
                out.print(Text(f"{row.id}: back in the queue for {row.channel} {row.destination}"))
        if not ids:
            out.print("no failed messages")
        if failures:
            raise typer.Exit(1)


@outbox_app.command()
def stats(config: ConfigOption = None) -> None:
    """Counts per channel, and how long the oldest undelivered message has waited."""
    out = Console(highlight=False)
    with open_app(config) as hirebot, hirebot.uow() as uow:
        rows = outbox_admin.stats(uow)
        now = hirebot.clock.now()
    table = Table(
        "channel", "pending", "retrying", "working", "failed", "done", "oldest waiting",
        title="Outbox",
    )  # fmt: skip
    for s in rows:
        table.add_row(
            s.channel,
            str(s.pending),
            str(s.retrying),
            str(s.working),
            str(s.failed),
            str(s.done),
            age(now - s.oldest_pending_at) if s.oldest_pending_at else "—",
        )
    out.print(table if rows else "no messages yet")
