"""Runs delivery workers in a background thread, woken early when new rows are queued."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.delivery.worker import DeliveryStats, DeliveryWorker
from bot.runtime.background import PassLoop

log = logging.getLogger(__name__)

DeliveryObserver = Callable[[str, DeliveryStats], None]


class DeliveryLoop:
    def __init__(self, workers: list[DeliveryWorker], *, interval: float = 1.0) -> None:
        self.workers = workers
        self._loop = PassLoop("hirebot-delivery", self.run_pending, interval=interval)
        # Called with (channel, stats) after every worker pass: metrics count sends and failures.
        self.observers: list[DeliveryObserver] = []

    def start(self) -> None:
        if self.workers:
            self._loop.start()

    def wake(self) -> None:
        """Called after a request queued messages, so replies go out without waiting a tick."""
        self._loop.wake()

    def stop(self, timeout: float = 5.0) -> None:
        self._loop.stop(timeout)

    @property
    def alive(self) -> bool:
        return self._loop.alive

    def run_pending(self) -> int:
        """One pass over every worker; returns how many messages were sent."""
        sent = 0
        for worker in self.workers:
            try:
                stats = worker.run_once()
            except Exception:
                log.exception("delivery pass for %s failed", worker.channel)
                stats = DeliveryStats(crashed=1)
            sent += stats.sent
            for observe in self.observers:
                try:
                    observe(worker.channel, stats)
                except Exception:
                    log.exception("delivery observer failed")
        return sent
