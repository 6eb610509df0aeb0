"""`hirebot serve [--all | --web]` and `hirebot worker`: one process for everything, or the web
side and the handling apart (docs/deploy.md).

`serve` alone stays what it always was (routes, inbox, delivery, scheduler in one process), so
existing deployments keep working; `--web` serves only the routes, records events and
acknowledges them; `worker` handles the inbox, delivers and runs the scheduler, and answers
only /healthz and /metrics on its own port.
"""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import ConfigOption, err, fail, open_app

WORKER_PORT = 8001


def _run(role: str, host: str, port: int, config: ConfigOption) -> None:
    from bot.runtime.server import build_server, freeze_startup_heap, run

    with open_app(config) as hirebot:
        if not hirebot.channels:
            err.print(
                "note: no chat channel configured (set a channel's token: docs/configuration.md)"
            )
        server = build_server(hirebot, role=role)
        freeze_startup_heap()
        run(server, host, port)


def serve(
    web: Annotated[
        bool,
        typer.Option(
            "--web",
            help="only the web side: routes, recording, acknowledgement (`hirebot worker` handles)",
        ),
    ] = False,
    everything: Annotated[
        bool, typer.Option("--all", help="the web side and the handling in one process (default)")
    ] = False,
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    config: ConfigOption = None,
) -> None:
    """Run the server: the chat channels' webhooks, delivery of queued messages, /healthz."""
    if web and everything:
        raise fail(
            "--web and --all exclude each other: --web for the web side alone, --all "
            "(the default) for everything in one process"
        )
    _run("web" if web else "all", host, port, config)


def worker(
    host: Annotated[str, typer.Option(help="interface /healthz and /metrics listen on")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="port of /healthz and /metrics")] = WORKER_PORT,
    config: ConfigOption = None,
) -> None:
    """Handle what `hirebot serve --web` records: the inbox, delivery and the scheduler."""
    _run("worker", host, port, config)
