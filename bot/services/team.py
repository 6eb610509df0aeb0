"""The team from chat: admins add, change and remove people (`people add|set|remove`).

A person added or changed here is held by the database from then on: their row keeps their
entry as config.yaml would write it (`people.spec`), config.yaml no longer changes them
(services/directory.py), and the catalog is rebuilt from both when the change commits
(`ctx.directory_changed`), so the change counts at once, without a restart. Every change is in
the audit log with who made it. Callers commit.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.catalog import Catalog, PersonSpec
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.interviews import WorkingHours
from bot.domain.permissions import Permission, TeamRole
from bot.domain.suggest import did_you_mean
from bot.services import audit
from bot.services.context import Context
from storage.models import Person

_KEY = re.compile(r"^[a-z][a-z0-9_\-]{0,49}$")
NAME_MAX = 120


def entry_of(catalog: Catalog, spec: PersonSpec) -> dict[str, Any]:
    """A person's entry as config.yaml writes it (what `people.spec` keeps)."""
    hours = spec.working_hours
    entry: dict[str, Any] = {
        "key": spec.key,
        "name": spec.name,
        "roles": sorted(r.value for r in spec.roles),
        "timezone": spec.timezone,
        "digest": {
            "frequency": spec.digest.frequency,
            "time": spec.digest.time,
            "weekday": spec.digest.weekday,
        },
        "working_hours": {
            "hours": f"{hours.start:%H:%M}-{hours.end:%H:%M}",
            "days": list(hours.days),
        },
    }
    if spec.quiet_hours is not None:
        entry["quiet_hours"] = f"{spec.quiet_hours.start:%H:%M}-{spec.quiet_hours.end:%H:%M}"
    for channel in catalog.channels:
        address = spec.identities.get(channel.name)
        if channel.person_key and address:
            entry[channel.person_key] = address
    return entry


def parse_roles(value: str) -> list[str]:
    names = [r.strip().lower() for r in value.split(",") if r.strip()]
    known = [r.value for r in TeamRole]
    for name in names:
        if name not in known:
            raise InvalidInput(
                f"'{name[:30]}' is not a hiring-team role{did_you_mean(name, known)} "
                f"(roles: {', '.join(known)})"
            )
    if not names:
        raise InvalidInput(f"give at least one role: roles={'|'.join(known)}")
    return sorted(set(names))


def parse_timezone(value: str) -> str:
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"'{value[:40]}' is not a timezone (use a name like Asia/Karachi or Europe/Berlin)"
        ) from None
    return value.strip()


def parse_working_hours(value: str, days: list[str]) -> dict[str, Any]:
    try:
        WorkingHours.parse(value, tuple(days))
    except ValueError as exc:
        raise InvalidInput(f"working_hours must look like 09:00-17:00 ({exc})") from None
    if not re.match(r"^\d{2}:\d{2}-\d{2}:\d{2}$", value):
        raise InvalidInput("working_hours must look like 09:00-17:00")
    return {"hours": value, "days": days}


def default_key(name: str) -> str:
    """The first name in lower case, in plain letters ("Zara Hussain" -> zara)."""
    first = name.split()[0] if name.split() else ""
    plain = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9_-]", "", plain)


def _record(ctx: Context, kind: str, summary: str, key: str) -> None:
    audit.record(ctx, direction="event", kind=kind, summary=summary, payload={"person": key})
    ctx.directory_changed = True


def add(
    ctx: Context,
    name: str,
    *,
    key: str | None,
    roles: str,
    timezone: str | None,
    working_hours: str | None,
    addresses: dict[str, str] | None = None,
    source: str = "",
) -> Person:
    """`addresses`: the person's address on each channel named (typed, or from a channel's
    directory: services/lookups.py); `source` says where anything not typed came from."""
    ctx.actor.require(Permission.ADMIN)
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX:
        raise InvalidInput(f"a person's name needs 1 to {NAME_MAX} characters")
    key = (key or default_key(name)).strip().lower()
    if not _KEY.match(key):
        raise InvalidInput(
            f"'{key[:50]}' cannot be a person's key: lower-case letters, digits, '-' or '_', "
            "starting with a letter; choose one with key=…"
        )
    existing = ctx.uow.people.by_key(key)
    if existing is not None:
        raise InvalidInput(
            f"'{key}' is already {existing.name}'s key; choose another with key=…"
            if existing.active
            else f"'{key}' was {existing.name}'s key; choose another with key=…"
        )
    tz = parse_timezone(timezone) if timezone else ctx.catalog.privacy.timezone
    entry: dict[str, Any] = {
        "key": key,
        "name": name,
        "roles": parse_roles(roles),
        "timezone": tz,
    }
    if working_hours:
        entry["working_hours"] = parse_working_hours(working_hours, list(WorkingHours().days))
    held = _free_addresses(ctx, addresses or {})
    for channel, address in held.items():
        traits = ctx.catalog.channel(channel)
        if traits is not None and traits.person_key:
            entry[traits.person_key] = address
    person = Person(key=key, name=name, roles=entry["roles"], timezone=tz, active=True, spec=entry)
    ctx.uow.people.add(person)
    ctx.uow.flush()
    for channel, address in held.items():
        ctx.uow.people.set_identity(person, channel, address, linked_by="chat")
    _record(
        ctx,
        "person.added",
        f"{ctx.actor.name} added {name} ({key}) as {', '.join(entry['roles'])}, {tz}"
        + (f" ({source})" if source else ""),
        key,
    )
    return person


def _free_addresses(ctx: Context, addresses: dict[str, str]) -> dict[str, str]:
    """Each address in its stored form, refused when it is not one or someone else has it
    (an address belongs to one person)."""
    held: dict[str, str] = {}
    for channel, address in addresses.items():
        traits = ctx.catalog.channel(channel)
        if traits is None:
            continue
        try:
            normal = traits.normalise(address)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        holder = ctx.uow.people.identity(channel, normal)
        owner = ctx.uow.people.by_id(holder.person_id) if holder is not None else None
        if owner is not None and owner.active:
            raise InvalidInput(
                f"{traits.label} address {normal[:60]} is already {owner.name}'s ({owner.key})"
            )
        if owner is not None and holder is not None:
            owner.identities.remove(holder)  # someone no longer on the team
            ctx.uow.flush()
        held[channel] = normal
    return held


def _held(ctx: Context, key: str) -> tuple[Person, dict[str, Any]]:
    """The person's row and entry, taking them over from config.yaml on their first change."""
    row = ctx.uow.people.by_key(key.strip().lower())
    if row is None or not row.active:
        raise NotFound(
            f"unknown person '{key.strip()[:50]}'{did_you_mean(key, ctx.catalog.people)}"
        )
    if row.spec is not None:
        return row, dict(row.spec)
    return row, entry_of(ctx.catalog, ctx.catalog.person(row.key))


def change(ctx: Context, key: str, changes: dict[str, str]) -> Person:
    """`people set KEY name=… roles=… tz=… working_hours=…`."""
    ctx.actor.require(Permission.ADMIN)
    if not changes:
        raise InvalidInput("nothing to change: give name=…, roles=…, tz=… or working_hours=…")
    row, entry = _held(ctx, key)
    said = []
    if "name" in changes:
        name = " ".join(changes["name"].split())
        if not name or len(name) > NAME_MAX:
            raise InvalidInput(f"a person's name needs 1 to {NAME_MAX} characters")
        entry["name"] = row.name = name
        said.append(f"name {name}")
    if "roles" in changes:
        roles = parse_roles(changes["roles"])
        _keep_an_admin(ctx, row, roles)
        entry["roles"] = row.roles = roles
        said.append(f"roles {', '.join(roles)}")
    if "tz" in changes:
        entry["timezone"] = row.timezone = parse_timezone(changes["tz"])
        said.append(f"timezone {row.timezone}")
    if "working_hours" in changes:
        days = list(entry.get("working_hours", {}).get("days", WorkingHours().days))
        entry["working_hours"] = parse_working_hours(changes["working_hours"], days)
        said.append(f"working hours {changes['working_hours']}")
    row.spec = entry
    _record(ctx, "person.changed", f"{ctx.actor.name} set {row.name}'s {'; '.join(said)}", row.key)
    return row


def _keep_an_admin(ctx: Context, row: Person, roles: list[str]) -> None:
    if TeamRole.ADMIN.value in roles:
        return
    others = [
        p for p in ctx.catalog.people.values() if p.key != row.key and TeamRole.ADMIN in p.roles
    ]
    if not others:
        raise InvalidInput(f"{row.name} is the only admin; make someone else admin first")


def remove(ctx: Context, key: str) -> Person:
    """Deactivate a person (their history stays): refused while a role names them."""
    ctx.actor.require(Permission.ADMIN)
    row, entry = _held(ctx, key)
    held = [r.key for r in ctx.catalog.roles.values() if row.key in (r.hiring_manager, r.recruiter)]
    if held:
        raise InvalidInput(
            f"{row.name} hires for {', '.join(held)}; give those roles another hiring manager "
            "or recruiter first"
        )
    _keep_an_admin(ctx, row, [])
    if row.key == (ctx.actor.person.key if ctx.actor.person else None):
        raise InvalidInput("you cannot remove yourself")
    row.active = False
    row.spec = entry
    for identity in list(row.identities):
        row.identities.remove(identity)
    _record(ctx, "person.removed", f"{ctx.actor.name} removed {row.name} ({row.key})", row.key)
    return row
