"""Keeping within WhatsApp's send limits before Meta has to say so: a token bucket for the
business number (80 messages a second by default, error 130429 past it) and one per person
(about one message every 6 seconds, the pair rate limit, error 131056).

Why by hand: the limiters on PyPI (pyrate-limiter, limits, aiolimiter) either sleep or keep
wall-clock time of their own, while the delivery worker must not block on one person (it
hands the row back with a time to retry) and every wait in hirebot runs on its one Clock, so
that tests move time instead of sleeping. A bucket is a dozen lines.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock

MAX_PEOPLE = 10_000  # buckets kept; the least recently used is forgotten (it is full again)


@dataclass
class Bucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    at: datetime

    def refill(self, now: datetime) -> None:
        elapsed = max(0.0, (now - self.at).total_seconds())
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.at = now

    def wait_for(self, count: float) -> float:
        """Seconds until `count` tokens are there (a bundle larger than the bucket may go
        when the bucket is full, leaving it in debt)."""
        need = min(count, self.capacity) - self.tokens
        return 0.0 if need <= 0 else need / self.rate


class Pacer:
    """`reserve(person, n)` takes n sends for the person and the number, or says how long to
    wait (nothing taken). Thread-safe: the sender may be used from several threads."""

    def __init__(
        self, clock: Clock, *, per_second: float, pair_interval: float, pair_burst: int = 3
    ) -> None:
        self.clock = clock
        self.pair_rate = 1.0 / pair_interval if pair_interval > 0 else 0.0
        self.pair_burst = float(max(1, pair_burst))
        now = clock.now()
        self.number = Bucket(per_second, max(1.0, per_second), max(1.0, per_second), now)
        self._people: OrderedDict[str, Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def _person(self, person: str, now: datetime) -> Bucket | None:
        if self.pair_rate == 0:
            return None
        bucket = self._people.pop(person, None)
        if bucket is None:
            bucket = Bucket(self.pair_rate, self.pair_burst, self.pair_burst, now)
        self._people[person] = bucket
        while len(self._people) > MAX_PEOPLE:
            self._people.popitem(last=False)
        return bucket

    def reserve(self, person: str, count: int = 1) -> float:
        """0 and the sends taken, or the seconds to wait before asking again."""
        with self._lock:
            now = self.clock.now()
            self.number.refill(now)
            bucket = self._person(person, now)
            if bucket is not None:
                bucket.refill(now)
            wait = max(self.number.wait_for(count), bucket.wait_for(count) if bucket else 0.0)
            if wait > 0:
                return wait
            self.number.tokens -= count
            if bucket is not None:
                bucket.tokens -= count
            return 0.0

    def back_off(self, person: str, seconds: float) -> None:
        """Meta said to slow down for this person: their bucket is empty for `seconds`."""
        with self._lock:
            now = self.clock.now()
            bucket = self._person(person, now)
            if bucket is not None:
                bucket.refill(now)
                bucket.tokens = min(bucket.tokens, -seconds * bucket.rate)
