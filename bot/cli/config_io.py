"""`hirebot config export|import`: the people and roles in force, written back as config.yaml,
and a reviewed file loaded again, with a diff and a confirmation.

config.yaml starts hirebot; once it runs, the database holds every change made from chat.
Export writes config.yaml's shape (its settings as the file has them, the people and roles as
they are now), so a team can review it, keep it in version control and edit it; importing the
same file changes nothing. Import shows what would change, person by person and role by role,
asks (`--yes` skips the question), and applies it in one transaction audited as `--as`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.text import Text

from bot.cli.common import ConfigOption, default_person, fail, open_app, system_context
from bot.config import ConfigError, load_config
from bot.directory import Change, exported, flatten, plan_import
from bot.domain.errors import UserError
from bot.services import config_import

config_app = typer.Typer(
    help="the people and roles in force as config.yaml (export), and a file loaded back (import)",
    no_args_is_help=True,
)
HEADER = (
    "# hirebot configuration, exported by `hirebot config export`: the people and roles in\n"
    "# force now (the database holds changes made from chat). Review, edit, and load it back\n"
    "# with `hirebot config import FILE`.\n"
)


@config_app.command("export")
def export_config(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="file to write (default: stdout)")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Write the current people and roles (and config.yaml's settings) as YAML."""
    with open_app(config) as hirebot, hirebot.uow() as uow:
        document = exported(hirebot.config, uow)
    text = HEADER + yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    Console(stderr=True, highlight=False).print(
        f"wrote {len(document['people'])} people and {len(document['roles'])} roles to {out}"
    )


@config_app.command("import")
def import_config(
    path: Annotated[Path, typer.Argument(help="a config.yaml (as `hirebot config export` writes)")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="apply without asking")] = False,
    person: Annotated[
        str | None,
        typer.Option("--as", help="who the changes are recorded as (default: the first admin)"),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Load a file's people and roles: show what changes, ask, apply in one transaction."""
    out = Console(highlight=False)
    try:
        incoming = load_config(path)
    except ConfigError as exc:
        raise fail(f"invalid configuration\n{exc}") from exc
    with open_app(config) as hirebot:
        try:
            key = person or default_person(hirebot)
            ctx = system_context(hirebot, key)
        except UserError as exc:
            raise fail(exc.message) from exc
        ctx.directory = hirebot.directory
        with ctx.uow:
            changes = plan_import(hirebot.config, ctx.uow, incoming)
            if not changes:
                out.print("no changes: the people and roles in force are the file's")
                return
            show(out, changes)
            if incoming.model_dump(exclude={"people", "roles"}) != hirebot.config.model_dump(
                exclude={"people", "roles"}
            ):
                out.print(
                    "note: only people and roles are imported; the file's other settings "
                    "differ from config.yaml's and stay as config.yaml has them"
                )
            if not yes and not _confirmed():
                out.print("nothing changed")
                raise typer.Exit(1)
            try:
                config_import.apply(ctx, changes, source=path.name)
                ctx.uow.catalog_generation.bump()
                ctx.uow.commit()
            except UserError as exc:
                raise fail(f"{exc.message}; nothing changed") from exc
    out.print(f"applied {len(changes)} change(s), recorded as {key}")


def _confirmed() -> bool:
    """Yes only when someone says so; no answer (end of input) is no."""
    try:
        return typer.confirm("Apply these changes?", default=False)
    except typer.Abort:
        return False


def show(out: Console, changes: list[Change]) -> None:
    """The diff: each person or role added (+), removed (-) or changed (~), with its lines."""
    for change in changes:
        mark, style = {"add": ("+", "green"), "remove": ("-", "red"), "change": ("~", "yellow")}[
            change.verb
        ]
        out.print(Text.assemble((f"{mark} {change.kind} {change.key}", f"bold {style}")))
        before, after = flatten(change.before), flatten(change.after)
        for path in dict.fromkeys([*before, *after]):
            old, new = before.get(path), after.get(path)
            if old == new:
                continue
            if change.verb == "change":
                out.print(
                    Text.assemble(
                        f"    {path}: ",
                        (old if old is not None else "(none)", "red"),
                        " → ",
                        (new if new is not None else "(none)", "green"),
                    )
                )
            elif change.verb == "add":
                out.print(Text.assemble(f"    {path}: ", (new or "", "green")))
    counts = {verb: sum(c.verb == verb for c in changes) for verb in ("add", "change", "remove")}
    out.print(
        f"{len(changes)} change(s): {counts['add']} added, {counts['change']} changed, "
        f"{counts['remove']} removed"
    )
