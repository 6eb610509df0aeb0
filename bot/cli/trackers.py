"""`hirebot trackers register|sync`: the trackers' webhooks, and polling them as a fallback
(docs/trackers.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console

from bot.cli.common import ConfigOption, fail, open_app
from bot.trackers import registry

if TYPE_CHECKING:
    from bot.bootstrap import Hirebot

Done = TypeVar("Done")

trackers_app = typer.Typer(
    help="Task trackers (Jira, Trello, Asana): webhooks and sync.", no_args_is_help=True
)
KindOption = Annotated[
    str | None, typer.Option("--kind", "-k", help="one tracker (default: every configured one)")
]


def _kinds(hirebot_trackers: dict[str, object], kind: str | None) -> list[str]:
    if kind is None:
        if not hirebot_trackers:
            raise fail("no tracker is configured in the environment (see docs/trackers.md)")
        return sorted(hirebot_trackers)
    if kind not in registry.kinds():
        raise fail(f"unknown tracker '{kind}' (trackers: {', '.join(registry.kinds())})")
    return [kind]


def _each(
    config: Path | None, kind: str | None, work: Callable[[Hirebot, str], Done]
) -> Iterator[tuple[str, Done]]:
    """`work` done for each tracker asked for (`--kind`, or every configured one), in one
    open app; a tracker that cannot do it (a ValueError: HIREBOT_PUBLIC_URL unset, …) ends
    the command with its message."""
    with open_app(config) as hirebot:
        for one in _kinds(dict(hirebot.trackers), kind):
            try:
                done = work(hirebot, one)
            except ValueError as exc:
                raise fail(str(exc)) from exc
            yield one, done


@trackers_app.command("register")
def register_command(kind: KindOption = None, config: ConfigOption = None) -> None:
    """Create the webhooks that bring trackers' changes back (HIREBOT_PUBLIC_URL must be set)."""
    from bot.trackers.sync import register

    out = Console(highlight=False)
    for one, lines in _each(config, kind, register):
        for line in lines or [f"{one}: no role tracks its hires' work there"]:
            out.print(line)


@trackers_app.command("sync")
def sync_command(kind: KindOption = None, config: ConfigOption = None) -> None:
    """Read every open item's state back, and queue again what never reached its tracker."""
    from bot.trackers.sync import sync

    out = Console(highlight=False)
    failed = False
    for one, report in _each(config, kind, sync):
        out.print(
            f"{one}: read {report.read} items, {len(report.changes)} changed, "
            f"{report.queued} queued again"
        )
        for line in report.changes:
            out.print(f"  {line}")
        for line in report.errors:
            out.print(f"  error: {line}")
        failed = failed or bool(report.errors)
    if failed:
        raise typer.Exit(1)
