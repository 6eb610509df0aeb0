"""Roles from chat: open one from another, close and reopen it, change its title, pay, channel,
scorecard and question bank (`role …`, handlers/roles.py), for admins and the role's hiring
manager.

A role opened or changed here is held by the database from then on: its row keeps its entry
as config.yaml would write it (`roles.spec`), config.yaml no longer changes it
(services/directory.py). Each change edits that entry, then the whole configuration is checked
again with it (`ctx.directory.check`, config.yaml's own rules: stages, references, channels),
so a change that config.yaml would refuse is refused here too and nothing is written. The
change is in the audit log with who made it, and the catalog's generation moves with the
commit (the dispatcher bumps it), so every process takes the new role at its next event.
Callers commit.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.domain.catalog import EmploymentType, RoleSpec
from bot.domain.errors import InvalidInput, NotFound, PermissionDenied
from bot.domain.offers import parse_currency, parse_employment_type, parse_pay, parse_period
from bot.domain.permissions import Permission, TeamRole
from bot.domain.stages import stage_keys
from bot.domain.suggest import did_you_mean
from bot.services import audit
from bot.services.catalog_source import Directory
from bot.services.context import Context
from storage.models import Applicant, Role

_KEY = re.compile(r"^[a-z][a-z0-9_\-]{0,49}$")
TITLE_MAX = 120
QUESTION_MAX = 500
COMPETENCY_MAX = 80
OPEN_LISTED = 50  # open applicants a closing names; the rest are counted


@dataclass(frozen=True)
class Closed:
    role: RoleSpec
    open_applicants: list[Applicant]
    open_total: int


def _directory(ctx: Context) -> Directory:
    if ctx.directory is None:
        raise InvalidInput("roles cannot be changed from here")
    return ctx.directory


def _entry(ctx: Context, key: str) -> dict[str, Any]:
    """The role's entry as config.yaml writes it, to be edited (a copy)."""
    spec = ctx.catalog.role(key)
    entry = _directory(ctx).role_entry(ctx.uow, spec.key)
    if entry is None:  # the catalog and the directory are built from the same entries
        raise NotFound(f"role '{spec.key}' has no entry")
    return copy.deepcopy(entry)


def _may_manage(ctx: Context, entry: dict[str, Any]) -> None:
    """Admins, and the role's own hiring manager."""
    person = ctx.actor.person
    if ctx.actor.can(Permission.ADMIN):
        return
    if person is not None and person.key == entry.get("hiring_manager"):
        return
    manager = ctx.catalog.people.get(str(entry.get("hiring_manager")))
    raise PermissionDenied(
        f"only admins and the role's hiring manager ({manager.name if manager else '?'}) "
        f"can change {entry.get('title', entry['key'])}"
    )


def _store(ctx: Context, entry: dict[str, Any], *, new: bool = False) -> Role:
    """Write the entry to the role's row and check the whole configuration with it."""
    row = ctx.uow.roles.by_key(entry["key"])
    if row is None:
        row = Role(key=entry["key"], title=entry["title"], active=True)
        ctx.uow.roles.add(row)
    elif new:
        raise InvalidInput(
            f"'{entry['key']}' is already the key of {row.title}"
            + ("" if row.active else " (removed)")
            + "; choose another"
        )
    row.title, row.active, row.spec = entry["title"], True, entry
    ctx.catalog = _directory(ctx).check(ctx.uow)
    ctx.directory_changed = True
    return row


def _record(ctx: Context, kind: str, summary: str, key: str) -> None:
    audit.record(ctx, direction="event", kind=kind, summary=summary, payload={"role": key})


def parse_key(value: str) -> str:
    key = value.strip().lower()
    if not _KEY.match(key):
        raise InvalidInput(
            f"'{value[:50]}' cannot be a role's key: lower-case letters, digits, '-' or '_', "
            "starting with a letter (like backend-contract)"
        )
    return key


def parse_title(value: str) -> str:
    title = " ".join(value.split())
    if not title or len(title) > TITLE_MAX:
        raise InvalidInput(f"a role's title needs 1 to {TITLE_MAX} characters")
    return title


def parse_pay_range(value: str, currency: str | None, period: str | None) -> dict[str, Any]:
    """`pay=9000-12000` (with currency=… period=…, else those of the role copied)."""
    low, sep, high = value.replace(" ", "").partition("-")
    if not sep or not low or not high:
        raise InvalidInput(
            f"pay is a range, like pay=9000-12000 currency=USD period=month (not '{value[:30]}')"
        )
    minimum, maximum = parse_pay(low), parse_pay(high)
    if minimum > maximum:
        raise InvalidInput(f"the pay range starts above its end ({minimum} > {maximum})")
    if currency is None or period is None:
        raise InvalidInput("give the pay's currency=… and period=… (e.g. USD, month)")
    return {
        "min": _number(minimum),
        "max": _number(maximum),
        "currency": parse_currency(currency),
        "period": parse_period(period),
    }


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _set_pay(entry: dict[str, Any], options: dict[str, str]) -> str | None:
    if "pay" not in options and not {"currency", "period"} & set(options):
        return None
    old = entry.get("pay") or {}
    if "pay" in options and options["pay"].strip().lower() in {"none", "-"}:
        entry.pop("pay", None)
        return "pay: none"
    span = options.get("pay") or (f"{old['min']}-{old['max']}" if old else "")
    if not span:
        raise InvalidInput("give the pay range too: pay=9000-12000")
    entry["pay"] = parse_pay_range(
        span, options.get("currency", old.get("currency")), options.get("period", old.get("period"))
    )
    pay = entry["pay"]
    return f"pay {pay['currency']} {pay['min']}–{pay['max']} per {pay['period']}"


def _set_channel(ctx: Context, entry: dict[str, Any], value: str) -> str:
    """`channel=here` (the conversation the command was typed in) or the channel's id, on the
    channel the command came from."""
    traits = ctx.catalog.channel(ctx.actor.channel)
    if traits is None or not traits.shared_conversations:
        raise InvalidInput(
            "role cards go to a channel of a chat app with shared conversations; set it from "
            "there (channel=here in that channel)"
        )
    address = ctx.conversation if value.strip().lower() == "here" else value.strip()
    if value.strip().lower() == "here" and ctx.private:
        raise InvalidInput("channel=here sets the conversation it is typed in: type it there")
    try:
        address = traits.normalise_conversation(address)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    channels = dict(entry.get("channels") or {})
    channels[traits.name] = address
    entry["channels"] = channels
    return f"{traits.label} channel {address}"


def open_role(
    ctx: Context,
    key: str,
    *,
    source: str,
    title: str,
    options: dict[str, str],
) -> Role:
    """`role open KEY from=ROLE title="…" [type=…] [pay=… currency=… period=…] [channel=…]
    [manager=…] [recruiter=…]`: a new role with `source`'s scorecard, questions, stages,
    channels and posting."""
    person = ctx.actor.person
    if not ctx.actor.can(Permission.ADMIN) and (
        person is None or TeamRole.HIRING_MANAGER not in person.roles
    ):
        raise PermissionDenied("only admins and hiring managers can open roles")
    key = parse_key(key)
    if key in ctx.catalog.roles:
        raise InvalidInput(f"'{key}' is already the key of {ctx.catalog.roles[key].title}")
    entry = _entry(ctx, source)
    copied = entry["key"]
    entry["key"], entry["title"] = key, parse_title(title)
    entry.pop("closed", None)
    if "type" in options:
        entry["employment_type"] = parse_employment_type(options["type"]).value
    pay_said = _set_pay(entry, options)
    if "channel" in options:
        _set_channel(ctx, entry, options["channel"])
    if "channel_name" in options:
        entry["channels"] = {**(entry.get("channels") or {}), "name": options["channel_name"]}
    for option, field in (("manager", "hiring_manager"), ("recruiter", "recruiter")):
        if option in options:
            who = ctx.catalog.person(options[option])
            entry[field] = who.key
    if not ctx.actor.can(Permission.ADMIN) and person is not None:
        if "manager" in options and entry["hiring_manager"] != person.key:
            raise PermissionDenied("only admins open roles for another hiring manager")
        entry["hiring_manager"] = person.key
    row = _store(ctx, entry, new=True)
    ctx.uow.flush()
    kind = EmploymentType(entry.get("employment_type", EmploymentType.FULL_TIME.value))
    said = f", {pay_said}" if pay_said else ""
    _record(
        ctx,
        "role.opened",
        f"{ctx.actor.name} opened {entry['title']} ({key}) from {copied}, {kind.value}{said}",
        key,
    )
    return row


def close(ctx: Context, key: str) -> Closed:
    """No new applications from here on; the open applicants are named, for the caller to
    offer what to do with them."""
    entry = _entry(ctx, key)
    _may_manage(ctx, entry)
    if entry.get("closed"):
        raise InvalidInput(f"{entry['title']} is already closed; `role reopen {entry['key']}`")
    entry["closed"] = True
    row = _store(ctx, entry)
    _record(ctx, "role.closed", f"{ctx.actor.name} closed {row.title} ({row.key})", row.key)
    spec = ctx.catalog.role(row.key)
    stages = stage_keys([spec.pipeline], "open")
    page = ctx.uow.applicants.search(role_id=row.id, stages=stages, page=1, per_page=OPEN_LISTED)
    listed = [a for a in page.items if a.erased_at is None]
    return Closed(spec, listed, page.total)


def reopen(ctx: Context, key: str) -> RoleSpec:
    entry = _entry(ctx, key)
    _may_manage(ctx, entry)
    if not entry.get("closed"):
        raise InvalidInput(f"{entry['title']} is open already")
    entry.pop("closed", None)
    row = _store(ctx, entry)
    _record(ctx, "role.reopened", f"{ctx.actor.name} reopened {row.title} ({row.key})", row.key)
    return ctx.catalog.role(row.key)


SET_FIELDS = {
    "title",
    "pay",
    "currency",
    "period",
    "type",
    "channel",
    "channel_name",
    "manager",
    "recruiter",
    "team",
    "location",
}


def change(ctx: Context, key: str, options: dict[str, str]) -> tuple[RoleSpec, list[str]]:
    """`role set KEY title=… pay=… channel=… …`: what was changed, as said in the reply."""
    if not options:
        raise InvalidInput(f"nothing to change: give {', '.join(sorted(SET_FIELDS))}")
    entry = _entry(ctx, key)
    _may_manage(ctx, entry)
    said: list[str] = []
    if "title" in options:
        entry["title"] = parse_title(options["title"])
        said.append(f"title {entry['title']}")
    pay_said = _set_pay(entry, options)
    if pay_said:
        said.append(pay_said)
    if "type" in options:
        entry["employment_type"] = parse_employment_type(options["type"]).value
        said.append(f"type {entry['employment_type']}")
    if "channel" in options:
        said.append(_set_channel(ctx, entry, options["channel"]))
    if "channel_name" in options:
        entry["channels"] = {**(entry.get("channels") or {}), "name": options["channel_name"]}
        said.append(f"channel name {options['channel_name']}")
    for option, field in (("manager", "hiring_manager"), ("recruiter", "recruiter")):
        if option in options:
            if field == "hiring_manager" and not ctx.actor.can(Permission.ADMIN):
                raise PermissionDenied("only admins give a role another hiring manager")
            entry[field] = ctx.catalog.person(options[option]).key
            said.append(f"{field.replace('_', ' ')} {entry[field]}")
    for field in ("team", "location"):
        if field in options:
            entry[field] = " ".join(options[field].split())
            said.append(f"{field} {entry[field]}")
    row = _store(ctx, entry)
    _record(
        ctx,
        "role.changed",
        f"{ctx.actor.name} set {row.title}'s ({row.key}) {'; '.join(said)}",
        row.key,
    )
    return ctx.catalog.role(row.key), said


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:50]
    if not slug or not slug[0].isalpha():
        slug = f"c_{slug}"[:50]
    return slug


def scorecard(ctx: Context, key: str, verb: str, name: str, stages: str | None) -> RoleSpec:
    """`role scorecard KEY add NAME [stages=a,b]` / `remove NAME` (by its name or key)."""
    entry = _entry(ctx, key)
    _may_manage(ctx, entry)
    name = " ".join(name.split())
    if not name or len(name) > COMPETENCY_MAX:
        raise InvalidInput(f"a competency's name needs 1 to {COMPETENCY_MAX} characters")
    spec = ctx.catalog.role(entry["key"])
    card: list[dict[str, Any]] = list(entry.get("scorecard") or [])
    if verb == "add":
        comp_key = _slug(name)
        if any(c["key"] == comp_key or c["name"].lower() == name.lower() for c in card):
            raise InvalidInput(f"{spec.title}'s scorecard has '{name}' already")
        comp: dict[str, Any] = {"key": comp_key, "name": name}
        if stages:
            comp["stages"] = [spec.pipeline.parse(s).key for s in stages.split(",") if s.strip()]
        card.append(comp)
        said = f"added '{name}' to {spec.title}'s scorecard"
    else:
        found = next(
            (c for c in card if name.lower() in {c["key"], c["name"].lower()}),
            None,
        )
        if found is None:
            names = [c["name"] for c in card]
            raise NotFound(
                f"'{name}' is not on {spec.title}'s scorecard{did_you_mean(name, names)} "
                f"(competencies: {', '.join(names) or 'none'})"
            )
        card.remove(found)
        said = f"removed '{found['name']}' from {spec.title}'s scorecard"
    entry["scorecard"] = card
    row = _store(ctx, entry)
    _record(ctx, "role.changed", f"{ctx.actor.name} {said}", row.key)
    return ctx.catalog.role(row.key)


def numbered_questions(spec: RoleSpec) -> list[tuple[str, str]]:
    """The question bank in order, (stage, question), as `role questions KEY` numbers it."""
    return [
        (stage.key, question)
        for stage in spec.pipeline.stages
        for question in spec.question_bank.get(stage.key, ())
    ]


def _default_stage(spec: RoleSpec) -> str:
    named = [s.key for s in spec.pipeline.stages if s.key in spec.question_bank]
    if named:
        return named[0]
    upcoming = spec.next_interview_stage(spec.pipeline.first.key)
    if upcoming is None:
        raise InvalidInput("say which stage the question is for: stage=…")
    return upcoming.key


def questions(
    ctx: Context, key: str, verb: str, argument: str, stage: str | None
) -> tuple[RoleSpec, str]:
    """`role questions KEY add "…" [stage=…]` / `remove N` (N as the listing numbers it)."""
    entry = _entry(ctx, key)
    _may_manage(ctx, entry)
    spec = ctx.catalog.role(entry["key"])
    bank: dict[str, list[str]] = {k: list(v) for k, v in (entry.get("question_bank") or {}).items()}
    if verb == "add":
        text = " ".join(argument.split())
        if not text or len(text) > QUESTION_MAX:
            raise InvalidInput(f"a question needs 1 to {QUESTION_MAX} characters")
        where = spec.pipeline.parse(stage).key if stage else _default_stage(spec)
        if text in bank.get(where, []):
            raise InvalidInput("that question is in the bank already")
        bank.setdefault(where, []).append(text)
        said = f"added a {spec.pipeline.label(where)} question to {spec.title}"
    else:
        listed = numbered_questions(spec)
        if not argument.strip().isdigit() or not 1 <= int(argument) <= len(listed):
            raise InvalidInput(
                f"remove which? give its number, 1 to {len(listed)} (role questions {spec.key})"
                if listed
                else f"{spec.title} has no questions"
            )
        where, text = listed[int(argument) - 1]
        bank[where].remove(text)
        if not bank[where]:
            del bank[where]
        said = f"removed question {argument} ({spec.pipeline.label(where)}) from {spec.title}"
    entry["question_bank"] = bank
    row = _store(ctx, entry)
    _record(ctx, "role.changed", f"{ctx.actor.name} {said}: {text[:200]}", row.key)
    return ctx.catalog.role(row.key), said
