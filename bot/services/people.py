"""Reaching a person directly: which channel and address their private messages go to."""

from __future__ import annotations

from bot.domain.catalog import PersonSpec
from bot.domain.errors import NotFound
from bot.messages.reply import Reply
from bot.services import audit, outbox
from bot.services.context import Context
from storage.models import Person

# Preference when a person can be reached on several channels this deployment runs.
DIRECT_CHANNELS = ("slack", "telegram", "console")


def row(ctx: Context, key: str) -> Person:
    person = ctx.uow.people.by_key(key)
    if person is None or not person.active:
        raise NotFound(f"unknown person '{key}'")
    return person


def spec(ctx: Context, person: Person) -> PersonSpec:
    return ctx.catalog.person(person.key)


def direct_destination(ctx: Context, person: Person) -> outbox.Destination | None:
    for channel in DIRECT_CHANNELS:
        if channel not in ctx.channels:
            continue
        if channel == "slack" and person.slack_id:
            return outbox.Destination("slack", person.slack_id, shared=False)
        if channel == "telegram" and person.telegram_id:
            return outbox.Destination("telegram", str(person.telegram_id), shared=False)
        if channel == "console":
            return outbox.Destination("console", f"console:{person.key}", shared=False)
    return None


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
