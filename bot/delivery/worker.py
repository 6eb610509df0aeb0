"""Delivers outbox rows for one channel: in order per conversation, with backoff, honouring
rate limits, and claimed so that several replicas never send the same row.

Claiming is a short transaction (rows locked with SKIP LOCKED, marked `sending` with a short
lease that a heartbeat renews while the pass runs, bot/runtime/leases.py); sending happens
outside any transaction; each result is recorded in its own short transaction. A replica that
dies mid-send leaves a lease that expires (or that the next process on its machine takes back at
start-up), and the row is sent again: delivery is at least once, and a crash in that window is
the only way a message can go out twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

from bot.clock import Clock
from bot.delivery.sender import DeliveryError, OutgoingMessage, Sender
from bot.logging_setup import correlation
from bot.runtime.background import backoff
from bot.runtime.leases import Leases
from bot.services.outbox import MESSAGE_UPDATE, reply_of
from storage import leases
from storage.models import CardPost, OutboxMessage
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_CAP = 600.0
OPEN_STATUSES = ("pending", "sending")


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    waiting: int = 0
    crashed: int = 0  # passes that raised (set by DeliveryLoop; the worker itself never does)
    errors: list[str] = field(default_factory=list)


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
    ) -> None:
        # Told (message, reason) when a row dies because its recipient refused it for good,
        # whatever the channel: `hirebot serve` reports it to whoever can fix it.
        self.on_unreachable = on_unreachable
        self.uow_factory = uow_factory
        self.sender = sender
        self.channel = sender.channel
        self.clock = clock
        self.batch = batch
        self.max_attempts = max_attempts
        self.leases = Leases(leases.OUTBOX, uow_factory, clock)

    def run_once(self) -> DeliveryStats:
        claimed = self._claim()
        try:
            return self._deliver_all(claimed)
        finally:  # whatever happened, this pass holds nothing any more
            self.leases.drop(m.id for m in claimed)

    def _deliver_all(self, claimed: list[OutgoingMessage]) -> DeliveryStats:
        stats = DeliveryStats()
        blocked: set[str] = set()
        for message in claimed:
            if message.destination in blocked:
                self._release(message.id)
                stats.waiting += 1
                continue
            with correlation(message.correlation_id):
                if not self._deliver(message, stats):
                    blocked.add(message.destination)
        return stats

    def _claim(self) -> list[OutgoingMessage]:
        now = self.clock.now()
        with self.uow_factory() as uow:
            rows = uow.outbox.due(self.channel, now, self.batch, statuses=OPEN_STATUSES)
            rows = self._in_order(uow, rows)
            messages = []
            for row in rows:
                row.status = "sending"
                row.next_attempt_at = self.leases.until()
                row.claimed_by = self.leases.holder
                messages.append(self._message(uow, row))
            uow.commit()
        self.leases.hold(m.id for m in messages)
        return messages

    def _in_order(self, uow: UnitOfWork, rows: Sequence[OutboxMessage]) -> list[OutboxMessage]:
        """Keep only rows with no earlier unsent row for their conversation outside this claim."""
        if not rows:
            return []
        destinations = {r.destination for r in rows}
        waits_for = uow.outbox.first_open_outside(self.channel, destinations, {r.id for r in rows})
        return [r for r in rows if r.id < waits_for.get(r.destination, r.id + 1)]

    def _message(self, uow: UnitOfWork, row: OutboxMessage) -> OutgoingMessage:
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

    def _with_card_ref(self, message: OutgoingMessage) -> OutgoingMessage:
        """Look the card up at send time: it may have been posted earlier in this same pass."""
        key = message.card_key if message.kind == "card_update" else message.thread_card_key
        if not key:
            return message
        with self.uow_factory() as uow:
            post = uow.cards.find(self.channel, key, message.destination)
        return replace(message, card_ref=post.message_ref) if post else message

    def _deliver(self, message: OutgoingMessage, stats: DeliveryStats) -> bool:
        try:
            ref = self.sender.send(self._with_card_ref(message))
        except DeliveryError as exc:
            self._failed(message, exc, stats)
            return False
        except Exception as exc:  # a sender bug must not stop the loop
            log.exception("sender %s crashed on outbox row %s", self.channel, message.id)
            self._failed(message, DeliveryError(f"{type(exc).__name__}: {exc}"), stats)
            return False
        self._sent(message, ref)
        stats.sent += 1
        return True

    def _sent(self, message: OutgoingMessage, ref: str | None) -> None:
        now = self.clock.now()
        with self.uow_factory() as uow:
            row = uow.outbox.get(message.id)
            if row is None:
                return
            row.status, row.sent_at, row.external_ref = "sent", now, ref
            row.attempts += 1
            row.last_error = None
            if message.kind == "card" and message.card_key and ref:
                post = uow.cards.find(self.channel, message.card_key, message.destination)
                if post is None:
                    uow.cards.add(
                        CardPost(
                            channel=self.channel,
                            card_key=message.card_key,
                            destination=message.destination,
                            message_ref=ref,
                            posted_at=now,
                        )
                    )
                else:
                    post.message_ref = ref
            uow.commit()

    def _failed(self, message: OutgoingMessage, exc: DeliveryError, stats: DeliveryStats) -> None:
        now = self.clock.now()
        with self.uow_factory() as uow:
            row = uow.outbox.get(message.id)
            if row is None:
                return
            row.attempts += 1
            row.last_error = str(exc)[:2000]
            if not exc.retryable or row.attempts >= self.max_attempts:
                row.status = "dead"
                stats.dead += 1
                log.warning(
                    "outbox row %s is dead after %s attempts: %s", row.id, row.attempts, exc
                )
            else:
                delay = (
                    exc.retry_after
                    if exc.retry_after is not None
                    else backoff(row.attempts, BACKOFF_CAP)
                )
                row.status = "pending"
                row.next_attempt_at = now + timedelta(seconds=delay)
                stats.retried += 1
                log.info("outbox row %s retries in %.1fs: %s", row.id, delay, exc)
            stats.errors.append(str(exc))
            uow.commit()
        if exc.unreachable and self.on_unreachable is not None:
            try:
                self.on_unreachable(message, str(exc))
            except Exception:  # the row is dead either way; the notice is best effort
                log.exception("could not report %s as unreachable", message.destination)

    def _release(self, message_id: int) -> None:
        """Hand back a claimed row whose conversation is blocked by an earlier failure."""
        with self.uow_factory() as uow:
            row = uow.outbox.get(message_id)
            if row is not None and row.status == "sending":
                row.status = "pending"
                row.next_attempt_at = self.clock.now()
                uow.commit()
