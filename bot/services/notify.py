"""Who hears about what: cards in a role's channels, updated in place, with events threaded;
and the same card, privately, for each of the role's followers (services/following.py).

A follower's copy is the card as they may read it: with the applicant's email and phone only
when they may see contact details. Its changes are edits of that copy where the channel edits
messages, plus one line naming the applicant (a private chat holds many cards, so a bare
"Moved to …" would not say whose); the person who made the change gets no line about it, and
someone who followed after the card went out gets the lines alone.
"""

from __future__ import annotations

from bot.domain.catalog import RoleSpec
from bot.domain.permissions import Permission
from bot.messages.cards import applicant_card, card_key
from bot.messages.reply import Reply
from bot.services import following, outbox
from bot.services.context import Context
from storage.models import Applicant


def role_destinations(ctx: Context, role: RoleSpec) -> list[outbox.Destination]:
    """The role's channels on the channels this deployment runs; others are not queued."""
    return [
        outbox.Destination(channel=name, address=address, shared=True)
        for name, address in role.channels.items()
        if name in ctx.channels
    ]


def _card(
    applicant: Applicant, role: RoleSpec, event: str, reader: following.Follower | None
) -> Reply:
    contact = reader is not None and reader.spec.can(Permission.VIEW_CONTACT)
    return applicant_card(applicant, role, last_event=event, contact=contact)


def announce_new(ctx: Context, applicant: Applicant, role: RoleSpec, *, via: str) -> None:
    event = f"Added by {ctx.actor.name} via {via}"
    key = card_key(applicant.id)
    card = _card(applicant, role, event, None)
    for destination in role_destinations(ctx, role):
        outbox.enqueue(ctx, destination, card, kind="card", card_key=key, applicant_id=applicant.id)
    for follower in following.followers(ctx, role):
        outbox.enqueue(
            ctx,
            follower.destination,
            _card(applicant, role, event, follower),
            kind="card",
            card_key=key,
            applicant_id=applicant.id,
        )


def announce_change(ctx: Context, applicant: Applicant, role: RoleSpec, event: str) -> None:
    """Edit the card to its new state and add one line to its thread."""
    card = _card(applicant, role, event, None)
    line = Reply(kind="info", text=event, private=False)
    key = card_key(applicant.id)
    for destination in role_destinations(ctx, role):
        outbox.enqueue(
            ctx, destination, card, kind="card_update", card_key=key, applicant_id=applicant.id
        )
        outbox.enqueue(
            ctx, destination, line, kind="message", thread_card_key=key, applicant_id=applicant.id
        )
    named = Reply(kind="info", text=f"{card.title}: {event}", private=False)
    for follower in following.followers(ctx, role):
        where = follower.destination
        if ctx.uow.outbox.card_queued(applicant.id, where.channel, key, where.address):
            outbox.enqueue(
                ctx,
                where,
                _card(applicant, role, event, follower),
                kind="card_update",
                card_key=key,
                applicant_id=applicant.id,
            )
        if follower.person_id != ctx.actor.person_id:
            outbox.enqueue(
                ctx,
                follower.destination,
                named,
                kind="message",
                thread_card_key=key,
                applicant_id=applicant.id,
            )
