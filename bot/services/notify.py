"""Who hears about what: cards in a role's channels, updated in place, with events threaded."""

from __future__ import annotations

from bot.domain.catalog import RoleSpec
from bot.messages.cards import applicant_card, card_key
from bot.messages.reply import Reply
from bot.services import outbox
from bot.services.context import Context
from storage.models import Applicant


def role_destinations(ctx: Context, role: RoleSpec) -> list[outbox.Destination]:
    """The role's channels on the channels this deployment runs; others are not queued."""
    return [
        outbox.Destination(channel=name, address=address, shared=True)
        for name, address in role.channels.items()
        if name in ctx.channels
    ]


def announce_new(ctx: Context, applicant: Applicant, role: RoleSpec, *, via: str) -> None:
    card = applicant_card(applicant, role, last_event=f"Added by {ctx.actor.name} via {via}")
    for destination in role_destinations(ctx, role):
        outbox.enqueue(
            ctx,
            destination,
            card,
            kind="card",
            card_key=card_key(applicant.id),
            applicant_id=applicant.id,
        )


def announce_change(ctx: Context, applicant: Applicant, role: RoleSpec, event: str) -> None:
    """Edit the card to its new state and add one line to its thread."""
    card = applicant_card(applicant, role, last_event=event)
    line = Reply(kind="info", text=event, private=False)
    key = card_key(applicant.id)
    for destination in role_destinations(ctx, role):
        outbox.enqueue(
            ctx, destination, card, kind="card_update", card_key=key, applicant_id=applicant.id
        )
        outbox.enqueue(
            ctx, destination, line, kind="message", thread_card_key=key, applicant_id=applicant.id
        )
