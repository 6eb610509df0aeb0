"""`hirebot trackers register|sync`: the trackers' webhooks, and polling them as a fallback
(docs/trackers.md)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from bot.cli.common import ConfigOption, fail, open_app
from bot.trackers import registry

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


@trackers_app.command("register")
def register_command(kind: KindOption = None, config: ConfigOption = None) -> None:
    """Create the webhooks that bring trackers' changes back (HIREBOT_PUBLIC_URL must be set)."""
    from bot.trackers.sync import register

    out = Console(highlight=False)
    with open_app(config) as hirebot:
        for one in _kinds(dict(hirebot.trackers), kind):
            try:
                lines = register(hirebot, one)
            except ValueError as exc:
                raise fail(str(exc)) from exc
            for line in lines or [f"{one}: no role tracks its hires' work there"]:
                out.print(line)


@trackers_app.command("sync")
def sync_command(kind: KindOption = None, config: ConfigOption = None) -> None:
    """Read every open item's state back, and queue again what never reached its tracker."""
    from bot.trackers.sync import sync

    out = Console(highlight=False)
    failed = False
    with open_app(config) as hirebot:
        for one in _kinds(dict(hirebot.trackers), kind):
            try:
                report = sync(hirebot, one)
            except ValueError as exc:
                raise fail(str(exc)) from exc
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
