"""A person's addresses and timezone from the channels' user directories.

`people add <mention> roles=…` (a mention typed in the channel the admin writes from) or
`people add <name> email=… roles=…` asks the user directories the deployment runs
(`ctx.user_directories`, bot/domain/user_directory.py) who that is: their address on that
channel, and their name and timezone when the admin gave none. A timezone typed with tz=
wins. An e-mail nobody's directory knows still adds the person (with the e-mail address, and
a note saying so); a mention that names nobody, or a directory that refuses the lookup for a
mention, is an error: there is nothing else to go on. Later, `timezone_followed` keeps a
person's timezone with the one their directory reports (a channel's "user changed" event),
audited as a change by hirebot itself. Callers commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.errors import InvalidInput
from bot.domain.user_directory import DirectoryEntry, DirectoryUnavailable
from bot.services import team
from bot.services.context import Context


@dataclass
class Found:
    """What the directories said about someone being added."""

    words: list[str]  # the name as typed, without the mention
    addresses: dict[str, str] = field(default_factory=dict)  # channel -> address
    name: str = ""  # the directory's name for them
    timezone: str | None = None
    notes: list[str] = field(default_factory=list)  # for the admin: what could not be done


def _label(ctx: Context, channel: str) -> str:
    traits = ctx.catalog.channel(channel)
    return traits.label if traits is not None else channel


def _zone(value: str | None) -> str | None:
    """A directory's timezone, if it is one this machine knows."""
    if not value:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return value


def _take(found: Found, entry: DirectoryEntry) -> None:
    found.addresses[entry.channel] = entry.address
    found.name = found.name or entry.name
    found.timezone = found.timezone or _zone(entry.timezone)


def find(ctx: Context, words: list[str], email: str | None) -> Found:
    """The mention in `words` (in the asker's channel's syntax) and `email`, looked up."""
    found = Found(words=list(words))
    own = ctx.user_directories.get(ctx.actor.channel)
    if own is not None:
        for word in words:
            address = own.mentioned(word)
            if address is None:
                continue
            label = _label(ctx, own.channel)
            entry = own.by_address(address)  # DirectoryUnavailable goes to the admin as is
            if entry is None:
                raise InvalidInput(f"{label} has no user {address[:40]}; check the mention")
            found.words.remove(word)
            _take(found, entry)
    if email:
        for name, directory in ctx.user_directories.items():
            if name in found.addresses:
                continue
            label = _label(ctx, name)
            try:
                entry = directory.by_email(email)
            except DirectoryUnavailable as exc:
                found.notes.append(f"not looked up in {label}: {exc.message}")
                continue
            if entry is None:
                found.notes.append(f"{label} has nobody with that e-mail address")
            else:
                _take(found, entry)
    return found


def timezone_followed(ctx: Context, channel: str, address: str, timezone: str) -> str:
    """A channel says the user at `address` now keeps `timezone`: the team member there takes
    it (held by the database from then on, as after `people set`), audited as hirebot's own
    change. What happened, for the log."""
    person = ctx.uow.people.by_identity(channel, address)
    if person is None:
        return "not a team member"
    zone = _zone(timezone)
    if zone is None:
        return f"unknown timezone {timezone[:40]!r} kept out"
    if person.timezone == zone:
        return "timezone unchanged"
    team.change(ctx, person.key, {"tz": zone})
    return f"{person.key} now {zone}"
