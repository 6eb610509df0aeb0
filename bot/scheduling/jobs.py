"""Which task kinds exist and which core service runs each: the scheduler's whole job table."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from bot.scheduling import recurring
from bot.scheduling.runner import TaskRunner
from bot.services import checkins, digests, interviews, privacy
from storage.models import ScheduledTask
from storage.unit_of_work import UnitOfWork


def register_jobs(runner: TaskRunner) -> None:
    runner.register(interviews.PREP, interviews.send_prep)
    runner.register(interviews.REQUEST, interviews.request_feedback)
    runner.register(interviews.REMIND, interviews.remind, prefetch=_panelists)
    runner.register(interviews.ESCALATE, interviews.escalate, prefetch=_panelists)
    runner.register(digests.DIGEST, digests.send_digest)
    runner.register(digests.PIPELINE_CHECKIN, digests.pipeline_checkin)
    runner.register(digests.STALE_NUDGE, digests.stale_nudge)
    runner.register(checkins.CHECKIN, checkins.due)
    runner.register(privacy.RETENTION, privacy.retention_sweep)
    runner.register(privacy.RETENTION_ERASE, privacy.retention_erase)
    runner.planners.append(partial(_plan, runner))


def _panelists(uow: UnitOfWork, tasks: list[ScheduledTask]) -> object:
    """Reminder and escalation tasks name a panelist each: load a batch's panelists with
    their interviews in one query instead of two queries per task."""
    ids = [int(t.subject.split(":", 1)[1]) for t in tasks if t.subject.startswith("panelist:")]
    return uow.interviews.panelists(ids)


def _plan(runner: TaskRunner, uow: UnitOfWork, now: datetime) -> None:
    recurring.plan(uow, runner.catalog, now)
