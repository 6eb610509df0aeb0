"""Delivers outbox rows for one channel: in order per conversation, with backoff, honouring
rate limits, and claimed so that several replicas never send the same row.

The work queue (bot/runtime/work.py over storage/queue.py) claims the rows in one short
statement with a lease that a heartbeat renews while the pass runs, keeps each conversation's
order and applies the retry policy (a platform's Retry-After first); this module only says how
to send one row and what to remember once it has gone (the platform's id, a card's post).
Sending happens outside any transaction; each result is recorded in its own short transaction.

Conversations go side by side: a pass hands each conversation's claimed rows, in order, to a
small thread pool, so a slow or paced conversation never holds the others up, while one
conversation's messages still go one after another. Before each send the channel's pacer
(pacing.py, built from the channel's send limits) says whether the platform would take it
now; if not, the row and the rest of its conversation are handed back due when it would, with
no attempt spent, and the loop wakes for them then. On a clock that runs by itself (the
system's, or one shifted from it) a wait that ends within `HOLD` of the pass's start is waited
out in place instead, and a pass claims what the channel may send by then: handing back and
claiming again for each message a busy channel sends (a fifth of a second apart at most) cost
two transactions a message, which on a loaded PostgreSQL kept a paced channel well under its
rate. (On a test's frozen clock time moves only when the test moves it: every wait is handed
back, and the counts stay exact.)
A replica that dies mid-send leaves a lease that expires (or that the next process on its
machine takes back at start-up), and the row is sent again: delivery is at least once, and a
crash in that window is the only way a message can go out twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from bot.clock import Clock
from bot.delivery.pacing import Pacer, later
from bot.delivery.sender import Counted, DeliveryError, OutgoingMessage, Sender
from bot.domain.channels import UNLIMITED, SendLimits
from bot.logging_setup import correlation
from bot.runtime.work import Claimed, PassStats, Retry, RetryPolicy, WorkQueue
from bot.services.outbox import MESSAGE_UPDATE, reply_of
from storage.models import CardPost, OutboxMessage
from storage.queue import OUTBOX, ClaimedRow
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_CAP = 600.0
THREADS = 4  # conversations of one channel sent at once
HOLD = 0.25  # seconds from a pass's start within which a paced send is waited for in place
OPEN_STATUSES = OUTBOX.states.open


def message_of(row: OutboxMessage) -> OutgoingMessage:
    return OutgoingMessage(
        id=row.id,
        channel=row.channel,
        destination=row.destination,
        kind=row.kind,
        reply=reply_of(row),
        ephemeral_to=row.ephemeral_to,
        card_key=row.card_key,
        thread_card_key=row.thread_card_key,
        # An edit of a delivered message carries that message's platform id.
        card_ref=row.external_ref if row.kind == MESSAGE_UPDATE else None,
        correlation_id=row.correlation_id,
    )


def _messages(uow: UnitOfWork, rows: list[ClaimedRow]) -> dict[int, OutgoingMessage]:
    return {r.id: message_of(r) for r in uow.outbox.by_ids([c.id for c in rows])}


class DeliveryWorker:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        sender: Sender,
        clock: Clock,
        *,
        batch: int = 50,
        max_attempts: int = MAX_ATTEMPTS,
        on_unreachable: Callable[[OutgoingMessage, str], None] | None = None,
        limits: SendLimits = UNLIMITED,
        threads: int = THREADS,
    ) -> None:
        # Told (message, reason) when a row dies because its recipient refused it for good,
        # whatever the channel: `hirebot serve` reports it to whoever can fix it.
        self.on_unreachable = on_unreachable
        self.uow_factory = uow_factory
        self.sender = sender
        self.channel = sender.channel
        self.clock = clock
        self.queue: WorkQueue[OutgoingMessage] = WorkQueue(
            OUTBOX,
            uow_factory,
            clock,
            RetryPolicy(max_attempts, cap=BACKOFF_CAP),
            load=_messages,
            batch=batch,
            scope=self.channel,
        )
        self.leases = self.queue.leases
        self.pacer = Pacer(limits, clock)
        # Row id -> the sends its tokens were taken for, from pacing until its send is back
        # (each row is in one delivery thread at a time).
        self._reserved: dict[int, int] = {}
        self.threads = max(1, threads)
        self.hold = HOLD if clock.runs_by_itself else 0.0
        self._hold_until = 0.0  # time.monotonic() by which this pass's waits must end
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self.threads, thread_name_prefix=f"hirebot-delivery-{self.channel}"
                )
            return self._pool

    def close(self) -> None:
        """Let the pool's threads go (a pass after this starts a new pool)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def run_once(self) -> PassStats:
        # No more rows claimed than the channel may send now: a pass over a busy channel
        # would otherwise claim a batch only to hand most of it back.
        self._hold_until = time.monotonic() + self.hold
        available = self.pacer.available(within=self.hold)
        if available == 0:
            return PassStats(next_due=later(self.clock.now(), self.pacer.overall_wait()))
        return self.queue.run_lanes(
            self._send,
            self._executor(),
            pace=self._pace,
            record_each=self._sent,
            around=lambda item: correlation(item.data.correlation_id),
            limit=min(self.queue.batch, available) if available is not None else None,
        )

    def _pace(self, item: Claimed[OutgoingMessage]) -> float:
        message = item.data
        sends = max(1, self.sender.sends(message) if isinstance(self.sender, Counted) else 1)
        while True:
            wait = self.pacer.reserve(message.destination, message.kind, sends)
            if wait == 0:  # taken: `_paced_send` tells the pacer how many came back
                self._reserved[item.id] = sends
                return 0.0
            if time.monotonic() + wait > self._hold_until:
                return wait  # handed back, due then
            time.sleep(wait)  # another thread may take the token first: asked again

    def _with_card_ref(self, message: OutgoingMessage) -> OutgoingMessage:
        """Look the card up at send time: it may have been posted earlier in this same pass."""
        key = message.card_key if message.kind == "card_update" else message.thread_card_key
        if not key:
            return message
        with self.uow_factory() as uow:
            post = uow.cards.find(self.channel, key, message.destination)
        return replace(message, card_ref=post.message_ref) if post else message

    def _send(self, item: Claimed[OutgoingMessage]) -> str | None:
        message = item.data
        try:
            ref = self._paced_send(item.id, message)
        except DeliveryError as exc:
            if exc.rate_limited and exc.retry_after:  # the platform's own "slow down"
                self.pacer.back_off(message.destination, message.kind, exc.retry_after)
            if exc.unreachable and self.on_unreachable is not None:  # failed either way
                self._report(message, str(exc))
            raise self._retry(exc) from exc
        except Exception as exc:  # a sender bug must not stop the loop
            log.exception("sender %s crashed on outbox row %s", self.channel, message.id)
            raise self._retry(DeliveryError(f"{type(exc).__name__}: {exc}")) from exc
        log.debug("outbox row %s sent on %s", message.id, self.channel)
        return ref

    def _paced_send(self, row: int, message: OutgoingMessage) -> str | None:
        """The send, then the pacer told it came back (its tokens taken by `_pace`)."""
        try:
            return self.sender.send(self._with_card_ref(message))
        finally:
            sends = self._reserved.pop(row, None)
            if sends is not None:
                self.pacer.sent(message.destination, message.kind, sends)

    @staticmethod
    def _retry(exc: DeliveryError) -> Retry:
        return Retry(str(exc), retry_after=exc.retry_after, permanent=not exc.retryable)

    def _report(self, message: OutgoingMessage, reason: str) -> None:
        assert self.on_unreachable is not None
        try:
            self.on_unreachable(message, reason)
        except Exception:  # the row has failed either way; the notice is best effort
            log.exception("could not report %s as unreachable", message.destination)

    def _sent(
        self, uow: UnitOfWork, item: Claimed[OutgoingMessage], ref: str | None
    ) -> Mapping[str, Any]:
        """In the transaction that marks the row sent: where a card was posted (later edits
        and thread lines go there); returns the platform's id, which the queue sets in the
        same statement that marks the row sent."""
        message = item.data
        if message.kind == "card" and message.card_key and ref:
            post = uow.cards.find(self.channel, message.card_key, message.destination)
            if post is None:
                uow.cards.add(
                    CardPost(
                        channel=self.channel,
                        card_key=message.card_key,
                        destination=message.destination,
                        message_ref=ref,
                        posted_at=self.clock.now(),
                    )
                )
            else:
                post.message_ref = ref
        return {"external_ref": ref}
