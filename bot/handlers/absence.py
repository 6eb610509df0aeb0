"""`people off KEY until=DATE` and `people back KEY` (services/absence.py), for admins; and the
"away until …" a listing or `whoami` shows. Kept apart from handlers/team.py, whose `people`
command hands these two verbs here."""

from __future__ import annotations

from datetime import datetime

from bot.domain.errors import InvalidInput
from bot.handlers.parsing import split_options
from bot.messages.reply import Field, Reply, success
from bot.services import absence
from bot.services.context import Context

USAGE = "people off <key> until=YYYY-MM-DD · people back <key>"
VERBS = {"off", "back"}


def run(ctx: Context, verb: str, tokens: list[str]) -> list[Reply]:
    """`tokens`: what follows the verb."""
    words, options = split_options(tokens, {"until"})
    stray = [w for w in words if "=" in w]
    if stray:
        key = stray[0].partition("=")[0]
        raise InvalidInput(f"'{key[:30]}' is not an option here (options: until)")
    if len(words) != 1:
        raise InvalidInput(f"whom? usage: {USAGE}")
    if verb == "back" or "until" not in options:
        row = absence.end(ctx, words[0])
        return [success(f"{row.name} ({row.key}) is back: prompts and digests resume.")]
    row = absence.set_away(ctx, words[0], options["until"])
    assert row.away_until is not None
    tz = ctx.catalog.person(row.key).timezone
    return [
        success(
            f"{row.name} ({row.key}) is {absence.shown(row.away_until, tz)} ({tz}): no prompts "
            "or digests until then; their feedback reminders go to the rest of the panel, or "
            "wait until they are back."
        )
    ]


def note(ctx: Context, key: str, away: dict[str, datetime]) -> str:
    """' · away until 24 Dec 2026' for someone in `away` (absence.away_people), else ''."""
    until = away.get(key)
    if until is None:
        return ""
    return f" · {absence.shown(until, ctx.catalog.person(key).timezone)}"


def whoami_fields(ctx: Context) -> list[Field]:
    """The asker's absence, when they are away."""
    person = ctx.actor.person
    if person is None or ctx.actor.person_id is None:
        return []
    row = ctx.uow.people.by_id(ctx.actor.person_id)
    until = absence.away_until(row, ctx.clock.now()) if row is not None else None
    if until is None:
        return []
    return [Field(label="Away", value=absence.shown(until, person.timezone).removeprefix("away "))]
