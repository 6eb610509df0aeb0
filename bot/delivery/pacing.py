"""Keeping each channel's deliveries within its platform's published send limits, before the
platform has to refuse: token buckets built from the `SendLimits` a channel declares (or its
deployment configures), one for all its messages, one per conversation (stricter for a shared
conversation where the platform says so) and one per kind of message that has a rate of its
own (an edit through a Web API method of another tier).

`reserve()` takes a message's tokens from every bucket it passes through, or takes nothing and
says how many seconds to wait: the delivery worker then hands the row (and the rest of its
conversation) back, due at that moment, without spending one of its attempts, and turns to the
other conversations; it never sleeps. A platform's own "too many, retry after N" empties the
bucket that was exceeded for N seconds (`back_off()`), so the next messages wait as well.

The buckets run on hirebot's clock, while the platform counts when each message *arrives*,
somewhere between the moment its token was taken and the moment the send came back. A send
delayed on the way (a loaded machine, a slow first connection) followed by one on time
arrives closer to it than the bucket allowed, and was refused. So `sent()`, told when a send
has come back, counts the message as having gone as late as that: the bucket then holds at
most what it would hold had the message, and every other one of its messages still under
way, gone at that moment; and no more of a bucket's messages are under way at once than its
burst, since those may all arrive together, however far apart their tokens were taken. The
platform's count then keeps behind the bucket's, whatever the delays.

Why a small hand-written bucket rather than a library: `limits` (a dependency already) has
fixed and moving windows over storage keyed by wall time (`time.time()`), and pyrate-limiter's
buckets read their own clock and block or raise; delivery needs to ask "how long until this
conversation may have one more" on hirebot's one `Clock` (tests move a frozen clock instead of
sleeping) and to be told without waiting. A bucket is a refill and a subtraction.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.domain.channels import SendLimits

MAX_CONVERSATIONS = 10_000  # buckets kept; the least recently used is forgotten (full again)
EPSILON = 1e-9  # tokens: what float rounding may leave short of a whole one


@dataclass
class Bucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    at: datetime
    in_flight: int = 0  # messages taken from the bucket whose send has not come back

    def refill(self, now: datetime) -> None:
        elapsed = max(0.0, (now - self.at).total_seconds())
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.at = max(self.at, now)

    def wait_for(self, count: float) -> float:
        """Seconds until `count` tokens are there (a bundle larger than the bucket may go
        once the bucket is full, leaving it in debt). While the burst is all under way, a
        message's worth: those sends may yet arrive together with this one."""
        if self.in_flight and self.in_flight + min(count, self.capacity) > self.capacity:
            return 1.0 / self.rate
        need = min(count, self.capacity) - self.tokens
        return 0.0 if need <= EPSILON else need / self.rate


def later(now: datetime, seconds: float) -> datetime:
    """`now` plus `seconds`, rounded up to the microsecond (never a moment too early)."""
    return now + timedelta(microseconds=math.ceil(seconds * 1_000_000))


class Pacer:
    """The buckets of one channel. Thread-safe: a channel's conversations are sent in
    parallel."""

    def __init__(self, limits: SendLimits, clock: Clock, *, keep: int = MAX_CONVERSATIONS) -> None:
        self.limits = limits
        self.clock = clock
        self.keep = keep
        now = clock.now()
        self.overall = _full(limits.overall, limits.overall_burst, now) if limits.overall else None
        self._kinds = {kind: _full(rate, limits.kind_burst, now) for kind, rate in limits.per_kind}
        self._conversations: OrderedDict[str, Bucket] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def unlimited(self) -> bool:
        limits = self.limits
        return not (
            limits.overall
            or limits.per_conversation
            or limits.per_shared_conversation
            or limits.per_kind
        )

    def _conversation(self, destination: str, now: datetime) -> Bucket | None:
        bucket = self._conversations.pop(destination, None)
        if bucket is None:
            rate = self.limits.conversation_rate(shared=self.limits.is_shared(destination))
            if rate is None:
                return None
            bucket = _full(rate, self.limits.burst, now)
        self._conversations[destination] = bucket
        while len(self._conversations) > self.keep:
            self._conversations.popitem(last=False)
        return bucket

    def _buckets(self, destination: str, kind: str, now: datetime) -> list[Bucket]:
        """The buckets a message of this kind to this destination takes from, refilled."""
        own = self._kinds.get(kind)
        local = own if own is not None else self._conversation(destination, now)
        buckets = [b for b in (self.overall, local) if b is not None]
        for bucket in buckets:
            bucket.refill(now)
        return buckets

    def reserve(self, destination: str, kind: str = "message", count: int = 1) -> float:
        """0 and the `count` sends taken, or the seconds to wait before asking again (nothing
        taken)."""
        if self.unlimited:
            return 0.0
        with self._lock:
            buckets = self._buckets(destination, kind, self.clock.now())
            wait = max((b.wait_for(count) for b in buckets), default=0.0)
            if wait > 0:
                return wait
            for bucket in buckets:
                bucket.tokens -= count
                bucket.in_flight += count
            return 0.0

    def sent(self, destination: str, kind: str = "message", count: int = 1) -> None:
        """A reserved send came back (delivered or not): it may have reached the platform as
        late as now, and the others under way just before it, so the buckets keep no more than
        they would after all of those at this moment."""
        if self.unlimited:
            return
        with self._lock:
            for bucket in self._buckets(destination, kind, self.clock.now()):
                bucket.in_flight = max(0, bucket.in_flight - count)
                bucket.tokens = min(bucket.tokens, bucket.capacity - count - bucket.in_flight)

    def overall_wait(self) -> float:
        """Seconds until the channel may send one more message at all."""
        if self.overall is None:
            return 0.0
        with self._lock:
            self.overall.refill(self.clock.now())
            return self.overall.wait_for(1)

    def available(self, within: float = 0.0) -> int | None:
        """Whole messages the channel may send right now, or by `within` seconds from now
        (None: no overall limit)."""
        if self.overall is None:
            return None
        with self._lock:
            self.overall.refill(self.clock.now())
            tokens = self.overall.tokens + within * self.overall.rate
            return max(0, math.floor(tokens + EPSILON))

    def back_off(self, destination: str, kind: str, seconds: float) -> None:
        """The platform said to wait `seconds`: the bucket this message took from (its kind's,
        else its conversation's, else the channel's) has its next token only then."""
        with self._lock:
            now = self.clock.now()
            own = self._kinds.get(kind)
            bucket = own if own is not None else self._conversation(destination, now)
            bucket = bucket if bucket is not None else self.overall
            if bucket is not None:
                bucket.refill(now)
                bucket.tokens = min(bucket.tokens, 1.0 - seconds * bucket.rate)


def _full(rate: float, burst: int, now: datetime) -> Bucket:
    return Bucket(rate=rate, capacity=float(burst), tokens=float(burst), at=now)
