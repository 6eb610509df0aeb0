"""Runs the delivery workers, one background thread per channel (a channel whose platform is
slow or rate-limited never delays another's messages), each woken early when new rows are
queued and, when pacing held rows back, at the moment they fall due."""

from __future__ import annotations

import heapq
import logging
import threading
from collections.abc import Callable
from datetime import datetime

from bot.clock import Clock, SystemClock
from bot.delivery.worker import DeliveryWorker
from bot.runtime.background import PassLoop
from bot.runtime.work import PassStats

log = logging.getLogger(__name__)

DeliveryObserver = Callable[[str, PassStats], None]
MAX_DUE = 256  # moments remembered per channel


class DeliveryLoop:
    def __init__(
        self,
        workers: list[DeliveryWorker],
        *,
        interval: float = 1.0,
        clock: Clock | None = None,
    ) -> None:
        self.workers = workers
        self.clock = clock or SystemClock()
        self._loops = [
            PassLoop(
                f"hirebot-delivery-{worker.channel}",
                self._pass_of(worker),
                interval=interval,
                idle=self._idle_of(worker),
            )
            for worker in workers
        ]
        # Called with (channel, stats) after every worker pass: metrics count sends and failures.
        self.observers: list[DeliveryObserver] = []
        # Per channel: the moments rows held back (paced, or to retry) fall due, a heap.
        self._due: dict[str, list[datetime]] = {}
        self._due_lock = threading.Lock()

    def start(self) -> None:
        for loop in self._loops:
            loop.start()

    def wake(self) -> None:
        """Called after a request queued messages, so replies go out without waiting a tick."""
        for loop in self._loops:
            loop.wake()

    def stop(self, timeout: float = 5.0) -> None:
        for loop in self._loops:
            loop.stop(timeout)
        for worker in self.workers:
            worker.close()

    @property
    def alive(self) -> bool:
        return bool(self._loops) and all(loop.alive for loop in self._loops)

    def _pass_of(self, worker: DeliveryWorker) -> Callable[[], int]:
        return lambda: self.run_worker(worker).done

    def _idle_of(self, worker: DeliveryWorker) -> Callable[[], float | None]:
        def idle() -> float | None:
            due = self._earliest(worker.channel)
            return None if due is None else max(0.0, (due - self.clock.now()).total_seconds())

        return idle

    def run_worker(self, worker: DeliveryWorker) -> PassStats:
        """One pass of one channel's worker, told to the observers."""
        started = self.clock.now()
        try:
            stats = worker.run_once()
        except Exception:
            log.exception("delivery pass for %s failed", worker.channel)
            stats = PassStats(crashed=1)
        self._note_due(worker.channel, stats.next_due, started)
        for observe in self.observers:
            try:
                observe(worker.channel, stats)
            except Exception:
                log.exception("delivery observer failed")
        return stats

    def _note_due(self, channel: str, due: datetime | None, started: datetime) -> None:
        """Remember when the pass's held-back rows fall due; forget the moments the pass has
        seen to. Those are the ones due when it *started* (it could claim their rows): a moment
        that came while the pass ran (a slow claim on a loaded database) is kept, so that the
        loop goes again at once instead of sleeping its whole interval past it."""
        with self._due_lock:
            heap = self._due.setdefault(channel, [])
            while heap and heap[0] <= started:
                heapq.heappop(heap)
            if due is not None and due > started and due not in heap:
                heapq.heappush(heap, due)
                if len(heap) > MAX_DUE:  # the latest are forgotten; the interval finds them
                    heap[:] = heapq.nsmallest(MAX_DUE // 2, heap)

    def _earliest(self, channel: str) -> datetime | None:
        with self._due_lock:
            heap = self._due.get(channel)
            return heap[0] if heap else None

    def run_pending(self) -> int:
        """One pass over every worker, one after another; returns how many messages were sent."""
        return sum(self.run_worker(worker).done for worker in self.workers)

    def next_due(self) -> float | None:
        """Seconds until the earliest row pacing held back falls due (None: none held)."""
        waits = [idle() for idle in map(self._idle_of, self.workers)]
        known = [wait for wait in waits if wait is not None]
        return min(known) if known else None
