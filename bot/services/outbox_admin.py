"""Operating the outbox: what is waiting, what keeps failing, what gave up, and a second chance.

The outbox stores the work queue's words, as the inbox and the scheduled tasks do (pending,
working, done, failed: storage/queue.py), and the counts and listings are the queue's.
"Retrying" is not a status of its own: it is a pending row that has been tried and will be
tried again (it has a last error). "Failed" rows were refused for good or ran out of attempts;
`retry` puts one back in the queue with a fresh attempt budget.

Before the outbox shared those words it said sending, sent and dead (for working, done and
failed), and its "failed" meant retrying. The old names are still understood as views (`ALIASES`)
except "failed", whose meaning is now the queue's.
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

STATES = OUTBOX.states
OPEN = STATES.open
FAILED = STATES.given_up
RETRYING = "retrying"
# What an operator's view of the outbox means in rows: (states, has an error, newest first).
VIEW_ROWS: dict[str, tuple[tuple[str, ...] | None, bool | None, bool]] = {
    STATES.waiting: ((STATES.waiting,), False, False),
    RETRYING: ((STATES.waiting,), True, False),
    STATES.claimed: ((STATES.claimed,), None, False),
    FAILED: ((FAILED,), None, False),
    STATES.done: ((STATES.done,), None, True),
    "open": ((*OPEN, FAILED), None, False),
    "all": (None, None, True),
}
VIEWS = tuple(VIEW_ROWS)
# The outbox's own words from before it stored the queue's, still accepted as views.
ALIASES = {"sending": STATES.claimed, "sent": STATES.done, "dead": FAILED}


@dataclass(frozen=True)
class ChannelStats:
    """One channel's rows by state; `retrying` rows are pending ones that failed an attempt
    (`pending` counts only those never tried or not failed yet)."""

    channel: str
    pending: int
    retrying: int
    working: int
    failed: int
    done: int
    oldest_pending_at: datetime | None


def state_of(row: OutboxMessage) -> str:
    """The state an operator sees: the stored one, or `retrying` for a pending row that has
    failed an attempt."""
    if row.status == STATES.waiting and row.last_error:
        return RETRYING
    return row.status


def listing(
    uow: UnitOfWork, *, view: str = "open", channel: str | None = None, limit: int = 50
) -> Sequence[OutboxMessage]:
    """Oldest first, so the head of each conversation's queue is on top (done rows and all
    rows newest first)."""
    view = ALIASES.get(view, view)
    if view not in VIEWS:
        raise InvalidInput(f"unknown view '{view}' (views: {', '.join(VIEWS)})")
    states, errored, newest_first = VIEW_ROWS[view]
    return uow.queue.listing(
        OUTBOX, states, limit, scope=channel, errored=errored, newest_first=newest_first
    )


def stats(uow: UnitOfWork, *, include_done: bool = True) -> list[ChannelStats]:
    """Counts per channel. Done rows pile up until purged, so scrapes count only open and
    failed ones."""
    counts: dict[str, dict[str, int]] = {}
    states = None if include_done else (*OPEN, FAILED)
    for (channel, status, errored), count in uow.queue.counts(OUTBOX, states).items():
        bucket = counts.setdefault(channel, {})
        key = RETRYING if status == STATES.waiting and errored else status
        bucket[key] = bucket.get(key, 0) + count
    oldest = oldest_open(uow)
    return [
        ChannelStats(
            channel,
            pending=c.get(STATES.waiting, 0),
            retrying=c.get(RETRYING, 0),
            working=c.get(STATES.claimed, 0),
            failed=c.get(FAILED, 0),
            done=c.get(STATES.done, 0),
            oldest_pending_at=oldest.get(channel),
        )
        for channel, c in sorted(counts.items())
    ]


def oldest_open(uow: UnitOfWork) -> dict[str, datetime]:
    """When the oldest undelivered message of each channel was queued: the delivery lag."""
    return uow.queue.oldest_open(OUTBOX)


def retry(ctx: Context, message_id: int) -> OutboxMessage:
    """Put a failed message back in the queue, due now, with a fresh attempt budget."""
    row = ctx.uow.outbox.get(message_id, for_update=True)
    if row is None:
        raise NotFound(f"no outbox message {message_id}")
    if row.status != FAILED:
        raise InvalidInput(
            f"outbox message {message_id} is {state_of(row)}; only failed messages can be retried"
        )
    row.status = STATES.waiting
    row.attempts = 0
    row.next_attempt_at = ctx.clock.now()
    audit.record(
        ctx,
        direction="event",
        kind="outbox.retry",
        channel=row.channel,
        summary=f"{ctx.actor.name} put failed message {row.id} to {row.destination} back in the "
        f"queue (last error: {row.last_error or 'none'})",
        applicant_id=row.applicant_id,
        payload={"outbox_id": row.id},
    )
    return row


def failed_ids(uow: UnitOfWork, channel: str | None = None) -> list[int]:
    return uow.queue.given_up_ids(OUTBOX, channel)
