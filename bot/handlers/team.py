"""`people`: the team from chat, for admins (services/team.py); effective at once."""

from __future__ import annotations

from bot.domain.errors import InvalidInput
from bot.domain.permissions import Permission
from bot.handlers import absence
from bot.handlers.parsing import CommandLine, refuse_unknown_options, split_options
from bot.handlers.registry import Command, CommandSet
from bot.messages.reply import Reply, success
from bot.services import lookups, team
from bot.services.absence import away_people
from bot.services.context import Context

USAGE = (
    "people · people add <name|mention> roles=a,b [email=…] [tz=…] [working_hours=09:00-17:00] "
    "[key=…] · "
    "people set <key> [name=…] [roles=…] [tz=…] [working_hours=…] · people remove <key> · "
    + absence.USAGE
)
SET_FIELDS = {"name", "roles", "tz", "working_hours"}


def people(ctx: Context, line: CommandLine) -> list[Reply]:
    tokens = line.tokens()
    verb = tokens[0].lower() if tokens else ""
    if not verb:
        return [_listing(ctx)]
    if verb in absence.VERBS:
        return absence.run(ctx, verb, tokens[1:])
    if verb == "add":
        return [_add(ctx, tokens[1:])]
    if verb == "set":
        words, options = split_options(tokens[1:], SET_FIELDS)
        refuse_unknown_options(words, SET_FIELDS)
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


def _add(ctx: Context, tokens: list[str]) -> Reply:
    """`people add <name or mention> roles=… [email=…]`: a mention or an e-mail address is
    looked up in the channels' directories (services/lookups.py) for their address there,
    their timezone and, with no name typed, their name."""
    allowed = {"key", "roles", "tz", "working_hours", "email"}
    words, options = split_options(tokens, allowed)
    refuse_unknown_options(words, allowed)
    if not words and "email" not in options:
        raise InvalidInput(f"whom? usage: {USAGE}")
    if "roles" not in options:
        raise InvalidInput("give their roles: roles=interviewer (or recruiter, …)")
    email = options.get("email")
    mail = next((c for c in ctx.catalog.channels if c.mail), None)
    if email is not None and mail is not None:
        try:
            email = mail.normalise(email)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
    found = lookups.find(ctx, words, email)
    name = " ".join(found.words) or found.name
    if not name:
        raise InvalidInput("give their name: people add <name> email=… roles=…")
    addresses = dict(found.addresses)
    if email and mail is not None:
        addresses[mail.name] = email
    traits = [ctx.catalog.channel(name) for name in sorted(found.addresses)]
    labels = ", ".join(t.label for t in traits if t is not None)
    row = team.add(
        ctx,
        name,
        key=options.get("key"),
        roles=options["roles"],
        timezone=options.get("tz") or found.timezone,
        working_hours=options.get("working_hours"),
        addresses=addresses,
        source=f"looked up in {labels}" if labels else "",
    )
    lines = [f"Found in {labels}: their account there is linked."] if labels else []
    lines += [f"Note: {note}" for note in found.notes]
    return success(
        f"Added {row.name} as {', '.join(row.roles)} ({row.timezone}); their key is "
        f"'{row.key}'. They can link a chat account with: hirebot people link {row.key}",
        lines=lines,
    )


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
