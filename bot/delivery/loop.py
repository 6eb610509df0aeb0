"""Runs delivery workers in a background thread, woken early when new rows are queued."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bot.delivery.worker import DeliveryStats, DeliveryWorker

log = logging.getLogger(__name__)

DeliveryObserver = Callable[[str, DeliveryStats], None]


class DeliveryLoop:
    def __init__(self, workers: list[DeliveryWorker], *, interval: float = 1.0) -> None:
        self.workers = workers
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Called with (channel, stats) after every worker pass: metrics count sends and failures.
        self.observers: list[DeliveryObserver] = []

    def start(self) -> None:
        if not self.workers or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="hirebot-delivery", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Called after a request queued messages, so replies go out without waiting a tick."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

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

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            sent = self.run_pending()
            if sent == 0:
                self._wake.wait(self.interval)
