"""The single exit for outbound messages: rows written in the caller's transaction.

No channel sends anything that is not first a row here, which the delivery worker sends and
marks sent, with one exception: an answer a channel gives inside the exchange that asked
(a response URL, a form's acknowledgement, a home view) is not a row at all (`answered_inline`):
it is checked and recorded in the audit log like any message, and returned to the adapter in
the `Outcome`. If the adapter cannot give it there after all, it hands it over (`hand_over`)
as a plain row for the asker's private conversation, which the worker sends like any other.
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
    _allowed(destination, reply)
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
        sent_at=now if status == "done" else None,
        applicant_id=applicant_id,
        correlation_id=ctx.correlation_id,
    )
    ctx.uow.outbox.add(message)
    if status == "pending":
        ctx.queued += 1
    _record(ctx, destination, reply, kind, applicant_id)
    return message


def answered_inline(
    ctx: Context, destination: Destination, reply: Reply, *, applicant_id: int | None = None
) -> None:
    """An answer the channel gives in the exchange that asked: checked and recorded like a
    queued message, but no row (nothing for the delivery worker, nothing to mark sent)."""
    _allowed(destination, reply)
    _record(ctx, destination, reply, "message", applicant_id)


def _allowed(destination: Destination, reply: Reply) -> None:
    if destination.shared and destination.ephemeral_to is None and reply.has_private_data():
        raise PrivacyViolation(
            f"refusing to send personal data to shared {destination.channel} {destination.address}"
        )


def _record(
    ctx: Context, destination: Destination, reply: Reply, kind: str, applicant_id: int | None
) -> None:
    audit.record(
        ctx,
        direction="out",
        kind=kind,
        channel=destination.channel,
        summary=f"to {destination.address}: {reply.title or reply.text}"[:300],
        applicant_id=applicant_id,
        payload={"destination": destination.address, "ephemeral_to": destination.ephemeral_to},
    )


def hand_over(
    uow: UnitOfWork,
    replies: Sequence[Reply],
    destination: Destination,
    *,
    now: datetime,
    due: datetime,
    correlation_id: str,
    applicant_id: int | None = None,
) -> list[int]:
    """Answers an adapter could not give inline, as plain rows for the delivery worker to
    `destination` (the asker's private conversation), due at `due`. An adapter still trying
    gives a later `due` (a lease: if it dies, the worker sends them then) and `withdraw`s them
    if it succeeds first. Already in the audit log (`answered_inline`); returns the row ids."""
    rows = []
    for reply in replies:
        _allowed(destination, reply)
        row = OutboxMessage(
            created_at=now,
            channel=destination.channel,
            destination=destination.address,
            kind="message",
            ephemeral_to=destination.ephemeral_to,
            payload=reply.model_dump(mode="json"),
            status="pending",
            attempts=0,
            next_attempt_at=due,
            applicant_id=applicant_id,
            correlation_id=correlation_id,
        )
        uow.outbox.add(row)
        rows.append(row)
    uow.flush()
    return [r.id for r in rows]


def withdraw(uow: UnitOfWork, ids: Sequence[int]) -> int:
    """Take back handed-over rows the adapter delivered itself after all, unless the worker
    has claimed them already (then the message may arrive twice: delivery is at least once)."""
    return uow.outbox.delete_waiting(ids)


def due_now(uow: UnitOfWork, ids: Sequence[int], due: datetime) -> None:
    """Handed-over rows due at `due` instead (the adapter gave up before their lease ran out)."""
    uow.outbox.set_due(ids, due)


def mark_sent(
    uow: UnitOfWork, ids: Sequence[int], now: datetime, external_ref: str | None = None
) -> None:
    """Record that an adapter delivered these rows itself (the console prints its own rows).

    One UPDATE, not a load and a flush per row."""
    uow.outbox.mark_sent(ids, now, external_ref)


def reply_of(message: OutboxMessage) -> Reply:
    return Reply.model_validate(message.payload)
