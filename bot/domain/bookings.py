"""Self-scheduling rules: the slots a recruiter offers, when an offer's link stops working,
and whether a slot sits inside a person's working hours. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import InvalidInput
from bot.domain.interviews import WEEKDAYS, WorkingHours, parse_start

MAX_SLOTS = 10
LINK_DAYS = 7  # an offer's link works this long, and never past its last slot
OTHER_TIMES_MAX = 1_000  # the candidate's "other times" text


def parse_slots(value: str, tz: str, now: datetime) -> list[datetime]:
    """'2026-12-07T10:00,2026-12-08T11:00' in `tz`: distinct, in the future, in time order."""
    words = [w.strip() for w in value.split(",") if w.strip()]
    if not words:
        raise InvalidInput("slots= needs one or more times, e.g. slots=2026-12-07T10:00,…")
    if len(words) > MAX_SLOTS:
        raise InvalidInput(f"{len(words)} slots given; offer at most {MAX_SLOTS}")
    slots: list[datetime] = []
    for word in words:
        day, sep, clock = word.partition("T")
        if not sep:
            day, _, clock = word.partition(" ")
        if not clock:
            raise InvalidInput(f"slot '{word[:30]}' is not a time like 2026-12-07T10:00")
        starts = parse_start(day, clock, tz)
        if starts <= now:
            raise InvalidInput(f"slot {word[:30]} has passed; offer times in the future")
        if starts in slots:
            raise InvalidInput(f"slot {word[:30]} is given twice")
        slots.append(starts)
    return sorted(slots)


def link_expires(slots: Sequence[datetime], now: datetime) -> datetime:
    """The link stops working after LINK_DAYS or when the last slot starts, whichever is first."""
    return min(now + timedelta(days=LINK_DAYS), max(slots))


@dataclass(frozen=True)
class Span:
    starts: datetime
    ends: datetime


def outside_working_hours(hours: WorkingHours, span: Span, tz: str) -> bool:
    """True when any part of the span falls outside the person's working day in `tz`."""
    zone = ZoneInfo(tz)
    start, end = span.starts.astimezone(zone), span.ends.astimezone(zone)
    day: date = start.date()
    if WEEKDAYS[day.weekday()] not in hours.days or end.date() != day:
        return True
    return not (hours.start <= start.time() and end.time() <= hours.end)
