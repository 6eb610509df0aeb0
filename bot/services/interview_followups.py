"""The scheduled work around an interview, planned when it is booked and run by the task
runner: the prep message before it starts, the feedback request when it ends, then for each
interviewer still owing feedback a reminder within their working hours and an escalation to
the hiring manager. Callers commit.

The feedback request itself opens a conversation, so its flow runs it
(`bot/flows/feedback.py` `request_feedback`) and asks `feedback_due` here who to ask.

Someone away (services/absence.py) gets no prep and is not asked for feedback; their feedback
is still owed, so their reminder is planned as anyone's, and when it falls due while they are
away it goes to the rest of the panel instead, or, with nobody else on it, waits until they are
back. An escalation to a hiring manager who is away waits for their return the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.domain.catalog import PersonSpec
from bot.messages.format import interview_name
from bot.messages.reply import Action, Field, Reply
from bot.services import absence, feedback_owed, people, tasks
from bot.services.context import Context
from bot.services.interviews import (
    Panel,
    applicant_of,
    ends,
    panel_people,
    panelist_subject,
    subject,
    when_fields,
    when_for,
)
from storage.models import Applicant, Interview, Panelist, Person, ScheduledTask

PREP = "interview.prep"
REQUEST = "interview.feedback_request"
REMIND = "feedback.reminder"
ESCALATE = "feedback.escalation"


def plan(ctx: Context, interview: Interview) -> None:
    """Prep before the start (at once if that moment has passed), the feedback request when
    it ends."""
    prep_at = interview.starts_at - timedelta(minutes=ctx.catalog.interviews.prep_before_minutes)
    tasks.schedule(ctx, PREP, subject(interview), max(prep_at, ctx.clock.now()))
    tasks.schedule(ctx, REQUEST, subject(interview), ends(interview))


def withdraw(ctx: Context, interview: Interview) -> int:
    """The interview's pending prep and feedback request, cancelled (it moved or is off)."""
    return tasks.cancel_pending(ctx, subject(interview))


def withdraw_chasing(ctx: Context, panelist: Panelist) -> int:
    """One interviewer's pending reminder and escalation, cancelled (nothing is owed now)."""
    return tasks.cancel_pending(ctx, panelist_subject(panelist))


def remind_later(ctx: Context, panelist: Panelist, at: datetime) -> None:
    """A reminder for one interviewer at `at` (a snooze brings the reminder back then)."""
    tasks.schedule(ctx, REMIND, panelist_subject(panelist), at)


def _interview_of(ctx: Context, task: ScheduledTask) -> Interview | None:
    interview_id = int(task.subject.split(":", 1)[1])
    interview = ctx.uow.interviews.get(interview_id)
    if interview is None or interview.status != "scheduled":
        return None
    ctx.touch(interview.applicant_id)
    return interview


def send_prep(ctx: Context, task: ScheduledTask) -> str:
    """Before the interview: who, which stage, links, competencies to rate, questions to ask."""
    interview = _interview_of(ctx, task)
    if interview is None:
        return "skipped: interview no longer scheduled"
    applicant, role = applicant_of(ctx, interview)
    competencies = [c for c in role.scorecard if not c.stages or interview.stage in c.stages]
    questions = role.question_bank.get(interview.stage, ())
    sent = 0
    now = ctx.clock.now()
    for panelist, person in panel_people(ctx, interview):
        if panelist.feedback_status != "pending" or absence.away_until(person, now):
            continue
        fields = when_fields(ctx, interview, person)
        fields += [
            Field(label=k.capitalize(), value=str(v)) for k, v in sorted(applicant.links.items())
        ]
        if applicant.skills:
            fields.append(Field(label="Skills", value=", ".join(applicant.skills)))
        lines = [f"Rate: {c.name} — {c.description}" for c in competencies]
        lines += [f"Ask: {q}" for q in questions]
        reply = Reply(
            title=f"Prep: {interview_name(role.pipeline.label(interview.stage))} "
            f"with {applicant.name}",
            text=f"{role.title}. Interview #{interview.id}; feedback is asked for when it ends.",
            fields=fields,
            lines=lines,
        )
        sent += people.tell(ctx, person, reply, applicant_id=applicant.id)
    return f"prep sent to {sent}"


def feedback_due(ctx: Context, task: ScheduledTask) -> tuple[Interview, list[Panel]] | str:
    """When the interview ends: the interviewers to ask for feedback now (each marked asked,
    with a reminder and an escalation planned), or why nobody is. The feedback flow asks them
    (`bot/flows/feedback.py` `request_feedback`)."""
    interview = _interview_of(ctx, task)
    if interview is None:
        return "skipped: interview no longer scheduled"
    now = ctx.clock.now()
    settings = ctx.catalog.interviews
    asked: list[Panel] = []
    for panelist, person in panel_people(ctx, interview):
        if panelist.feedback_status != "pending" or panelist.requested_at is not None:
            continue
        panelist.requested_at = now
        remind_later(ctx, panelist, now + timedelta(hours=settings.first_reminder_hours))
        tasks.schedule(
            ctx,
            ESCALATE,
            panelist_subject(panelist),
            now + timedelta(hours=settings.escalation_hours),
        )
        if absence.away_until(person, now) is None:
            asked.append((panelist, person))
    return interview, asked


def _panelist_of(ctx: Context, task: ScheduledTask) -> Panelist | None:
    panelist = ctx.uow.interviews.panelist_by_id(int(task.subject.split(":", 1)[1]))
    if panelist is None or panelist.feedback_status != "pending":
        return None
    if panelist.interview.status != "scheduled":
        return None
    ctx.touch(panelist.interview.applicant_id)
    return panelist


def _still_to_chase(
    ctx: Context, task: ScheduledTask, done: str, stamp: Callable[[Panelist], datetime | None]
) -> Panelist | str:
    """The panelist a reminder or an escalation is about, or why it no longer runs: the
    feedback came, or an earlier batch already `done` (`reminded`, `escalated`) it."""
    panelist = _panelist_of(ctx, task)
    if panelist is None:
        return "skipped: feedback no longer pending"
    if stamp(panelist) is not None:
        return f"skipped: already {done} in a batch"
    return panelist


def _outside_hours(
    ctx: Context, task: ScheduledTask, spec: PersonSpec, now: datetime, why: str
) -> str | None:
    """Deferred to when `spec`'s working hours open, if they are closed now."""
    opens = spec.working_hours.next_open(now, spec.timezone)
    return tasks.defer(ctx, task, opens, why) if opens > now else None


def remind(ctx: Context, task: ScheduledTask) -> str:
    """First nudge, within the interviewer's working hours, batching everything they owe."""
    panelist = _still_to_chase(ctx, task, "reminded", lambda p: p.reminded_at)
    if isinstance(panelist, str):
        return panelist
    now = ctx.clock.now()
    if panelist.snoozed_until and panelist.snoozed_until > now:
        return tasks.defer(ctx, task, panelist.snoozed_until, "snoozed")
    person = ctx.uow.people.by_id(panelist.person_id)
    if person is None:
        return "skipped: person gone"
    back = absence.away_until(person, now)
    if back is not None:
        return _while_away(ctx, task, panelist, person, back)
    deferred = _outside_hours(
        ctx, task, ctx.catalog.person(person.key), now, "outside working hours"
    )
    if deferred is not None:
        return deferred
    owed = [
        p
        for p in ctx.uow.interviews.owed_by(person.id)
        if p.reminded_at is None and not (p.snoozed_until and p.snoozed_until > now)
    ]
    reply = feedback_owed.owed_reply(
        ctx,
        person,
        owed,
        title=feedback_owed.heading(len(owed), "Reminder: you"),
        text="Independent feedback while it is fresh helps the team decide well.",
        extra=[
            Action(id="feedback_snooze", label="Snooze a day", value=str(panelist.interview_id)),
            Action(id="feedback_absent", label="I didn't attend", value=str(panelist.interview_id)),
        ],
    )
    for item in owed:
        item.reminded_at = now
    people.tell(ctx, person, reply, applicant_id=panelist.interview.applicant_id)
    return f"reminded about {len(owed)}"


def _while_away(
    ctx: Context, task: ScheduledTask, panelist: Panelist, person: Person, back: datetime
) -> str:
    """An away interviewer's reminder: to the rest of the panel (those not away themselves),
    else held until they are back (it then waits for their working hours as any reminder)."""
    now = ctx.clock.now()
    interview = panelist.interview
    others = [
        other
        for _, other in panel_people(ctx, interview)
        if other.id != person.id and other.active and absence.away_until(other, now) is None
    ]
    if not others:
        return tasks.defer(ctx, task, back, f"{person.key} away")
    applicant, role = applicant_of(ctx, interview)
    stage = interview_name(role.pipeline.label(interview.stage))
    for other in others:
        tz = ctx.catalog.person(other.key).timezone
        people.tell(
            ctx,
            other,
            Reply(
                title=f"Reminder: feedback on interview #{interview.id} with {applicant.name}",
                text=(
                    f"{person.name} is {absence.shown(back, tz)} and has not given feedback on "
                    f"the {stage}; the rest of the panel's feedback matters all the more."
                ),
                fields=when_fields(ctx, interview, other),
            ),
            applicant_id=applicant.id,
        )
    return f"{person.key} away: reminder sent to {len(others)} of the panel"


def escalate(ctx: Context, task: ScheduledTask) -> str:
    """Still missing: tell the hiring manager, batching everything late for their roles."""
    panelist = _still_to_chase(ctx, task, "escalated", lambda p: p.escalated_at)
    if isinstance(panelist, str):
        return panelist
    now = ctx.clock.now()
    applicant, role = applicant_of(ctx, panelist.interview)
    manager = people.row(ctx, role.hiring_manager)
    back = absence.away_until(manager, now)
    if back is not None:  # no prompts while away: the late list waits for their return
        return tasks.defer(ctx, task, back, f"{manager.key} away")
    deferred = _outside_hours(
        ctx, task, ctx.catalog.person(manager.key), now, "outside the manager's working hours"
    )
    if deferred is not None:
        return deferred
    due_before = now - timedelta(hours=ctx.catalog.interviews.escalation_hours)
    late = _late_for_manager(ctx, manager, due_before)
    lines = []
    for item, person, late_applicant in late:
        item.escalated_at = now
        lines.append(
            f"{person.name}: interview #{item.interview_id} with {late_applicant.name} "
            f"({when_for(ctx, manager, item.interview.starts_at)})"
        )
    people.tell(
        ctx,
        manager,
        Reply(
            title=f"Feedback overdue: {len(lines)}",
            text="These interviewers have not submitted feedback yet; they have been reminded.",
            lines=lines,
        ),
        applicant_id=applicant.id,
    )
    return f"escalated {len(lines)} to {manager.key}"


def _late_for_manager(
    ctx: Context, manager: Person, due_before: datetime
) -> list[tuple[Panelist, Person, Applicant]]:
    managed = [r.key for r in ctx.catalog.roles.values() if r.hiring_manager == manager.key]
    rows = ctx.uow.interviews.feedback_late(due_before)
    out = []
    for item in rows:
        applicant, role = applicant_of(ctx, item.interview)
        person = ctx.uow.people.by_id(item.person_id)
        if role.key in managed and person is not None:
            out.append((item, person, applicant))
    return out
