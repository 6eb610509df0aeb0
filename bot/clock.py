"""Time as a dependency, so tests and `jobs run-due --at` can move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    # Whether time passes on this clock while the process waits: what may be waited out in
    # place (a paced send a fraction of a second away) only on such a clock; on one that moves
    # only when a test moves it, a wait would never end as the clock sees it.
    @property
    def runs_by_itself(self) -> bool: ...


class SystemClock:
    runs_by_itself = True

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to."""

    runs_by_itself = False

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class ShiftedClock:
    """Another clock moved to start at `start`, running on from there: a console session
    rehearsing a later day (after `hirebot jobs run-due --at`) acts as of that day, and its
    scheduler keeps time from it."""

    def __init__(self, start: datetime, base: Clock | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("ShiftedClock needs an aware datetime")
        self._base = base or SystemClock()
        self._offset = start - self._base.now()

    def now(self) -> datetime:
        return self._base.now() + self._offset

    @property
    def runs_by_itself(self) -> bool:
        return self._base.runs_by_itself


def configured(pinned: datetime | None) -> Clock:
    """The clock a process runs on: pinned at an instant (`HIREBOT_CLOCK`, tests and
    rehearsals), else the system's."""
    return FrozenClock(pinned) if pinned is not None else SystemClock()
