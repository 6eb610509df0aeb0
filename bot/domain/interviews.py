"""Interview and feedback rules: time parsing, the rating scale, working hours. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.errors import InvalidInput

RATINGS: dict[str, str] = {
    "1": "1 · Poor",
    "2": "2 · Mixed",
    "3": "3 · Good",
    "4": "4 · Excellent",
    "n": "No signal",
}
RECOMMENDATIONS: dict[str, str] = {
    "strong_no": "Strong no",
    "no": "No",
    "yes": "Yes",
    "strong_yes": "Strong yes",
}
COMMENT_MAX = 10_000
MIN_DURATION, MAX_DURATION = 5, 8 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION = re.compile(r"^(?:(\d{1,2})h)?\s*(?:(\d{1,3})m?)?$")


def parse_rating(word: str) -> str:
    value = word.strip().lower()
    aliases = {"no signal": "n", "none": "n", "-": "n", "skip": "n"}
    value = aliases.get(value, value)
    if value not in RATINGS:
        raise InvalidInput("rate 1 (poor) to 4 (excellent), or 'n' for no signal")
    return value


def parse_recommendation(word: str) -> str:
    value = word.strip().lower().replace(" ", "_").replace("-", "_")
    if value not in RECOMMENDATIONS:
        raise InvalidInput("choose Strong no, No, Yes or Strong yes")
    return value


def parse_duration(word: str) -> int:
    """'45m', '1h', '1h30m' or '90' (minutes)."""
    match = _DURATION.match(word.strip().lower())
    if not match or not any(match.groups()):
        raise InvalidInput(f"'{word[:20]}' is not a duration (try 45m, 1h or 1h30m)")
    minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise InvalidInput(
            f"an interview lasts {MIN_DURATION} minutes to {MAX_DURATION // 60} hours"
        )
    return minutes


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"unknown timezone '{name[:40]}' (use a name like Asia/Karachi)"
        ) from exc


def parse_start(day: str, clock_time: str, tz: str) -> datetime:
    """A wall-clock time in `tz`; refuses malformed dates and times that DST skips."""
    try:
        parsed_day = date.fromisoformat(day.strip())
    except ValueError as exc:
        raise InvalidInput(f"'{day[:20]}' is not a date (use YYYY-MM-DD, e.g. 2026-11-25)") from exc
    try:
        parsed_time = time.fromisoformat(clock_time.strip())
    except ValueError as exc:
        raise InvalidInput(f"'{clock_time[:20]}' is not a time (use HH:MM, e.g. 15:30)") from exc
    tzinfo = zone(tz)
    local = datetime.combine(parsed_day, parsed_time, tzinfo)
    round_trip = local.astimezone(ZoneInfo("UTC")).astimezone(tzinfo)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise InvalidInput(f"{day} {clock_time} does not exist in {tz} (the clocks change then)")
    return local


@dataclass(frozen=True)
class WorkingHours:
    start: time = time(9, 0)
    end: time = time(18, 0)
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")

    @classmethod
    def parse(cls, span: str, days: tuple[str, ...]) -> WorkingHours:
        start_s, _, end_s = span.partition("-")
        start, end = time.fromisoformat(start_s.strip()), time.fromisoformat(end_s.strip())
        if start >= end:
            raise ValueError(f"working hours '{span}' end before they start")
        return cls(start, end, days)

    def next_open(self, moment: datetime, tz: str) -> datetime:
        """`moment` if it falls within working hours in `tz`, else the next start of them."""
        tzinfo = ZoneInfo(tz)
        local = moment.astimezone(tzinfo)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            if WEEKDAYS[day.weekday()] not in self.days:
                continue
            opens = datetime.combine(day, self.start, tzinfo)
            closes = datetime.combine(day, self.end, tzinfo)
            if offset == 0 and opens <= local < closes:
                return moment
            if local < opens:
                return opens.astimezone(moment.tzinfo)
        return moment  # no working days configured: never hold a message back
