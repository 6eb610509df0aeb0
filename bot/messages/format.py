"""Small text helpers shared by the reply builders: times in a person's zone, cuts, plurals,
interview names."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def local_time(moment: datetime, timezone: str) -> str:
    """'22 Nov 2026 20:40 PKT': each person reads times in their own zone."""
    local = moment.astimezone(ZoneInfo(timezone))
    return local.strftime("%d %b %Y %H:%M ") + (local.tzname() or timezone)


def duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 3600:
        return f"{max(seconds // 60, 0)}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def cut(text: str, limit: int, pointer: str = "") -> str:
    """Shorten to `limit` characters, saying how much is left and where to read it."""
    if len(text) <= limit:
        return text
    rest = len(text) - limit
    more = f" (+{rest:,} more characters{'; ' + pointer if pointer else ''})"
    return text[:limit].rstrip() + "…" + more


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def cut_list(lines: list[str], total: int, see: str) -> list[str]:
    """The lines shown, then "… and N more — see: <command>" when `total` (counted where the
    rows live) is more than were shown: a shortened list never passes for the whole one."""
    more = total - len(lines)
    if more <= 0:
        return list(lines)
    return [*lines, f"… and {more:,} more — see: {see}" if see else f"… and {more:,} more"]


def interview_name(label: str, *, article: bool = False) -> str:
    """A stage's label as the interview held in it: 'Screening' -> 'screening interview';
    'Interview' and 'Final interview' already say it ('interview', 'final interview')."""
    name = label.lower() if "interview" in label.lower() else f"{label.lower()} interview"
    if article:
        return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"
    return name
