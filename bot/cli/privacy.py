"""`hirebot applicant …`: a candidate's data on request (export), erasure, and retention."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.common import (
    ConfigOption,
    console_without_chat,
    default_person,
    fail,
    open_app,
    system_context,
)

applicant_app = typer.Typer(
    help="One applicant's personal data: export, erase, retention.", no_args_is_help=True
)


@applicant_app.command("export")
def export_one(
    applicant_id: Annotated[int, typer.Argument(help="applicant id")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file (default: stdout)")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Everything stored about one person (profile, stages, notes, feedback, messages) as JSON."""
    from bot.domain.errors import UserError
    from bot.services import privacy

    with open_app(config) as hirebot, hirebot.uow() as uow:
        try:
            data = privacy.export(uow, applicant_id)
        except UserError as exc:
            raise fail(exc.message) from exc
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        Console(stderr=True).print(f"wrote {output}")


@applicant_app.command("erase")
def erase_one(
    applicant_id: Annotated[int, typer.Argument(help="applicant id")],
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
    person: Annotated[
        str | None, typer.Option("--as", help="the admin doing it (default: the first admin)")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Erase one person's personal data from every table, keeping anonymous statistics."""
    from bot.domain.errors import UserError
    from bot.services import privacy

    out = Console(highlight=False)
    # The people waiting on them are told where they are reached (the console when there is
    # no chat channel).
    with open_app(config, console_without_chat()) as hirebot:
        ctx = system_context(hirebot, person or default_person(hirebot))
        ctx.flows = hirebot.dispatcher.flows  # open conversations about them are closed
        with ctx.uow:
            applicant = ctx.uow.applicants.get(applicant_id)
            if applicant is None:
                raise fail(f"no applicant #{applicant_id}; nothing erased")
            if not yes and not typer.confirm(
                f"Erase all personal data of #{applicant.id} {applicant.name}? "
                "This cannot be undone"
            ):
                raise fail("not confirmed; nothing erased", code=1)
            try:
                report = privacy.erase(ctx, applicant_id)
            except UserError as exc:
                raise fail(exc.message) from exc
            ctx.uow.commit()
    table = Table("table", "rows changed", title=f"Erased #{applicant_id}")
    for name, count in sorted(report.rows_changed.items()):
        table.add_row(name, str(count))
    out.print(table)
    out.print(f"{report.cards_edited} posted card(s) will be replaced with a placeholder")
    out.print(
        f"{report.messages_edited} delivered message(s) will be edited where the platform allows"
    )
    out.print(f"{report.work_closed} open item(s) closed (interviews, feedback, reminders, tasks)")


@applicant_app.command("retention")
def retention(config: ConfigOption = None) -> None:
    """Dry run: who the retention rules (privacy.retention in config.yaml) would erase now."""
    from bot.services import privacy

    out = Console(highlight=False)
    with open_app(config) as hirebot:
        ctx = system_context(hirebot, None)
        with ctx.uow:
            due = privacy.due_for_retention(ctx, hirebot.clock.now())
            rows = [(str(a.id), a.role.key, why) for a, why in due]
    if not hirebot.catalog.privacy.retention:
        out.print("no retention rules configured (privacy.retention in config.yaml)")
        return
    table = Table("id", "role", "why", title="Would be erased (dry run: nothing changed)")
    for row in rows:
        table.add_row(*row)
    out.print(table if rows else "nobody is due for erasure")
