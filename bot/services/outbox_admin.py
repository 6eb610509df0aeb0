"""Operating the outbox: what is waiting, what keeps failing, what gave up, and a second chance.

"Failed" is not a status of its own: it is an open row that has been tried and will be tried
again (it has a last error). "Dead" rows were refused for good or ran out of attempts;
`retry` puts one back in the queue with a fresh attempt budget. The counts and listings are the
work queue's (storage/queue.py), as for the inbox and scheduled tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.errors import InvalidInput, NotFound
from bot.services import audit
from bot.services.context import Context
from storage.models import OutboxMessage
from storage.queue import OUTBOX
from storage.unit_of_work import UnitOfWork

OPEN = OUTBOX.states.open
DEAD = OUTBOX.states.given_up
# What an operator's view of the outbox means in rows: (states, has an error, newest first).
VIEW_ROWS: dict[str, tuple[tuple[str, ...] | None, bool | None, bool]] = {
    "pending": (OPEN, False, False),
    "failed": (OPEN, True, False),
    "dead": ((DEAD,), None, False),
    "sent": ((OUTBOX.states.done,), None, True),
    "open": ((*OPEN, DEAD), None, False),
    "all": (None, None, True),
}
VIEWS = tuple(VIEW_ROWS)


@dataclass(frozen=True)
class ChannelStats:
    channel: str
    pending: int
    sending: int
    failed: int
    dead: int
    sent: int
    oldest_pending_at: datetime | None


def listing(
    uow: UnitOfWork, *, view: str = "open", channel: str | None = None, limit: int = 50
) -> Sequence[OutboxMessage]:
    """Oldest first, so the head of each conversation's queue is on top."""
    if view not in VIEWS:
        raise InvalidInput(f"unknown view '{view}' (views: {', '.join(VIEWS)})")
    states, errored, newest_first = VIEW_ROWS[view]
    return uow.queue.listing(
        OUTBOX, states, limit, scope=channel, errored=errored, newest_first=newest_first
    )


def stats(uow: UnitOfWork, *, include_sent: bool = True) -> list[ChannelStats]:
    """Counts per channel. Sent rows pile up forever, so scrapes count only open and dead ones."""
    counts: dict[str, dict[str, int]] = {}
    states = None if include_sent else (*OPEN, DEAD)
    for (channel, status, errored), count in uow.queue.counts(OUTBOX, states).items():
        bucket = counts.setdefault(channel, {})
        key = "failed" if status in OPEN and errored else status
        bucket[key] = bucket.get(key, 0) + count
    oldest = oldest_open(uow)
    return [
        ChannelStats(
            channel,
            pending=c.get("pending", 0),
            sending=c.get("sending", 0),
            failed=c.get("failed", 0),
            dead=c.get("dead", 0),
            sent=c.get("sent", 0),
            oldest_pending_at=oldest.get(channel),
        )
        for channel, c in sorted(counts.items())
    ]


def oldest_open(uow: UnitOfWork) -> dict[str, datetime]:
    """When the oldest undelivered message of each channel was queued: the delivery lag."""
    return uow.queue.oldest_open(OUTBOX)


def retry(ctx: Context, message_id: int) -> OutboxMessage:
    """Put a dead message back in the queue, due now, with a fresh attempt budget."""
    row = ctx.uow.outbox.get(message_id, for_update=True)
    if row is None:
        raise NotFound(f"no outbox message {message_id}")
    if row.status != "dead":
        raise InvalidInput(
            f"outbox message {message_id} is {row.status}; only dead messages can be retried"
        )
    row.status = "pending"
    row.attempts = 0
    row.next_attempt_at = ctx.clock.now()
    audit.record(
        ctx,
        direction="event",
        kind="outbox.retry",
        channel=row.channel,
        summary=f"{ctx.actor.name} put dead message {row.id} to {row.destination} back in the "
        f"queue (last error: {row.last_error or 'none'})",
        applicant_id=row.applicant_id,
        payload={"outbox_id": row.id},
    )
    return row


def dead_ids(uow: UnitOfWork, channel: str | None = None) -> list[int]:
    return uow.queue.given_up_ids(OUTBOX, channel)
