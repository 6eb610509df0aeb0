"""`people`: the team from chat, for admins (services/team.py); effective at once."""

from __future__ import annotations

from bot.domain.errors import InvalidInput
from bot.domain.permissions import Permission
from bot.handlers import absence
from bot.handlers.parsing import CommandLine, split_options
from bot.handlers.registry import Command, CommandSet
from bot.messages.reply import Reply, success
from bot.services import team
from bot.services.absence import away_people
from bot.services.context import Context

USAGE = (
    "people · people add <name> roles=a,b [tz=…] [working_hours=09:00-17:00] [key=…] · "
    "people set <key> [name=…] [roles=…] [tz=…] [working_hours=…] · people remove <key> · "
    + absence.USAGE
)
SET_FIELDS = {"name", "roles", "tz", "working_hours"}


def _no_unknown_options(words: list[str], allowed: set[str]) -> None:
    """A `key=value` this command does not take is refused, never read as part of a name."""
    for word in words:
        key, sep, _ = word.partition("=")
        if sep:
            raise InvalidInput(
                f"'{key[:30]}' is not an option here (options: {', '.join(sorted(allowed))})"
            )


def people(ctx: Context, line: CommandLine) -> list[Reply]:
    tokens = line.tokens()
    verb = tokens[0].lower() if tokens else ""
    if not verb:
        return [_listing(ctx)]
    if verb in absence.VERBS:
        return absence.run(ctx, verb, tokens[1:])
    if verb == "add":
        allowed = {"key", "roles", "tz", "working_hours"}
        words, options = split_options(tokens[1:], allowed)
        _no_unknown_options(words, allowed)
        if not words:
            raise InvalidInput(f"whom? usage: {USAGE}")
        if "roles" not in options:
            raise InvalidInput("give their roles: roles=interviewer (or recruiter, …)")
        row = team.add(
            ctx,
            " ".join(words),
            key=options.get("key"),
            roles=options["roles"],
            timezone=options.get("tz"),
            working_hours=options.get("working_hours"),
        )
        return [
            success(
                f"Added {row.name} as {', '.join(row.roles)} ({row.timezone}); their key is "
                f"'{row.key}'. They can link a chat account with: hirebot people link {row.key}"
            )
        ]
    if verb == "set":
        words, options = split_options(tokens[1:], SET_FIELDS)
        _no_unknown_options(words, SET_FIELDS)
        if len(words) != 1:
            raise InvalidInput(f"whom? usage: {USAGE}")
        row = team.change(ctx, words[0], options)
        return [success(f"Changed {row.name} ({row.key}): {', '.join(sorted(options))}.")]
    if verb == "remove":
        if len(tokens) != 2:
            raise InvalidInput(f"whom? usage: {USAGE}")
        row = team.remove(ctx, tokens[1])
        return [success(f"Removed {row.name} ({row.key}); their history stays.")]
    raise InvalidInput(f"usage: {USAGE}")


def _listing(ctx: Context) -> Reply:
    away = away_people(ctx)
    lines = [
        f"{p.key} — {p.name}: {', '.join(sorted(r.value for r in p.roles))} · {p.timezone}"
        + absence.note(ctx, p.key, away)
        for p in ctx.catalog.people.values()
    ]
    return Reply(title="People", lines=lines, footer=USAGE)


def register(commands: CommandSet) -> None:
    commands.add(
        Command(
            "people",
            USAGE,
            "the team: add, change or remove people (admins)",
            people,
            Permission.ADMIN,
            examples=(
                "people add Zara Hussain roles=interviewer tz=Asia/Karachi",
                "people set hina tz=Europe/Berlin working_hours=09:00-17:00",
                "people remove zara",
                "people off hina until=2026-12-24",
                "people back hina",
            ),
        )
    )
