"""The one background loop type: a thread that repeats a pass (at once while the pass finds work,
otherwise after an interval or as soon as someone calls `wake()`). The inbox, delivery and the
task runner each run in one."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class BackgroundThread:
    """One daemon thread that runs `_run` until `stop()`: the start, stop and liveness every
    background loop of the server shares (the pass loops here, the worker's waker)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._interrupt()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _interrupt(self) -> None:
        """Ends a wait of `_run` that the stop event alone would not (none by default)."""

    def _run(self) -> None:
        raise NotImplementedError


class PassLoop(BackgroundThread):
    def __init__(
        self,
        name: str,
        one_pass: Callable[[], int],
        *,
        interval: float,
        idle: Callable[[], float | None] | None = None,
    ) -> None:
        """`one_pass` returns how much it did; 0 means sleep until woken or `interval` passes,
        or sooner when `idle()` gives the seconds until work it knows of falls due."""
        super().__init__(name)
        self.one_pass = one_pass
        self.interval = interval
        self.idle = idle
        self._wake = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    def _interrupt(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                did = self.one_pass()
            except Exception:  # a pass that raises (database down) is retried after a pause
                log.exception("%s pass failed", self.name)
                did = 0
            if did == 0:
                self._wake.wait(self._pause())

    def _pause(self) -> float:
        soon = None
        if self.idle is not None:
            try:
                soon = self.idle()
            except Exception:
                log.exception("%s: when is work due", self.name)
        return self.interval if soon is None else min(self.interval, soon)
