"""A rate limit per client address on the public forms, so a script cannot flood the role's
channel with fake applications. The `limits` library's moving window, kept in memory: each
replica counts its own visitors, which bounds a flood well enough without a shared store."""

from __future__ import annotations

from dataclasses import dataclass, field

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

DEFAULT = "10/10minutes"


@dataclass
class Throttle:
    rule: str = DEFAULT
    _item: RateLimitItem = field(init=False)
    _limiter: MovingWindowRateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self._item = parse(self.rule)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def allow(self, what: str, address: str) -> bool:
        """Count one attempt at `what` from `address`; False once it is over the limit."""
        return self._limiter.hit(self._item, what, address)

    @property
    def window_minutes(self) -> int:
        return max(1, self._item.get_expiry() // 60)
