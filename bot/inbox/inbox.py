"""The inbox: platform events are recorded before they are acknowledged and handled after.

Why: a hirebot command is a database transaction of several milliseconds, while Slack wants
its acknowledgement within 3 s and retries otherwise, and Telegram resends an update until it
gets a 200. So an adapter's HTTP route only checks the request (signature, secret), writes the
event here (one INSERT, shared with the other requests of the moment: writer.py; a
redelivery, same platform key, is skipped at the door) and answers; `run_pending` then claims
events in order per lane (a person's requests stay in order), hands each to its channel's
processor, and marks the pass done in one statement.

Claims are short transactions with SKIP LOCKED and a short lease renewed while the events are
handled (bot/runtime/leases.py), as for the outbox, so replicas share the work and an event whose
replica died is taken again when its lease runs out, or at once when a process of the same
machine starts. The core de-duplicates by the same key, so an event handled twice changes
nothing twice; only its answer may be lost. A processor that raises is retried with backoff, and
after `max_attempts` the event is marked failed and logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from bot.clock import Clock
from bot.inbox.writer import GroupWriter
from bot.runtime.background import backoff
from bot.runtime.leases import Leases
from storage import leases
from storage.inbox import OPEN_STATUSES, InboxRepository
from storage.models import InboundEvent
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

Processor = Callable[[dict[str, Any]], None]

MAX_ATTEMPTS = 5
BACKOFF_CAP = 300.0
KEEP_DONE = timedelta(days=2)  # well past any platform's redelivery window
KEEP_FAILED = timedelta(days=30)  # time enough to look into what failed (`last_error`)
PURGE_EVERY = timedelta(minutes=10)


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    lane: str
    payload: dict[str, Any]
    attempts: int


@dataclass
class InboxStats:
    handled: int = 0
    retried: int = 0
    failed: int = 0
    waiting: int = 0


class Inbox:
    def __init__(
        self,
        engine: Engine,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
        *,
        batch: int = 20,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.batch = batch
        self.max_attempts = max_attempts
        # One per channel that is served (set by the server): handles one event's payload.
        self.processors: dict[str, Processor] = {}
        # Called after a new event is written (the server wakes its inbox loop).
        self.on_receive: list[Callable[[], None]] = []
        self._last_purge = clock.now()
        self._writer = GroupWriter(engine)
        self.leases = Leases(leases.INBOX, uow_factory, clock)

    def receive(self, channel: str, key: str, lane: str, payload: dict[str, Any]) -> bool:
        """Record one event; False if this key was already received (a redelivery)."""
        now = self.clock.now()
        values = {
            "received_at": now,
            "channel": channel,
            "key": key[:200],
            "lane": lane[:100],
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
        }
        new = self._writer.insert(values)
        if new:
            for callback in self.on_receive:
                callback()
        else:
            log.info("inbound %s was already received; ignored", key)
        return new

    def run_pending(self) -> InboxStats:
        """One pass: claim due events, handle them in order, record the outcome."""
        claimed = self._claim()
        try:
            return self._handle(claimed)
        finally:  # whatever happened, this pass holds nothing any more
            self.leases.drop(e.id for e in claimed)

    def _handle(self, claimed: list[Claimed]) -> InboxStats:
        stats = InboxStats()
        blocked: set[str] = set()
        done: list[int] = []
        released: list[int] = []
        for event in claimed:
            if event.lane in blocked:
                released.append(event.id)
                stats.waiting += 1
                continue
            processor = self.processors.get(event.channel)
            try:
                if processor is None:
                    raise LookupError(f"no {event.channel} channel is served here")
                processor(event.payload)
            except Exception as exc:
                log.exception("inbound event %s (%s) failed", event.id, event.channel)
                self._failed(event, exc, stats)
                blocked.add(event.lane)
                continue
            done.append(event.id)
            stats.handled += 1
            time.sleep(0)  # let waiting acknowledgements have the GIL between events
        self._finish(done, released)
        self._purge_now_and_then()
        return stats

    def listing(self, statuses: Sequence[str], limit: int = 50) -> list[InboundEvent]:
        """Events in these states, oldest first (for `hirebot inbox`)."""
        with self.uow_factory() as uow:
            return list(uow.inbox.listing(statuses, limit))

    def retry(self, ids: Sequence[int] | None = None) -> tuple[list[int], list[int]]:
        """Failed events (these, or all) back in line with a fresh set of attempts, handled on
        the server's next pass; returns (retried, not failed or unknown)."""
        now = self.clock.now()
        with self.uow_factory() as uow:
            repo = uow.inbox
            wanted = list(ids) if ids is not None else repo.failed_ids()
            retried = []
            for row in repo.by_ids(wanted):
                if row.status == "failed":
                    row.status, row.attempts, row.next_attempt_at = "pending", 0, now
                    retried.append(row.id)
            uow.commit()
        if retried:
            for callback in self.on_receive:
                callback()
        return retried, [i for i in wanted if i not in retried]

    def counts(self, statuses: Sequence[str] | None = None) -> dict[str, int]:
        """Events by status (pending, working, done, failed), or only the statuses named."""
        with self.uow_factory() as uow:
            return uow.inbox.counts_by_status(statuses)

    def pending(self) -> int:
        """Events not handled yet (waiting or being handled)."""
        return sum(self.counts(OPEN_STATUSES).values())

    # Steps ------------------------------------------------------------------------------

    def _claim(self) -> list[Claimed]:
        now = self.clock.now()
        with self.uow_factory() as uow:
            repo = uow.inbox
            rows = self._in_order(repo, repo.due(now, self.batch))
            for row in rows:
                row.status = "working"
                row.attempts += 1
                row.next_attempt_at = self.leases.until()
                row.claimed_by = self.leases.holder
            claimed = [Claimed(r.id, r.channel, r.lane, r.payload, r.attempts) for r in rows]
            uow.commit()
        self.leases.hold(e.id for e in claimed)
        return claimed

    @staticmethod
    def _in_order(repo: InboxRepository, rows: Sequence[InboundEvent]) -> list[InboundEvent]:
        """Keep only rows with no earlier unfinished event of their lane outside this claim."""
        if not rows:
            return []
        waits_for = repo.first_open_outside({r.lane for r in rows}, {r.id for r in rows})
        return [r for r in rows if r.id < waits_for.get(r.lane, r.id + 1)]

    def _finish(self, done: list[int], released: list[int]) -> None:
        if not done and not released:
            return
        now = self.clock.now()
        with self.uow_factory() as uow:
            repo = uow.inbox
            repo.mark_done(done, now)
            repo.release(released, now)
            uow.commit()

    def _failed(self, event: Claimed, exc: Exception, stats: InboxStats) -> None:
        now = self.clock.now()
        problem = f"{type(exc).__name__}: {exc}"[:1000]
        with self.uow_factory() as uow:
            for row in uow.inbox.by_ids([event.id]):
                row.last_error = problem
                if row.attempts >= self.max_attempts:
                    row.status = "failed"
                    stats.failed += 1
                    log.error(
                        "inbound event %s (%s) failed %d times; given up",
                        row.id,
                        row.channel,
                        row.attempts,
                    )
                else:
                    row.status = "pending"
                    row.next_attempt_at = now + timedelta(
                        seconds=backoff(row.attempts, BACKOFF_CAP)
                    )
                    stats.retried += 1
            uow.commit()

    def _purge_now_and_then(self) -> None:
        now = self.clock.now()
        if now - self._last_purge < PURGE_EVERY:
            return
        self._last_purge = now
        with self.uow_factory() as uow:
            purged = uow.inbox.purge(done_before=now - KEEP_DONE, failed_before=now - KEEP_FAILED)
            uow.commit()
        if purged:
            log.info("inbox: %d handled or failed events past their keeping time purged", purged)
