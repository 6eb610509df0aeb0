"""The claimed-work queue as its users see it: claim, hold the lease, record each result, back
off, give up, purge, count, list and retry, the same for the inbox, outbox delivery and the
task runner. Each of those only says how to handle one item (or, for tasks, one batch).

The queries are in storage/queue.py (one `UPDATE … RETURNING` per claim, SKIP LOCKED on
PostgreSQL, SQLite's single writer otherwise); the lease heartbeat is bot/runtime/leases.py;
`RetryPolicy` is the one backoff rule, honouring a platform's retry-after.

Public surface, for a queue of its own (a channel's or an integration's): build a
`WorkQueue(QueueTable, uow_factory, clock, RetryPolicy(...))`, then either `run_pass(handle)`
(per-item, in order per lane, one unit of work for the pass) or `claim()` + `done()` /
`failed()` / `release()` with `drop()` once the items are recorded.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from bot.clock import Clock
from bot.domain.failures import RetryableFailure
from bot.runtime.leases import Leases
from storage.queue import ClaimedRow, QueueTable
from storage.unit_of_work import UnitOfWork, lent_or_new

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class RetryPolicy:
    """How often an item is tried and how long it waits between tries: `first` seconds after the
    first failure, doubling up to `cap`; a platform's retry-after, when it gives one, instead."""

    max_attempts: int
    first: float = 2.0
    cap: float = 300.0

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return max(0.0, retry_after)
        return float(min(self.cap, self.first * 2 ** max(attempts - 1, 0)))

    def next_try(
        self,
        attempts: int,
        now: datetime,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
    ) -> datetime | None:
        """When to try again after `attempts` tries, or None: give up."""
        if permanent or attempts >= self.max_attempts:
            return None
        return now + timedelta(seconds=self.delay(attempts, retry_after))


@dataclass(frozen=True)
class Claimed(Generic[T]):
    """One claimed item: its row's id, attempts (this one included), lane, and what the queue's
    `load` read for it in the claim's transaction."""

    id: int
    attempts: int
    lane: tuple[str, ...]
    data: T


@dataclass
class Turn(Generic[T]):
    """One item handled by `run_pass`, in the pass's unit of work `uow`.

    A handler that commits its own work in `uow` calls `finish()` right before that commit and
    sets `finished` once the commit went through: the item is then done in the same transaction
    as its effects, so a process killed at any point either keeps both or neither (the item is
    claimed again and its effects were never made). An item its handler did not finish so is
    marked done in `uow` right after the handler returns."""

    item: Claimed[T]
    uow: UnitOfWork
    finish: Callable[[], None]
    finished: bool = False


@dataclass
class PassStats:
    """What one pass did. The inbox and the delivery workers return it as it is, so their loops
    and the metrics read the same counts under the same names."""

    done: int = 0
    retried: int = 0
    given_up: int = 0
    waiting: int = 0  # claimed, handed back: an earlier item of their lane failed this pass
    crashed: int = 0  # passes that raised (set by the loop running them; the queue never does)
    errors: list[str] = field(default_factory=list)
    # The earliest moment an item handed back to wait (paced) or to retry falls due, if any.
    next_due: datetime | None = None

    def add(self, other: PassStats) -> None:
        self.done += other.done
        self.retried += other.retried
        self.given_up += other.given_up
        self.waiting += other.waiting
        self.crashed += other.crashed
        self.errors.extend(other.errors)
        if other.next_due is not None:
            self.next_due = (
                other.next_due if self.next_due is None else min(self.next_due, other.next_due)
            )

    @property
    def worked(self) -> int:
        return self.done + self.retried + self.given_up


class Retry(RetryableFailure):
    """Raised by a handler: this attempt failed; `retry_after` (seconds) if the platform said
    when to come back, `permanent` if trying again cannot help."""


@dataclass(frozen=True)
class Keeping:
    """How long finished rows stay (None: kept; the outbox's sent rows are its history)."""

    done: timedelta
    given_up: timedelta
    every: timedelta = timedelta(minutes=10)


class WorkQueue(Generic[T]):
    def __init__(
        self,
        table: QueueTable,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
        policy: RetryPolicy,
        *,
        load: Callable[[UnitOfWork, list[ClaimedRow]], dict[int, T]] | None = None,
        batch: int = 20,
        scope: str | None = None,
        keeping: Keeping | None = None,
        carry: Sequence[str] = (),
    ) -> None:
        """`load` reads, in the claim's transaction, what handling needs of each claimed row
        (the `carry` columns come with the claim itself, `ClaimedRow.carried`); `scope` keeps
        to the rows of one value of the table's scope column (a channel)."""
        self.table = table
        self.uow_factory = uow_factory
        self.clock = clock
        self.policy = policy
        self.load = load
        self.batch = batch
        self.scope = scope
        self.keeping = keeping
        self.carry = tuple(carry)
        self.leases = Leases(table, uow_factory, clock)
        self._last_purge = clock.now()

    # Claiming -----------------------------------------------------------------------------

    def claim(
        self,
        *,
        now: datetime | None = None,
        limit: int | None = None,
        uow: UnitOfWork | None = None,
    ) -> list[Claimed[T]]:
        """Claim due items (due at `now`, default the clock's), held until dropped. Every
        recording method takes `uow` the same way: the caller's unit of work, committed there
        (one session for a pass), instead of one of its own."""
        lease_now = self.clock.now()
        with self._unit(uow) as uow:
            rows = uow.queue.claim(
                self.table,
                now=now or lease_now,
                lease_now=lease_now,
                lease_until=self.leases.until(),
                holder=self.leases.holder,
                limit=limit or self.batch,
                scope=self.scope,
                carry=self.carry,
            )
            data: dict[int, Any] = self.load(uow, rows) if self.load and rows else {}
            uow.commit()
        self.leases.hold(r.id for r in rows)
        # Without a `load`, data is None (the task runner reads its rows in its own batch).
        return [Claimed(r.id, r.attempts, r.lane, data.get(r.id)) for r in rows]  # type: ignore[arg-type]

    def drop(self, ids: Iterable[int]) -> None:
        """These items are recorded (or handed back): their lease is no longer renewed."""
        self.leases.drop(ids)

    # Recording ----------------------------------------------------------------------------

    def done(self, ids: Sequence[int], *, uow: UnitOfWork | None = None, **values: Any) -> None:
        if ids:
            with self._unit(uow) as uow:
                uow.queue.done(self.table, ids, self.clock.now(), **values)
                uow.commit()

    def release(
        self,
        ids: Sequence[int],
        *,
        at: datetime | None = None,
        lane: Sequence[str] = (),
        uow: UnitOfWork | None = None,
    ) -> None:
        """Hand claimed items back untouched (the attempt given back), due now or `at`; with
        `lane`, that lane's unclaimed items due before `at` wait until then as well."""
        if ids or (lane and at is not None):
            with self._unit(uow) as uow:
                uow.queue.release(self.table, ids, at or self.clock.now())
                if lane and at is not None:
                    uow.queue.defer_lane(self.table, lane, at)
                uow.commit()

    def failed(
        self,
        item: Claimed[Any],
        error: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        now: datetime | None = None,
        uow: UnitOfWork | None = None,
    ) -> datetime | None:
        """Record a failed attempt: when it is tried again, or None if it was given up."""
        at = self.policy.next_try(
            item.attempts, now or self.clock.now(), retry_after=retry_after, permanent=permanent
        )
        with self._unit(uow) as uow:
            uow.queue.failed(self.table, item.id, error[:2000], at)
            uow.commit()
        return at

    def _unit(self, uow: UnitOfWork | None) -> AbstractContextManager[UnitOfWork]:
        return lent_or_new(uow, self.uow_factory)

    # One pass, per item -------------------------------------------------------------------

    def run_pass(
        self,
        handle: Callable[[Turn[T]], object],
        *,
        done_values: dict[str, Any] | None = None,
        around: Callable[[Claimed[T]], Any] | None = None,
    ) -> PassStats:
        """Claim, handle each item in order, record the outcome: all in one unit of work (one
        session for the claim, every item's handling and its result, each committed in turn).

        Each item is marked done in the transaction of its own handling (see `Turn`), with
        `done_values` (the queue's own columns); a failure rolls back only that item's
        uncommitted work, is recorded (`Retry` says how), and holds the rest of its lane back
        until the next pass. `around(item)` is a context manager entered while the item is
        handled (the correlation id in the logs)."""
        values = done_values or {}
        with self.uow_factory() as uow:
            claimed = self.claim(uow=uow)
            try:
                stats = PassStats()
                blocked: set[tuple[str, ...]] = set()
                released: list[int] = []
                for item in claimed:
                    if item.lane and item.lane in blocked:
                        released.append(item.id)
                        stats.waiting += 1
                        continue
                    if not self._turn(uow, item, handle, values, stats, around):
                        blocked.add(item.lane)
                    time.sleep(0)  # let waiting acknowledgements have the GIL between items
                self.release(released, uow=uow)
                self.purge_now_and_then(uow=uow)
                return stats
            finally:  # whatever happened, this pass holds nothing any more
                self.drop(i.id for i in claimed)

    def _turn(
        self,
        uow: UnitOfWork,
        item: Claimed[T],
        handle: Callable[[Turn[T]], object],
        values: Mapping[str, Any],
        stats: PassStats,
        around: Callable[[Claimed[T]], Any] | None,
    ) -> bool:
        def finish() -> None:
            uow.queue.done(self.table, [item.id], self.clock.now(), **values)

        turn = Turn(item, uow, finish)
        with around(item) if around is not None else _nothing(), self._unit(uow):
            ok, _ = self._attempt(item, lambda: handle(turn), stats, uow)
            if ok and not turn.finished:
                finish()
                uow.commit()
        if ok:
            stats.done += 1
        return ok

    # One pass, conversations in parallel ----------------------------------------------------

    def run_lanes(
        self,
        handle: Callable[[Claimed[T]], R],
        pool: Executor,
        *,
        pace: Callable[[Claimed[T]], float] | None = None,
        record_each: Callable[[UnitOfWork, Claimed[T], R], Mapping[str, Any]] | None = None,
        around: Callable[[Claimed[T]], Any] | None = None,
        limit: int | None = None,
    ) -> PassStats:
        """Claim, then handle each lane's items in order, the lanes side by side on `pool`;
        each item is recorded in its own transaction right after it is handled.

        `pace(item)` says how many seconds an item must wait before it may be handled (0: go):
        a waiting item and the rest of its lane are handed back due then, their attempts
        untouched, and the other lanes go on. A failure holds the rest of its lane back until
        the next pass, as in `run_pass`."""
        claimed = self.claim(limit=limit)
        try:
            lanes: dict[tuple[str, ...], list[Claimed[T]]] = {}
            for item in claimed:
                lanes.setdefault(item.lane or (str(item.id),), []).append(item)
            stats = PassStats()
            futures = [
                pool.submit(self._lane, items, handle, pace, record_each, around)
                for items in lanes.values()
            ]
            for future in futures:
                stats.add(future.result())
            self.purge_now_and_then()
            return stats
        finally:
            self.drop(i.id for i in claimed)

    def _lane(
        self,
        items: list[Claimed[T]],
        handle: Callable[[Claimed[T]], R],
        pace: Callable[[Claimed[T]], float] | None,
        record_each: Callable[[UnitOfWork, Claimed[T], R], Mapping[str, Any]] | None,
        around: Callable[[Claimed[T]], Any] | None,
    ) -> PassStats:
        stats = PassStats()
        for index, item in enumerate(items):
            wait = pace(item) if pace is not None else 0.0
            if wait > 0:
                due = self.clock.now() + timedelta(microseconds=math.ceil(wait * 1_000_000))
                self.release([i.id for i in items[index:]], at=due, lane=item.lane)
                stats.waiting += len(items) - index
                stats.add(PassStats(next_due=due))
                break
            done: list[int] = []
            one = PassStats()
            ok = self._handle(item, handle, record_each, done, one, around)
            stats.add(one)
            self.done(done)
            if not ok:
                # The rest of the lane waits for the failed item's next try (given up: the
                # next pass goes on with them).
                self.release([i.id for i in items[index + 1 :]], at=one.next_due, lane=item.lane)
                stats.waiting += len(items) - index - 1
                break
        return stats

    def _handle(
        self,
        item: Claimed[T],
        handle: Callable[[Claimed[T]], R],
        record_each: Callable[[UnitOfWork, Claimed[T], R], Mapping[str, Any]] | None,
        done: list[int],
        stats: PassStats,
        around: Callable[[Claimed[T]], Any] | None,
    ) -> bool:
        with around(item) if around is not None else _nothing():
            ok, result = self._attempt(item, lambda: handle(item), stats)
            if not ok:
                return False
            if record_each is None:
                done.append(item.id)
            else:
                with self.uow_factory() as uow:
                    # The recorder's own columns go into the one `done` statement: a second
                    # UPDATE of the row in this transaction would make PostgreSQL re-check
                    # its foreign keys (the row's version is then this transaction's), and
                    # wait behind any handler holding the applicant's row.
                    values = record_each(uow, item, result)  # type: ignore[arg-type]
                    uow.queue.done(self.table, [item.id], self.clock.now(), **values)
                    uow.commit()
            stats.done += 1
            return True

    def _attempt(
        self,
        item: Claimed[T],
        run: Callable[[], R],
        stats: PassStats,
        uow: UnitOfWork | None = None,
    ) -> tuple[bool, R | None]:
        """Run one item's handler; a failure is recorded (in `uow` once what the handler left
        there is rolled back, else in a transaction of its own) and counted."""
        try:
            return True, run()
        except Retry as exc:
            problem, retry_after, permanent = str(exc), exc.retry_after, exc.permanent
        except Exception as exc:  # a handler's bug must not stop the queue
            log.exception("%s item %s failed", self.table.name, item.id)
            problem, retry_after, permanent = f"{type(exc).__name__}: {exc}", None, False
        if uow is not None:
            uow.rollback()
        again = self.failed(item, problem, retry_after=retry_after, permanent=permanent, uow=uow)
        self._count(item, again, problem, stats)
        return False, None

    def _count(
        self, item: Claimed[T], again: datetime | None, problem: str, stats: PassStats
    ) -> None:
        stats.errors.append(problem)
        if again is not None:
            stats.add(PassStats(next_due=again))
        if again is None:
            stats.given_up += 1
            log.warning(
                "%s item %s given up after %d attempts: %s",
                self.table.name,
                item.id,
                item.attempts,
                problem,
            )
        else:
            stats.retried += 1
            log.info("%s item %s retries at %s: %s", self.table.name, item.id, again, problem)

    # Keeping and operating ----------------------------------------------------------------

    def purge_now_and_then(self, *, uow: UnitOfWork | None = None) -> int:
        """Finished rows past their keeping time go, at most once per `keeping.every`."""
        now = self.clock.now()
        if self.keeping is None or now - self._last_purge < self.keeping.every:
            return 0
        self._last_purge = now
        with self._unit(uow) as uow:
            purged = uow.queue.purge(
                self.table,
                done_before=now - self.keeping.done,
                given_up_before=now - self.keeping.given_up,
            )
            uow.commit()
        if purged:
            log.info("%s: %d finished rows past their keeping time purged", self.table.name, purged)
        return purged

    def retry(self, ids: Sequence[int] | None = None) -> tuple[list[int], list[int]]:
        """Given-up items (these, or all) back in line with a fresh set of attempts; returns
        (retried, not given up or unknown)."""
        with self.uow_factory() as uow:
            result = uow.queue.retry(self.table, ids, self.clock.now(), self.scope)
            uow.commit()
        return result

    def counts(self, states: Sequence[str] | None = None) -> dict[str, int]:
        """Rows by stored state (of this queue's scope, if it has one)."""
        with self.uow_factory() as uow:
            raw = uow.queue.counts(self.table, states)
        out: dict[str, int] = {}
        for (scope, state, _err), n in raw.items():
            if self.scope is None or scope == self.scope:
                out[state] = out.get(state, 0) + n
        return out

    def pending(self) -> int:
        """Items not finished yet (waiting or being worked on)."""
        return sum(self.counts(self.table.states.open).values())


class _nothing:  # noqa: N801 (a null context manager, cheaper than contextlib's per item)
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc: object) -> None:
        return None
