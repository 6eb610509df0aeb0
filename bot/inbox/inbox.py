"""The inbox: platform events are recorded before they are acknowledged and handled after.

Why: a hirebot command is a database transaction of several milliseconds, while a chat
platform wants its acknowledgement within seconds and sends the event again otherwise (until it
gets a 200). So an adapter's HTTP route only checks the request (signature, secret), writes the
event here (one INSERT, shared with the other requests of the moment by the group commit,
bot/runtime/group_commit.py; a redelivery, same platform key, is skipped at the door) and
answers; `run_pending` then claims
events in order per lane (a person's requests stay in order) and hands each to its channel's
processor, all in one session: the dispatcher handles the event in it and marks it done in the
same commit as its effects (`INBOX_TURN`), so a process killed at any point has either handled
and finished an event or done neither.

Claiming, leases, order per lane, backoff and purging are the work queue's (bot/runtime/work.py,
storage/queue.py), shared with the outbox and the task runner, so replicas share the work and
an event whose replica died is taken again when its lease runs out, or at once when a process
of the same machine starts. The core de-duplicates by the same key, so an event handled twice
changes nothing twice; only its answer may be lost. A processor that raises is retried with
backoff, and after `max_attempts` the event is marked failed and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from bot.clock import Clock
from bot.handlers.inbound import INBOX_TURN, InboxTurn, new_correlation_id
from bot.logging_setup import correlation
from bot.runtime.group_commit import GroupCommit
from bot.runtime.work import Claimed, Keeping, PassStats, RetryPolicy, Turn, WorkQueue
from storage.inbox import insert_new
from storage.models import InboundEvent
from storage.queue import INBOX, ClaimedRow
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

Processor = Callable[[dict[str, Any]], None]

MAX_ATTEMPTS = 5
BACKOFF_CAP = 300.0
KEEP_DONE = timedelta(days=2)  # well past any platform's redelivery window
KEEP_FAILED = timedelta(days=30)  # time enough to look into what failed (`last_error`)
PURGE_EVERY = timedelta(minutes=10)
OPEN_STATUSES = INBOX.states.open


@dataclass(frozen=True)
class Event:
    channel: str
    payload: dict[str, Any]
    correlation_id: str


def _events(_uow: UnitOfWork, rows: list[ClaimedRow]) -> dict[int, Event]:
    """Each event as its claim returned it (`CARRIED`): no second read."""
    return {
        r.id: Event(r.carried["channel"], r.carried["payload"], r.carried["correlation_id"] or "-")
        for r in rows
    }


# What handling needs of an event, returned by the claim's own statement.
CARRIED = ("channel", "payload", "correlation_id")


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
        self.queue: WorkQueue[Event] = WorkQueue(
            INBOX,
            uow_factory,
            clock,
            RetryPolicy(max_attempts, cap=BACKOFF_CAP),
            load=_events,
            batch=batch,
            keeping=Keeping(KEEP_DONE, KEEP_FAILED, PURGE_EVERY),
            carry=CARRIED,
        )
        self.leases = self.queue.leases
        # One per channel that is served (set by the server): handles one event's payload.
        self.processors: dict[str, Processor] = {}
        # Called after a new event is written (the server wakes its inbox loop).
        self.on_receive: list[Callable[[], None]] = []
        self.engine = engine
        self._writer: GroupCommit[dict[str, Any], bool] = GroupCommit(
            "hirebot-inbox-writer", self._insert
        )

    @property
    def max_attempts(self) -> int:
        return self.queue.policy.max_attempts

    @max_attempts.setter
    def max_attempts(self, value: int) -> None:
        policy = self.queue.policy
        self.queue.policy = RetryPolicy(value, policy.first, policy.cap)

    def receive(
        self,
        channel: str,
        key: str,
        lane: str,
        payload: dict[str, Any],
        *,
        correlation_id: str | None = None,
    ) -> bool:
        """Record one event; False if this key was already received (a redelivery). The
        correlation id (minted here unless the door already has one) stays with the event and
        is bound in the logs while it is handled."""
        values = self._values(channel, key, lane, payload, correlation_id)
        return self._received(self._writer.submit(values), values)

    async def receive_async(
        self,
        channel: str,
        key: str,
        lane: str,
        payload: dict[str, Any],
        *,
        correlation_id: str | None = None,
    ) -> bool:
        """`receive` for a door on the event loop: the write is awaited, no thread waits."""
        values = self._values(channel, key, lane, payload, correlation_id)
        return self._received(await self._writer.submit_async(values), values)

    def _values(
        self,
        channel: str,
        key: str,
        lane: str,
        payload: dict[str, Any],
        correlation_id: str | None,
    ) -> dict[str, Any]:
        now = self.clock.now()
        return {
            "received_at": now,
            "channel": channel,
            "key": key[:200],
            "lane": lane[:100],
            "payload": payload,
            "status": INBOX.states.waiting,
            "attempts": 0,
            "next_attempt_at": now,
            "correlation_id": (correlation_id or new_correlation_id())[:32],
        }

    def _received(self, new: bool, values: dict[str, Any]) -> bool:
        key = values["key"]
        log.debug("inbound %s recorded as %s", key, values["correlation_id"])
        if new:
            for callback in self.on_receive:
                callback()
        else:
            log.info("inbound %s was already received; ignored", key)
        return new

    def _insert(self, batch: Sequence[dict[str, Any]]) -> list[bool]:
        """One multi-row INSERT for the events that queued up; which of them were new (the
        same key twice in one batch: only the first)."""
        with self.engine.begin() as conn:
            added = insert_new(conn, batch)
        new = []
        for values in batch:
            new.append(values["key"] in added)
            added.discard(values["key"])
        return new

    def run_pending(self) -> PassStats:
        """One pass: claim due events, handle them in order per lane, record the outcome. A
        handled event loses its payload at once: what was said is in the audit log (redacted)
        and in the change itself; the key stays, to recognise a redelivery."""
        return self.queue.run_pass(
            self._process,
            done_values={"payload": {}},
            around=lambda event: correlation(event.data.correlation_id),
        )

    def _process(self, turn: Turn[Event]) -> None:
        event = turn.item
        processor = self.processors.get(event.data.channel)
        if processor is None:
            raise LookupError(f"no {event.data.channel} channel is served here")
        # The dispatcher handles the event in the pass's unit of work and marks it done in its
        # own commit. Claimed for the first time: the door already skipped any redelivery of
        # its key, so the dispatcher's own look-up of it is spared (bot/handlers/inbound.py).
        handing = InboxTurn(turn.uow, event.attempts == 1, turn.finish)
        token = INBOX_TURN.set(handing)
        try:
            processor(event.data.payload)
        finally:
            INBOX_TURN.reset(token)
            turn.finished = handing.finished

    def _claim(self) -> list[Claimed[Event]]:
        return self.queue.claim()

    def listing(self, statuses: Sequence[str], limit: int = 50) -> list[InboundEvent]:
        """Events in these states, oldest first (for `hirebot inbox`)."""
        with self.uow_factory() as uow:
            return list(uow.queue.listing(INBOX, statuses, limit))

    def retry(self, ids: Sequence[int] | None = None) -> tuple[list[int], list[int]]:
        """Failed events (these, or all) back in line with a fresh set of attempts, handled on
        the server's next pass; returns (retried, not failed or unknown)."""
        retried, not_failed = self.queue.retry(ids)
        if retried:
            for callback in self.on_receive:
                callback()
        return retried, not_failed

    def counts(self, statuses: Sequence[str] | None = None) -> dict[str, int]:
        """Events by status (pending, working, done, failed), or only the statuses named."""
        return self.queue.counts(statuses)

    def pending(self) -> int:
        """Events not handled yet (waiting or being handled)."""
        return self.queue.pending()
