"""A person away (`people off KEY until=DATE`, `people back KEY`): admins set it, audited.

While someone is away hirebot sends them no prompts (prep, feedback requests, reminders,
check-ins) and no digests; the follow-ups that read `away` here decide what happens instead
(services/interview_followups.py, digests.py, checkins.py), and scheduling warns when someone
proposes them for an interview inside the absence. "Until" is the end of that date in the
person's own timezone, kept as that instant in UTC (`people.away_until`, a column rather than
part of `people.spec`, so an absence never takes a person over from config.yaml). An instant
in the past means nothing: nobody has to end an absence for it to end. Callers commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import InvalidInput, NotFound
from bot.domain.permissions import Permission
from bot.domain.suggest import did_you_mean
from bot.services import audit
from bot.services.context import Context
from storage.models import Person


def away_until(person: Person, now: datetime) -> datetime | None:
    """When the person's absence ends, if they are away at `now`."""
    until = person.away_until
    return until if until is not None and until > now else None


def last_day(until: datetime, timezone: str) -> date:
    """The date an absence was set until (it ends at the start of the next day there)."""
    return (until.astimezone(ZoneInfo(timezone)) - timedelta(microseconds=1)).date()


def shown(until: datetime, timezone: str) -> str:
    """'away until 24 Dec 2026': the last day away, as the admin typed it."""
    return f"away until {last_day(until, timezone):%d %b %Y}"


def parse_until(value: str, timezone: str, now: datetime) -> datetime:
    """`until=2026-12-24`: the end of that date in the person's timezone; a day already over
    there is refused (today is allowed: away for the rest of it)."""
    text = value.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"until= takes a date like 2026-12-24 (year-month-day), not '{text[:30]}'"
        ) from None
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    if day < today:
        raise InvalidInput(
            f"{day.isoformat()} has passed ({timezone} is on {today.isoformat()}); "
            "give the last day they are away"
        )
    return datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(ZoneInfo("UTC"))


def _person(ctx: Context, key: str) -> Person:
    row = ctx.uow.people.by_key(key.strip().lower())
    if row is None or not row.active:
        raise NotFound(
            f"unknown person '{key.strip()[:50]}'{did_you_mean(key, ctx.catalog.people)}"
        )
    return row


def set_away(ctx: Context, key: str, until: str) -> Person:
    """`people off KEY until=DATE`: away to the end of DATE in their timezone (a new date
    replaces the old one)."""
    ctx.actor.require(Permission.ADMIN)
    row = _person(ctx, key)
    tz = ctx.catalog.person(row.key).timezone
    row.away_until = parse_until(until, tz, ctx.clock.now())
    audit.record(
        ctx,
        direction="event",
        kind="person.away",
        summary=f"{ctx.actor.name} set {row.name} ({row.key}) {shown(row.away_until, tz)}",
        payload={"person": row.key, "until": row.away_until.isoformat()},
    )
    return row


def end(ctx: Context, key: str) -> Person:
    """`people back KEY` (or `people off KEY` while away): the absence ends now."""
    ctx.actor.require(Permission.ADMIN)
    row = _person(ctx, key)
    if away_until(row, ctx.clock.now()) is None:
        raise InvalidInput(
            f"{row.name} is not away; to set an absence: people off {row.key} until=YYYY-MM-DD"
        )
    row.away_until = None
    audit.record(
        ctx,
        direction="event",
        kind="person.back",
        summary=f"{ctx.actor.name} ended {row.name}'s ({row.key}) absence",
        payload={"person": row.key},
    )
    return row


def scheduling_warnings(
    ctx: Context, panel: Sequence[Person], starts_at: datetime, label: str = ""
) -> list[str]:
    """A warning for each of `panel` away when an interview at `starts_at` would start (the
    caller may still go ahead: plans change, and the admin may have the wrong date)."""
    now = ctx.clock.now()
    warnings = []
    for person in panel:
        until = away_until(person, now)
        if until is not None and starts_at < until:
            tz = ctx.catalog.person(person.key).timezone
            warnings.append(f"{label}{person.name} is {shown(until, tz)}")
    return warnings


def away_people(ctx: Context) -> dict[str, datetime]:
    """Everyone away now, by key, with when they are back (the listing, `whoami`)."""
    now = ctx.clock.now()
    return {p.key: p.away_until for p in ctx.uow.people.away(now) if p.away_until is not None}
