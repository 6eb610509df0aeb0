"""What every `hirebot` sub-command shares: the --config option, error exits, opening the
app, and a context for work done from the command line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text

from bot.bootstrap import DatabaseNotReady, Hirebot, bootstrap
from bot.channels import registry
from bot.clock import ShiftedClock, configured
from bot.config import ConfigError
from bot.domain.errors import UserError
from bot.domain.permissions import TeamRole
from bot.environment import Environment, SettingsError
from bot.logging_setup import configure as configure_logging
from bot.services.context import Actor, Context

err = Console(stderr=True, highlight=False)
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="config.yaml to use (default: $HIREBOT_CONFIG or ./config.yaml)"
    ),
]


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print the error (literally: messages can quote user input) and exit with `code`."""
    err.print(Text.assemble(("error: ", "bold red"), message))
    return typer.Exit(code)


@contextmanager
def open_app(
    config: Path | None, channels: tuple[str, ...] = (), *, starting_at: datetime | None = None
) -> Iterator[Hirebot]:
    """`starting_at` starts the app's clock at that instant, running on from there."""
    try:
        env = Environment()
    except ValidationError as exc:  # the core's own variables (DATABASE_URL, HIREBOT_*)
        problems = "\n".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise fail(f"invalid environment\n{problems}") from exc
    configure_logging(env.log_level, env.log_format)
    clock = None
    if starting_at is not None:
        clock = ShiftedClock(starting_at, configured(env.clock))
    try:
        hirebot = bootstrap(config_path=config, channels=channels, env=env, clock=clock)
    except ConfigError as exc:
        raise fail(f"invalid configuration\n{exc}") from exc
    except SettingsError as exc:
        raise fail(f"invalid environment\n{exc}") from exc
    except DatabaseNotReady as exc:
        raise fail(str(exc)) from exc
    try:
        yield hirebot
    finally:
        hirebot.close()


def console_without_chat() -> tuple[str, ...]:
    """The channels a one-off command reaches people on besides the configured ones: without
    chat credentials the console is the deployment (as in `hirebot console`), otherwise
    everyone would be unreachable."""
    try:
        return () if registry.enabled(Environment()) else ("console",)
    except SettingsError as exc:
        raise fail(f"invalid environment\n{exc}") from exc


def default_person(hirebot: Hirebot) -> str:
    return next(p.key for p in hirebot.catalog.people.values() if TeamRole.ADMIN in p.roles)


def system_context(hirebot: Hirebot, person_key: str | None) -> Context:
    """A context for CLI work done on a person's behalf (imports), audited as theirs."""
    uow = hirebot.uow()
    if person_key is None:
        actor = Actor("system", "cli")
    else:
        spec = hirebot.catalog.person(person_key)
        with hirebot.uow() as lookup:
            row = lookup.people.by_key(spec.key)
        actor = Actor("cli", spec.key, row.id if row else None, spec)
    return hirebot.context(uow, actor)


@contextmanager
def system_work(
    config: Path | None, channels: tuple[str, ...] = ()
) -> Iterator[tuple[Hirebot, Context]]:
    """The app and a system context inside its open unit of work, for a chore that calls one
    service: a `UserError` it raises ends the command with its message (exit 2), and nothing
    is committed unless the caller commits."""
    with open_app(config, channels) as hirebot:
        ctx = system_context(hirebot, None)
        with ctx.uow:
            try:
                yield hirebot, ctx
            except UserError as exc:
                raise fail(exc.message) from exc


def retry_failed(
    config: Path | None,
    ids: list[int] | None,
    all_failed: bool,
    what: str,
    retry: Callable[[Hirebot, list[int] | None], tuple[list[int], list[int]]],
    channels: Callable[[], tuple[str, ...]] = tuple,
) -> None:
    """`hirebot inbox retry` and `hirebot jobs retry`, one command over two queues (the work
    queue's retry, `retry` naming the queue): the ids named, or every given-up row, back in
    line; each id that named no given-up row is said (exit 1), or that there was none.
    `channels` is asked only once the arguments are known to be right."""
    if not ids and not all_failed:
        raise fail(f"name the {what} ids to retry, or pass --all-failed")
    with open_app(config, channels()) as hirebot:
        retried, refused = retry(hirebot, None if all_failed else ids)
    out = Console(highlight=False)
    for row_id in retried:
        out.print(f"{row_id}: back in line")
    for row_id in refused:
        err.print(Text(f"{row_id}: no failed {what} with that id", style="red"))
    if not retried and not refused:
        out.print(f"no failed {what}s")
    if refused:
        raise typer.Exit(1)
