"""`hirebot report`: the hiring report from the command line, as text, a chart, CSV or JSON.

Runs as the system (every role), or `--as` a person to see what they would see.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.cli.common import ConfigOption, fail, open_app, system_context
from bot.domain import reports as calc
from bot.domain.errors import UserError


class Format(StrEnum):
    TEXT = "text"
    CSV = "csv"
    JSON = "json"


def report_command(
    role: Annotated[str | None, typer.Argument(help="one role's key (default: every role)")] = None,
    period: Annotated[
        str, typer.Option("--period", help="applicants who applied in: 90d, 12w, 6m, 1y or all")
    ] = f"{calc.DEFAULT_PERIOD_DAYS}d",
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="write the chart (a .png) or the numbers to this file"),
    ] = None,
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format", "-f", help="text, csv or json (default: text, png for --out *.png)"
        ),
    ] = None,
    person: Annotated[
        str | None, typer.Option("--as", help="report as this person sees it")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """How hiring goes: funnel, time to hire, time in stage, offers, sources, interviewers."""
    from bot.channels.console.render import render
    from bot.messages import charts
    from bot.services import reports

    console = Console(highlight=False, soft_wrap=True)
    with open_app(config) as hirebot:
        try:
            ctx = system_context(hirebot, person)
            with ctx.uow:
                days = calc.parse_period(period)
                report = reports.build(ctx, role_key=role, period_days=days)
                reply = reports.as_reply(ctx, report)
        except UserError as exc:
            raise fail(exc.message) from exc
    chart_out = out is not None and fmt is None and out.suffix.lower() == ".png"
    if chart_out and out is not None and reply.chart is not None:
        out.write_bytes(charts.png(reply.chart))
        console.print(f"chart written to {out}")
        return
    chosen = fmt or Format.TEXT
    if chosen is Format.CSV:
        body = reports.as_csv(report)
    elif chosen is Format.JSON:
        body = json.dumps(reports.as_json(report), indent=2) + "\n"
    else:
        text, _choices = render(
            reply.model_copy(update={"chart": None}), where=None, kind="message"
        )
        if out is None:
            console.print(text, end="")
            return
        body = text.plain
    if out is None:
        typer.echo(body, nl=False)
    else:
        out.write_text(body, encoding="utf-8")
        console.print(f"{chosen.value} written to {out}")
