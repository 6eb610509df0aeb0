"""Binding a chat account to a person with a one-time code, never by a username.

An admin issues a code for a person (`hirebot people link PERSON`); whoever sends it to the bot
becomes that person on the channel. Codes are random, stored only as a SHA-256 hash, expire
(24 hours by default), work once, and never take over an account already bound to someone else.
Issuing a new code retires the person's unused ones, so only the latest link works.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.errors import InvalidInput, NotFound, PermissionDenied
from bot.messages.format import local_time
from bot.services import audit
from bot.services.context import Context
from storage.models import LinkCode, Person

CODE_TTL = timedelta(hours=24)
# Deep links that open a chat with a start parameter carry at most 64 characters of
# [A-Za-z0-9_-], so a code fits in one.
_CODE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_NEW_CODE = "ask a hirebot admin for a new one (`hirebot people link <person>`)"


@dataclass(frozen=True)
class IssuedCode:
    code: str
    person_key: str
    person_name: str
    channel: str
    expires_at: datetime


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def linkable(ctx: Context) -> list[str]:
    """Channels whose accounts are bound to people with one-time codes."""
    return [c.name for c in ctx.catalog.channels if c.linkable]


def create_code(
    ctx: Context, person_key: str, *, channel: str, ttl: timedelta = CODE_TTL
) -> IssuedCode:
    """A fresh code for the person; the caller commits. The plain code exists only in the result."""
    if channel not in linkable(ctx):
        raise InvalidInput(
            f"accounts on '{channel}' are not linked with codes "
            f"(linkable: {', '.join(linkable(ctx))})"
        )
    spec = ctx.catalog.person(person_key)
    person = ctx.uow.people.by_key(spec.key)
    if person is None or not person.active:
        raise NotFound(f"'{spec.key}' is not in the people table yet; restart to sync config")
    now = ctx.clock.now()
    codes = ctx.uow.link_codes
    for old in codes.unused_for(person.id, channel):
        if old.expires_at > now:
            old.expires_at = now
    code = secrets.token_urlsafe(18)  # 144 random bits, 24 characters
    expires_at = now + ttl
    codes.add(
        LinkCode(
            code_hash=hash_code(code),
            person_id=person.id,
            channel=channel,
            created_at=now,
            expires_at=expires_at,
        )
    )
    audit.record(
        ctx,
        direction="event",
        kind="person.link_code",
        channel=channel,
        summary=f"{ctx.actor.name} issued a {channel} link code for {spec.name}",
        payload={"person": spec.key, "expires_at": expires_at.isoformat()},
    )
    return IssuedCode(code, spec.key, spec.name, channel, expires_at)


def redeem(ctx: Context, code: str, *, channel: str, user_ref: str) -> Person:
    """Bind `user_ref` on `channel` to the code's person; the caller commits.

    Refuses unknown, malformed, expired, used and other-channel codes, and an account that is
    already someone else's. Redeeming a code for the person the account already belongs to
    just confirms it.
    """
    code = code.strip()
    if not _CODE.match(code):
        raise InvalidInput(f"that is not a valid link code; {_NEW_CODE}")
    traits = ctx.catalog.channel(channel)
    try:
        if traits is None or not traits.linkable:
            raise ValueError(f"accounts on {channel} are not linked with codes")
        address = traits.normalise(user_ref)
    except ValueError:
        raise InvalidInput(f"{channel} user {user_ref[:40]} cannot be linked") from None
    codes = ctx.uow.link_codes
    row = codes.by_hash(hash_code(code))
    if row is None:
        raise NotFound(f"that link code is not valid; {_NEW_CODE}")
    if row.channel != channel:
        raise InvalidInput(f"that link code is for {row.channel}, not {channel}")
    if row.used_at is not None:
        raise InvalidInput(f"that link code has already been used; {_NEW_CODE}")
    now = ctx.clock.now()
    if row.expires_at <= now:
        tz = ctx.actor.timezone
        raise InvalidInput(
            f"that link code expired on {local_time(row.expires_at, tz)}; {_NEW_CODE}"
        )
    person = ctx.uow.people.by_id(row.person_id)
    if person is None or not person.active or person.key not in ctx.catalog.people:
        raise NotFound("the person that code was made for is no longer in the directory")
    holder = ctx.uow.people.identity(channel, address)
    if holder is not None and holder.person_id != person.id:
        raise PermissionDenied(
            f"this {channel} account is already linked to {holder.person.name}; "
            "ask a hirebot admin to unlink it first"
        )
    previous = person.address_on(channel)
    ctx.uow.people.set_identity(person, channel, address, linked_by="code", verified_at=now)
    row.used_at, row.used_by_ref = now, user_ref[:64]
    rebound = f" (replacing {previous})" if previous not in (None, address) else ""
    audit.record(
        ctx,
        direction="event",
        kind="person.linked",
        channel=channel,
        summary=f"{channel} user {user_ref} linked to {person.name}{rebound}",
        payload={"person": person.key, "user_ref": user_ref},
    )
    return person
