"""The single exit for outbound messages: rows written in the caller's transaction.

No channel sends anything that is not first a row here; delivery marks rows sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.messages.reply import Reply
from bot.services import audit
from bot.services.context import Context
from storage.models import OutboxMessage
from storage.unit_of_work import UnitOfWork

# An edit of a message already delivered; the row's external_ref names the message to edit.
MESSAGE_UPDATE = "message_update"


class PrivacyViolation(RuntimeError):
    """A programming error: personal data addressed to a shared destination."""


@dataclass(frozen=True)
class Destination:
    channel: str
    address: str
    shared: bool
    ephemeral_to: str | None = None


def enqueue(
    ctx: Context,
    destination: Destination,
    reply: Reply,
    *,
    kind: str = "message",
    card_key: str | None = None,
    thread_card_key: str | None = None,
    applicant_id: int | None = None,
    status: str = "pending",
) -> OutboxMessage:
    if destination.shared and destination.ephemeral_to is None and reply.has_private_data():
        raise PrivacyViolation(
            f"refusing to send personal data to shared {destination.channel} {destination.address}"
        )
    now = (ctx.sending_clock or ctx.clock).now()
    message = OutboxMessage(
        created_at=now,
        channel=destination.channel,
        destination=destination.address,
        kind=kind,
        ephemeral_to=destination.ephemeral_to,
        card_key=card_key,
        thread_card_key=thread_card_key,
        payload=reply.model_dump(mode="json"),
        status=status,
        attempts=0,
        next_attempt_at=now,
        sent_at=now if status == "sent" else None,
        applicant_id=applicant_id,
        correlation_id=ctx.correlation_id,
    )
    ctx.uow.outbox.add(message)
    if status == "pending":
        ctx.queued += 1
    audit.record(
        ctx,
        direction="out",
        kind=kind,
        channel=destination.channel,
        summary=f"to {destination.address}: {reply.title or reply.text}"[:300],
        applicant_id=applicant_id,
        payload={"destination": destination.address, "ephemeral_to": destination.ephemeral_to},
    )
    return message


def mark_sent(
    uow: UnitOfWork, ids: Sequence[int], now: datetime, external_ref: str | None = None
) -> None:
    """Record that an adapter delivered these rows itself (console print, HTTP response body).

    One UPDATE, not a load and a flush per row: a channel that answers inline marks every
    answer this way."""
    uow.outbox.mark_sent(ids, now, external_ref)


def reply_of(message: OutboxMessage) -> Reply:
    return Reply.model_validate(message.payload)


def redirect(
    uow: UnitOfWork, ids: Sequence[int], destination: Destination, due: datetime
) -> list[int]:
    """Hand answers an adapter could not deliver inline to the delivery worker, addressed to
    `destination` instead (the asker's private conversation), due at `due`. An adapter still
    trying gives a later `due` (a lease: if it dies, the worker sends them then) and marks them
    sent if it succeeds first. Rows sent or being sent are left alone; returns the ids moved."""
    moved = []
    for message in uow.outbox.by_ids(ids):
        if message.status not in ("inline", "pending"):
            continue
        if destination.shared and reply_of(message).has_private_data():
            raise PrivacyViolation(
                f"refusing to send personal data to shared {destination.channel} "
                f"{destination.address}"
            )
        message.channel = destination.channel
        message.destination = destination.address
        message.ephemeral_to = destination.ephemeral_to
        message.status = "pending"
        message.next_attempt_at = due
        moved.append(message.id)
    return moved
