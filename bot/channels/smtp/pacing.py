"""A per-server send rate: at most `per_minute` messages, spaced evenly.

Providers limit how fast one account may send (and greylist bursts); waiting in the sender
keeps a batch of invitations within that without spending the rows' delivery attempts on
refusals. Hand-written because it is a few lines: a token-bucket library would bring a
dependency for one `sleep`. The clock and the sleep are parameters so a test checks the
spacing without waiting for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    def __init__(
        self,
        per_minute: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 60.0 / per_minute
        self._monotonic = monotonic
        self._sleep = sleep
        self._next: float | None = None
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until the next message may go; returns how long it waited."""
        with self._lock:
            now = self._monotonic()
            waited = 0.0
            if self._next is not None and now < self._next:
                waited = self._next - now
                self._sleep(waited)
                now = self._next
            self._next = now + self.interval
            return waited
