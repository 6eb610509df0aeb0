"""digest and checkin commands: previews of the scheduled messages, and check-ins with hires."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.errors import InvalidInput
from bot.domain.permissions import Permission
from bot.handlers.parsing import CommandLine, parse_id, parse_page, split_options
from bot.handlers.registry import Command, CommandSet
from bot.messages.reply import Reply, success
from bot.services import checkins, digests, offers
from bot.services.context import Context

CHECKIN_USAGE = (
    "checkin start <applicant id> as=<person> [milestones='Title:YYYY-MM-DD; …'] | "
    "checkin list | checkin pause <id> [until=YYYY-MM-DD] | checkin resume <id> | checkin end <id>"
)


DIGEST_USAGE = (
    f"digest [person] [{' | '.join(digests.SECTIONS)}] [role] [since=YYYY-MM-DDTHH:MM] [page=N]"
)


def digest(ctx: Context, line: CommandLine) -> list[Reply]:
    """Your digest as it would be sent now (admins: anyone's); with a section's name, every
    row of that section, a page at a time (where a cut section in a digest points)."""
    positional, options = split_options(line.tokens(), {"page", "since"})
    person = ctx.actor.person
    section: str | None = None
    role_key: str | None = None
    words = ""
    for word in positional:
        lowered = word.lower()
        if section is None and lowered in digests.SECTIONS:
            section = lowered
        elif role_key is None and lowered in ctx.catalog.roles:
            role_key = lowered
        elif lowered in ctx.catalog.people:
            if person is None or lowered != person.key or words:
                ctx.actor.require(Permission.ADMIN)
                person = ctx.catalog.person(lowered)
                words = f" {person.key}"
        else:
            raise InvalidInput(
                f"'{word[:40]}' is not a section, role or person; usage: {DIGEST_USAGE}"
            )
    if person is None:
        raise InvalidInput("you are not in the people directory")
    words += f" {role_key}" if role_key else ""
    if section is None:
        for option in ("page", "since"):
            if option in options:
                raise InvalidInput(f"{option}= needs a section; usage: {DIGEST_USAGE}")
        return [digests.preview(ctx, person, role_key=role_key, words=words)]
    page = parse_page(options.get("page"))
    since = _local_moment(options["since"], person.timezone) if "since" in options else None
    return [
        digests.section_page(
            ctx, person, section, role_key=role_key, page=page, words=words, since=since
        )
    ]


def _local_moment(value: str, timezone: str) -> datetime:
    """'2026-11-24T09:00' (or a date) in the person's timezone, unless it names its own."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            f"since: '{value[:30]}' is not a time like 2026-11-24T09:00 (or a date)"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


def checkin(ctx: Context, line: CommandLine) -> list[Reply]:
    words = line.tokens()
    if not words:
        raise InvalidInput(f"usage: {CHECKIN_USAGE}")
    verb, rest = words[0].lower(), words[1:]
    if verb == "start":
        positional, options = split_options(rest, {"as", "milestones"})
        if len(positional) != 1 or "as" not in options:
            raise InvalidInput(f"usage: {CHECKIN_USAGE}")
        applicant_id = parse_id(positional[0], CHECKIN_USAGE)
        if "milestones" in options:
            milestones = checkins.parse_milestones(options["milestones"])
        else:  # a contract's milestones, agreed in the accepted offer
            milestones = offers.accepted_milestones(ctx, applicant_id)
        started = checkins.start(ctx, applicant_id, options["as"], milestones)
        days = ", ".join(str(d) for d in ctx.catalog.schedules.milestone_days)
        first = started.first_day.isoformat()
        source = "the start date on the accepted offer" if started.from_offer else "today"
        tracked = (
            f" Tracking {len(milestones)} milestone(s): "
            + "; ".join(f"{m.title} by {m.due.isoformat()}" for m in milestones)
            + "."
            if milestones
            else ""
        )
        if started.later:
            when = (
                f"Check-in #{started.checkin.id} scheduled to begin on {first} ({source}): "
                f"weekly from then, plus at {days} days after it"
            )
        else:
            when = (
                f"Check-in #{started.checkin.id} started: weekly, plus at {days} days "
                f"from {first} ({source})"
            )
        return [success(f"{when}; the manager gets each summary.{tracked}")]
    if verb == "list":
        rows = ctx.uow.checkins.running()
        names = {p.id: p.name for p in ctx.uow.people.all()}
        lines = []
        for c in rows:
            entry = f"#{c.id} {names.get(c.person_id, '?')} → {names.get(c.manager_id, '?')} · "
            if (begins := checkins.first_day(ctx, c)) is not None:
                entry += f"begins {begins.isoformat()}"
            else:
                entry += c.status
            if (until := checkins.paused_until(ctx, c)) is not None:
                entry += f" until {until.isoformat()}"
            lines.append(entry)
        return [Reply(title="Check-ins", lines=lines or ["none running"])]
    if verb in {"pause", "resume", "end"}:
        positional, options = split_options(rest, {"until"})
        checkin_id = parse_id(positional[0] if positional else None, CHECKIN_USAGE)
        if verb == "pause":
            until = None
            if "until" in options:
                try:
                    until = date.fromisoformat(options["until"])
                except ValueError as exc:
                    raise InvalidInput(
                        f"'{options['until'][:20]}' is not a date (YYYY-MM-DD)"
                    ) from exc
            checkins.pause(ctx, checkin_id, until)
            return [
                success(
                    f"Check-in #{checkin_id} paused" + (f" until {until}" if until else "") + "."
                )
            ]
        if verb == "resume":
            checkins.resume(ctx, checkin_id)
            return [success(f"Check-in #{checkin_id} resumed.")]
        checkins.end(ctx, checkin_id)
        return [success(f"Check-in #{checkin_id} ended.")]
    raise InvalidInput(f"unknown checkin action '{verb[:20]}'; usage: {CHECKIN_USAGE}")


def register(commands: CommandSet) -> None:
    commands.add(
        Command(
            "digest",
            DIGEST_USAGE,
            "your digest, as it would be sent now; a section's name lists all of it",
            digest,
            examples=("digest", "digest stuck senior-backend page=2"),
        )
    )
    commands.add(
        Command(
            "checkin",
            CHECKIN_USAGE,
            "check-ins with new hires and contractors",
            checkin,
            examples=(
                "checkin start 12 as=zara milestones='API v1:2027-01-31'",
                "checkin pause 3 until=2027-01-05",
            ),
        )
    )
