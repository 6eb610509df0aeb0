"""Work still waiting on an applicant whose data is being erased: closed, and the people who
were waiting told, without naming the person.

Left open, an erased applicant keeps producing messages: prep notes, feedback requests and
reminders for "Erased applicant #2", check-ins, a form half filled in. Each person concerned
gets one message listing what was closed; it says "applicant #N" and nothing more.
"""

from __future__ import annotations

from collections import defaultdict

from bot.messages.format import local_time
from bot.messages.reply import Reply
from bot.services import interview_followups, interviews, people, tasks
from bot.services.context import Context
from storage.models import Person

REASON = "the applicant's data was erased"


def close_open_work(ctx: Context, applicant_id: int) -> int:
    """Cancel what waits on them; returns how many items were closed. Callers commit."""
    now = ctx.clock.now()
    told: dict[int, list[str]] = defaultdict(list)
    closed = 0
    interview_subjects = []
    for interview in ctx.uow.interviews.scheduled_for_applicant(applicant_id):
        interview_subjects.append(interviews.subject(interview))
        closed += interview_followups.withdraw(ctx, interview)
        upcoming = interview.starts_at > now
        if upcoming:
            interview.status, interview.cancel_reason = "cancelled", REASON
            interview.updated_at = now
            closed += 1
        for panelist in interview.panelists:
            closed += interview_followups.withdraw_chasing(ctx, panelist)
            person = ctx.uow.people.by_id(panelist.person_id)
            when = local_time(interview.starts_at, _timezone(ctx, person))
            if upcoming:
                told[panelist.person_id].append(f"Interview #{interview.id} ({when}) is cancelled")
            if panelist.feedback_status == "pending":
                panelist.feedback_status = "cancelled"
                closed += 1
                if not upcoming:
                    told[panelist.person_id].append(
                        f"Your feedback on interview #{interview.id} ({when}) is no longer needed"
                    )
    closed += _close_checkins(ctx, applicant_id, told)
    closed += _close_runs(ctx, applicant_id, interview_subjects, told)
    closed += tasks.cancel_pending(ctx, f"applicant:{applicant_id}")
    for person_id, lines in told.items():
        person = ctx.uow.people.by_id(person_id)
        if person is not None and person.active:
            people.tell(
                ctx,
                person,
                Reply(
                    title=f"Applicant #{applicant_id}: closed, {REASON}",
                    text="Nothing more is needed from you for them.",
                    lines=list(dict.fromkeys(lines)),
                    private=False,
                ),
            )
    return closed


def _timezone(ctx: Context, person: Person | None) -> str:
    if person is not None and person.key in ctx.catalog.people:
        return ctx.catalog.person(person.key).timezone
    return "UTC"


def _close_checkins(ctx: Context, applicant_id: int, told: dict[int, list[str]]) -> int:
    closed = 0
    for checkin in ctx.uow.checkins.running_for(applicant_id):
        checkin.status, checkin.paused_until = "ended", None
        closed += 1 + tasks.cancel_pending(ctx, f"checkin:{checkin.id}")
        told[checkin.manager_id].append(f"Check-ins #{checkin.id} have ended")
    return closed


def _close_runs(
    ctx: Context, applicant_id: int, subjects: list[str], told: dict[int, list[str]]
) -> int:
    """Conversations in progress about them (a feedback form, a guided schedule)."""
    closed = 0
    for run in ctx.uow.flow_runs.all_open():
        if run.data.get("applicant_id") != applicant_id and run.subject not in subjects:
            continue
        run.status, run.updated_at = "cancelled", ctx.clock.now()
        run.version += 1  # its buttons stop working
        closed += 1
        title = ctx.flows.definitions[run.flow].title if ctx.flows else run.flow
        told[run.person_id].append(f'Your conversation "{title}" is closed')
    return closed
