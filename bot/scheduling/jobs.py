"""Which task kinds exist and which core service (or flow, for the tasks that open a
conversation) runs each: the scheduler's whole job table."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from bot.flows import checkin as checkin_flow
from bot.flows import feedback as feedback_flow
from bot.scheduling import recurring
from bot.scheduling.runner import TaskRunner
from bot.services import (
    applicants,
    applications,
    bookings,
    candidate_mail,
    checkins,
    digests,
    interview_followups,
    privacy,
    trackers,
)
from storage.models import Panelist, Person, ScheduledTask
from storage.unit_of_work import UnitOfWork


def register_jobs(runner: TaskRunner, tracker_clients: trackers.Clients | None = None) -> None:
    """`tracker_clients`: the task trackers the wiring built (bot/trackers/), by kind."""
    clients = tracker_clients or {}
    followups = interview_followups
    runner.register(followups.PREP, followups.send_prep)
    runner.register(followups.REQUEST, feedback_flow.request_feedback)
    runner.register(followups.REMIND, followups.remind, prefetch=_reminders)
    runner.register(followups.ESCALATE, followups.escalate, prefetch=_panelists)
    runner.register(digests.DIGEST, digests.send_digest)
    runner.register(digests.PIPELINE_CHECKIN, digests.pipeline_checkin)
    runner.register(digests.STALE_NUDGE, digests.stale_nudge)
    runner.register(checkins.CHECKIN, checkin_flow.ask_when_due)
    runner.register(privacy.RETENTION, privacy.retention_sweep)
    runner.register(privacy.RETENTION_ERASE, privacy.retention_erase)
    runner.register(applications.APPLICATION_RECEIVED, applications.acknowledge)
    runner.register(bookings.BOOKING_OFFERED, bookings.offered_to_candidate)
    runner.register(applicants.REJECTION_MAIL, candidate_mail.rejection_job)
    runner.register(trackers.PUSH, partial(trackers.push, clients))
    runner.register(trackers.DONE, partial(trackers.send_state, clients))
    runner.planners.append(partial(_plan, runner))


def _panelists(uow: UnitOfWork, tasks: list[ScheduledTask]) -> tuple[list[Panelist], list[Person]]:
    """Reminder and escalation tasks name a panelist each: load a batch's panelists with
    their interviews, and those panelists' people, in two queries instead of three per task."""
    ids = [int(t.subject.split(":", 1)[1]) for t in tasks if t.subject.startswith("panelist:")]
    panelists = uow.interviews.panelists(ids)
    return panelists, uow.people.by_ids([p.person_id for p in panelists])


def _reminders(uow: UnitOfWork, tasks: list[ScheduledTask]) -> object:
    """As `_panelists`, and for each interviewer whose reminder this batch sends (their
    panelist not reminded yet), everything they owe and its applicants: two queries per
    batch instead of two per interviewer, and no query inside the handlers, so no autoflush
    writes one reminder's rows before the next is built (the batch flushes them together)."""
    panelists, people = _panelists(uow, tasks)
    to_remind = [
        p.person_id for p in panelists if p.feedback_status == "pending" and p.reminded_at is None
    ]
    owed = uow.interviews.preload_owed(to_remind)
    return panelists, people, owed, uow.applicants.load([p.interview.applicant_id for p in owed])


def _plan(runner: TaskRunner, uow: UnitOfWork, now: datetime) -> None:
    recurring.plan(uow, runner.catalog, now)
