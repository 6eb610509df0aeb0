"""A rate limit per client address on the public forms, so a script cannot flood the role's
channel with fake applications. The `limits` library's moving window, kept in memory: each
replica counts its own visitors, which bounds a flood well enough without a shared store.

The library (about 1 MB with its storages) is loaded with the first form posted, not at every
start: every server mounts the pages, and most starts see no application for a while."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from limits import RateLimitItem
    from limits.strategies import MovingWindowRateLimiter

DEFAULT = "10/10minutes"


@dataclass
class Throttle:
    rule: str = DEFAULT
    _built: tuple[RateLimitItem, MovingWindowRateLimiter] | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def _limit(self) -> tuple[RateLimitItem, MovingWindowRateLimiter]:
        with self._lock:
            if self._built is None:
                from limits import parse
                from limits.storage import MemoryStorage
                from limits.strategies import MovingWindowRateLimiter

                self._built = (parse(self.rule), MovingWindowRateLimiter(MemoryStorage()))
            return self._built

    def allow(self, what: str, address: str) -> bool:
        """Count one attempt at `what` from `address`; False once it is over the limit."""
        item, limiter = self._limit()
        return limiter.hit(item, what, address)

    @property
    def window_minutes(self) -> int:
        item, _ = self._limit()
        return max(1, item.get_expiry() // 60)
