"""`report [ROLE] [period=90d]`: how hiring goes, as numbers and a chart (docs/reports.md)."""

from __future__ import annotations

from bot.domain import reports as calc
from bot.domain.errors import InvalidInput
from bot.domain.permissions import Permission
from bot.handlers.parsing import CommandLine, split_options
from bot.handlers.registry import Command, CommandSet
from bot.messages.reply import Reply
from bot.services import reports
from bot.services.context import Context

USAGE = "report [role] [period=90d|12w|6m|1y|all]"


def report(ctx: Context, line: CommandLine) -> list[Reply]:
    words, options = split_options(line.tokens(), {"period"})
    if len(words) > 1:
        raise InvalidInput(f"usage: {USAGE}")
    period = options.get("period")
    days = calc.parse_period(period) if period is not None else calc.DEFAULT_PERIOD_DAYS
    built = reports.build(ctx, role_key=words[0] if words else None, period_days=days)
    return [reports.as_reply(ctx, built)]


def register(commands: CommandSet) -> None:
    commands.add(
        Command(
            "report",
            USAGE,
            "hiring report: funnel, time to hire, time in stage, offers, sources, interviewers",
            report,
            permission=Permission.REPORTS,
            aliases=("reports",),
            examples=("report", "report senior-backend", "report period=30d"),
        )
    )
