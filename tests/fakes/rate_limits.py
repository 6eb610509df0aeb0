"""Send limits a fake platform enforces when a test or the bench configures them: the fake then
answers a message over a limit the way its platform does (429 with Retry-After, Telegram's
`retry_after`, WhatsApp's 130429 / 131056), and keeps the time of every accepted send, so a
test can count the rate hirebot reached at the fake's side.

Each limit is a token bucket, `rate` messages a second after a burst of `burst`: how the
platforms describe theirs ("about one a second per channel, short bursts tolerated"; "about
30 a second"). Time is the test's to give (`now`, seconds), so a test on a frozen clock
counts in that clock's time; the bench runs on the wall clock.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Tokens: a send timed to the microsecond is not refused for float rounding (a clock's
# seconds since 1970 as a float are good to a few tenths of a microsecond).
EPSILON = 1e-4


@dataclass(frozen=True)
class Limit:
    rate: float  # messages a second
    burst: float = 1.0


@dataclass
class _Bucket:
    limit: Limit
    tokens: float
    at: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.limit.burst, self.tokens + max(0.0, now - self.at) * self.limit.rate)
        self.at = max(self.at, now)

    def wait(self) -> float:
        need = 1.0 - self.tokens
        return 0.0 if need <= EPSILON else need / self.limit.rate


@dataclass(frozen=True)
class Accepted:
    key: str  # the conversation (a channel id, a chat id, a phone number)
    at: float  # the fake's time when it was accepted


@dataclass
class RateLimits:
    """Buckets by (limit's name, key). `take` takes one token from each bucket a send passes
    through, or none and says how many seconds until it would pass."""

    now: Callable[[], float] = time.monotonic
    accepted: list[Accepted] = field(default_factory=list)
    refused: int = 0
    refused_by: list[str] = field(default_factory=list)  # the limit's name, each refusal
    _buckets: dict[tuple[str, str], _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: str, limits: list[tuple[str, str, Limit]]) -> float:
        """0 and the send recorded for `key`, or the seconds to wait (counted as a refusal).
        `limits` are (name, bucket key, limit) triples, e.g. ("per chat", "42", Limit(1))."""
        with self._lock:
            now = self.now()
            buckets: list[tuple[str, _Bucket]] = []
            for name, bucket_key, limit in limits:
                bucket = self._buckets.get((name, bucket_key))
                if bucket is None:
                    bucket = self._buckets[(name, bucket_key)] = _Bucket(limit, limit.burst, now)
                bucket.refill(now)
                buckets.append((name, bucket))
            waits = [(b.wait(), name) for name, b in buckets]
            wait, name = max(waits, default=(0.0, ""))
            if wait > 0:
                self.refused += 1
                self.refused_by.append(name)
                return wait
            for _name, bucket in buckets:
                bucket.tokens -= 1
            self.accepted.append(Accepted(key, now))
            return 0.0

    def times(self, key: str | None = None) -> list[float]:
        with self._lock:
            return [a.at for a in self.accepted if key is None or a.key == key]


def retry_after(wait: float) -> int:
    """Whole seconds, as the platforms say it (at least 1)."""
    return max(1, math.ceil(wait))


def busiest_second(times: list[float]) -> int:
    """The most sends in any one second (a window starting at a send)."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(ordered):
        while ordered[start] <= at - 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def rate_used(times: list[float], allowed: float, burst: float = 1.0) -> float:
    """How much of the allowed rate a run of sends used: the sends after the first burst,
    against what the bucket allowed between the burst and the last send (1.0: all of it)."""
    ordered = sorted(times)
    if len(ordered) <= burst:
        return 1.0
    span = ordered[-1] - ordered[0]
    if span <= 0:
        return math.inf
    return (len(ordered) - burst) / (span * allowed)
