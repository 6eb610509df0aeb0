"""Recurring schedules in a person's own timezone, and quiet hours. No I/O.

Next occurrences come from APScheduler's CronTrigger (it handles zones and DST gaps). On the
night clocks go back it would fire twice for a time in the repeated hour; keys carry the
local date, so the second firing is recognised as the same occurrence and skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger


@dataclass(frozen=True)
class Series:
    """A recurring piece of work: e.g. kind 'digest', subject 'person:omar'."""

    kind: str
    subject: str
    timezone: str
    at: time
    weekday: str | None = None  # None: every day
    not_before: datetime | None = None  # no occurrence before it (a hire's first day)

    def trigger(self) -> CronTrigger:
        fields: dict[str, object] = {"hour": self.at.hour, "minute": self.at.minute}
        if self.weekday:
            fields["day_of_week"] = self.weekday
        return CronTrigger(timezone=ZoneInfo(self.timezone), **fields)

    def key(self, fire: datetime) -> str:
        local_day = fire.astimezone(ZoneInfo(self.timezone)).date().isoformat()
        return f"{self.kind}:{self.subject}:{local_day}"

    def next_after(self, after: datetime, taken: Callable[[str], bool]) -> datetime:
        """The first occurrence after `after` whose key is not taken yet."""
        trigger = self.trigger()
        moment = max(after, self.not_before) if self.not_before is not None else after
        for _ in range(400):
            fire: datetime | None = trigger.get_next_fire_time(None, moment)
            if fire is None:
                break
            if not taken(self.key(fire)):
                # In UTC: an ambiguous local time never equals another zone's datetime (PEP 495).
                return fire.astimezone(UTC)
            # already done (or the repeated hour of a DST change): look from the next local day
            local = fire.astimezone(ZoneInfo(self.timezone))
            next_day = datetime.combine(local.date() + timedelta(days=1), time(0), local.tzinfo)
            moment = next_day
        raise RuntimeError(f"no next occurrence for {self.kind} {self.subject}")


@dataclass(frozen=True)
class QuietHours:
    """A span (possibly across midnight) when nothing scheduled is sent to a person."""

    start: time
    end: time

    @classmethod
    def parse(cls, span: str) -> QuietHours:
        start_s, _, end_s = span.partition("-")
        start, end = time.fromisoformat(start_s.strip()), time.fromisoformat(end_s.strip())
        if start == end:
            raise ValueError(f"quiet hours '{span}' start and end at the same time")
        return cls(start, end)

    def contains(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, moment: datetime, tz: str) -> datetime:
        """`moment` when outside quiet hours, else the end of them."""
        zone = ZoneInfo(tz)
        local = moment.astimezone(zone)
        if not self.contains(local.time().replace(tzinfo=None)):
            return moment
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.end, zone).astimezone(moment.tzinfo)
