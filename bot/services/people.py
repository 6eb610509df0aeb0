"""Reaching a person directly: which channel and address their private messages go to."""

from __future__ import annotations

from bot.domain.catalog import Catalog, PersonSpec
from bot.domain.errors import NotFound
from bot.messages.reply import Reply
from bot.services import audit, outbox
from bot.services.context import Context
from storage.models import Person
from storage.unit_of_work import UnitOfWork


def row(ctx: Context, key: str) -> Person:
    person = ctx.uow.people.by_key(key)
    if person is None or not person.active:
        raise NotFound(f"unknown person '{key}'")
    return person


def spec(ctx: Context, person: Person) -> PersonSpec:
    return ctx.catalog.person(person.key)


def addresses(catalog: Catalog, person: Person) -> list[tuple[str, str]]:
    """(channel, address) for every channel the person can be reached on, in the catalog's
    order of preference for private messages (a mail channel carries no conversation)."""
    found: list[tuple[str, str]] = []
    for channel in catalog.channels:
        if channel.mail:
            continue
        address = (
            channel.implicit(person.key)
            if channel.implicit_address
            else person.address_on(channel.name)
        )
        if address:
            found.append((channel.name, address))
    return found


def destination(
    catalog: Catalog,
    channels: frozenset[str],
    person: Person,
    avoid: tuple[str, str] | None = None,
) -> outbox.Destination | None:
    """Where the person's private messages go on the channels this deployment runs, other than
    `avoid` (an address that just refused a message)."""
    for channel, address in addresses(catalog, person):
        if channel in channels and (channel, address) != avoid:
            return outbox.Destination(channel, address, shared=False)
    return None


def direct_destination(ctx: Context, person: Person) -> outbox.Destination | None:
    return destination(ctx.catalog, ctx.channels, person)


def resolve(uow: UnitOfWork, catalog: Catalog, channel: str, user_ref: str) -> Person | None:
    """The active team member behind `user_ref` on `channel`, if any."""
    traits = catalog.channel(channel)
    if traits is None or traits.implicit_address:
        found = uow.people.by_key(user_ref)
        return found if found is not None and found.active else None
    try:
        address = traits.normalise(user_ref)
    except ValueError:
        return None
    return uow.people.by_identity(channel, address)


def tell(ctx: Context, person: Person, reply: Reply, *, applicant_id: int | None = None) -> bool:
    """Queue a private message; when the person has no reachable channel, audit that instead."""
    destination = direct_destination(ctx, person)
    if destination is None:
        audit.record(
            ctx,
            direction="event",
            kind="person.unreachable",
            summary=f"{person.name} could not be reached: {reply.title or reply.text}"[:300],
            applicant_id=applicant_id,
        )
        return False
    outbox.enqueue(ctx, destination, reply, applicant_id=applicant_id)
    return True
