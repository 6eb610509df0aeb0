"""Keeps one pending row for the next occurrence of every recurring job.

Runs at the start of each scheduler pass. Policy after downtime: the row for the slot that was
missed is still pending and overdue, so it runs once when hirebot is back; the next row is then
planned from *now*, so missed slots are never sent one by one, and a series runs at most once
per local day (a late run at 08:00 covers that day's 09:30 slot). A row whose planned time no
longer matches the configuration (a changed digest time) is replaced if it is still in the
future.
"""

from __future__ import annotations

from datetime import datetime, time
from functools import partial

from bot.domain.catalog import Catalog
from bot.domain.schedules import Series
from bot.services import checkins, digests, privacy
from storage.models import ScheduledTask
from storage.queue import TASKS
from storage.unit_of_work import UnitOfWork


def series(catalog: Catalog, uow: UnitOfWork) -> list[Series]:
    out: list[Series] = []
    for person in catalog.people.values():
        prefs = person.digest
        if prefs.frequency != "off":
            hour, minute = (int(x) for x in prefs.time.split(":"))
            out.append(
                Series(
                    digests.DIGEST,
                    f"person:{person.key}",
                    person.timezone,
                    time(hour, minute),
                    prefs.weekday if prefs.frequency == "weekly" else None,
                )
            )
    settings = catalog.schedules
    for role_key, weekday, at in settings.pipeline_checkins:
        role = catalog.roles[role_key]
        tz = catalog.people[role.hiring_manager].timezone
        out.append(Series(digests.PIPELINE_CHECKIN, f"role:{role_key}", tz, at, weekday))
    if settings.stale_nudges is not None:
        nudge_day, nudge_at = settings.stale_nudges
        for spec in catalog.roles.values():
            zone = catalog.people[spec.recruiter].timezone
            out.append(Series(digests.STALE_NUDGE, f"role:{spec.key}", zone, nudge_at, nudge_day))
    if catalog.privacy.retention:
        out.append(
            Series(privacy.RETENTION, "all", catalog.privacy.timezone, catalog.privacy.sweep_time)
        )
    keys = {p.id: p.key for p in uow.people.all()}
    for active in uow.checkins.running():
        hire = catalog.people.get(keys.get(active.person_id, ""))
        if hire is not None:
            out.append(
                Series(
                    checkins.CHECKIN,
                    f"checkin:{active.id}",
                    hire.timezone,
                    settings.hire_checkin_time,
                    settings.hire_checkin_weekday,
                    not_before=active.started_at,  # the start date on the accepted offer
                )
            )
    return out


def _finished(uow: UnitOfWork, key: str) -> bool:
    """An occurrence already handled (a pending one is still to be planned around)."""
    task = uow.tasks.by_key(key)
    return task is not None and task.status not in TASKS.states.open


def _taken(uow: UnitOfWork, ran_on: str | None, key: str) -> bool:
    return key == ran_on or _finished(uow, key)


def plan(uow: UnitOfWork, catalog: Catalog, now: datetime) -> int:
    """Make sure each series has its next occurrence as a pending row; returns rows added."""
    added = 0
    for item in series(catalog, uow):
        pending = uow.tasks.open_occurrences(item.kind, item.subject)
        last_run = uow.tasks.last_done(item.kind, item.subject)
        # One occurrence per local day at most: a late run today covers today's slot.
        ran_on = item.key(last_run) if last_run is not None else None
        wanted = item.next_after(now, partial(_taken, uow, ran_on))
        if pending:
            stale = [
                t
                for t in pending
                if t.due_at > now and t.due_at != wanted and t.status == "pending"
            ]
            if len(stale) < len(pending):
                continue  # one is overdue (runs now) or already right
            for task in stale:
                task.status = "cancelled"
                task.key = f"{task.key}:replaced:{now.isoformat()}"
            uow.flush()
        # Not added when another replica planned the same occurrence first: the key holds.
        if uow.tasks.add_once(
            ScheduledTask(
                kind=item.kind,
                subject=item.subject,
                key=item.key(wanted),
                due_at=wanted,
                status="pending",
                attempts=0,
                created_at=now,
            )
        ):
            added += 1
    uow.commit()
    return added
