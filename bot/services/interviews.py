"""Interview use cases: schedule, reschedule, cancel; and the scheduled work around them
(prep message, feedback request, reminders, escalation). Callers commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.catalog import RoleSpec
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.interviews import parse_start
from bot.domain.permissions import Permission
from bot.domain.suggest import did_you_mean
from bot.messages.cards import card_key
from bot.messages.format import interview_name, local_time
from bot.messages.reply import Action, Field, Reply
from bot.services import applicants as applicant_service
from bot.services import audit, outbox, people, tasks
from bot.services.context import Context
from bot.services.notify import role_destinations
from storage.models import Applicant, Interview, Panelist, Person, ScheduledTask

PREP = "interview.prep"
REQUEST = "interview.feedback_request"
REMIND = "feedback.reminder"
ESCALATE = "feedback.escalation"
LOCATION_MAX = 500
MAX_ACTIONS = 20  # buttons in one message: within what every channel shows


@dataclass
class ScheduleResult:
    interview: Interview
    warnings: list[str] = field(default_factory=list)


def subject(interview: Interview) -> str:
    return f"interview:{interview.id}"


def panelist_subject(panelist: Panelist) -> str:
    return f"panelist:{panelist.id}"


Panel = tuple[Panelist, Person]  # an interviewer on a panel, with their person row


def get(ctx: Context, interview_id: int) -> Interview:
    return ctx.found(ctx.uow.interviews.get(interview_id), f"no interview #{interview_id}")


def applicant_of(ctx: Context, interview: Interview) -> tuple[Applicant, RoleSpec]:
    applicant = ctx.uow.applicants.get(interview.applicant_id)
    if applicant is None:
        raise NotFound(f"interview #{interview.id} has no applicant")
    return applicant, applicant_service.role_of(ctx, applicant)


def _interviewers(ctx: Context, keys: Sequence[str]) -> list[Person]:
    if not keys:
        raise InvalidInput("who interviews? add with=person,person (e.g. with=hina,lucas)")
    found: list[Person] = []
    for key in keys:
        person = ctx.uow.people.by_key(key.strip().lower())
        if person is None or not person.active:
            hint = did_you_mean(key, ctx.catalog.people)
            raise NotFound(f"unknown interviewer '{key.strip()[:40]}'{hint}")
        if person not in found:
            found.append(person)
    return found


def _check_future(ctx: Context, starts_at: datetime) -> None:
    if starts_at <= ctx.clock.now():
        raise InvalidInput("that time has passed; pick a time in the future")


def _check_location(location: str) -> str:
    location = location.strip()
    if len(location) > LOCATION_MAX:
        raise InvalidInput(f"the location is {len(location):,} characters; at most {LOCATION_MAX}")
    return location


def _ends(interview: Interview) -> datetime:
    return interview.starts_at + timedelta(minutes=interview.duration_minutes)


def _double_bookings(ctx: Context, interview: Interview, panel: Sequence[Person]) -> list[str]:
    warnings = []
    for person in panel:
        for other in ctx.uow.interviews.overlapping(
            person.id, interview.starts_at, _ends(interview), exclude=interview.id
        ):
            tz = ctx.catalog.person(person.key).timezone
            warnings.append(
                f"{person.name} is already on interview #{other.id} at "
                f"{local_time(other.starts_at, tz)}: double-booked"
            )
    return warnings


def _when_for(ctx: Context, person: Person, moment: datetime) -> str:
    return local_time(moment, ctx.catalog.person(person.key).timezone)


def _plan_tasks(ctx: Context, interview: Interview) -> None:
    """Prep before the start, and the feedback request when it ends."""
    prep_at = interview.starts_at - timedelta(minutes=ctx.catalog.interviews.prep_before_minutes)
    tasks.schedule(ctx, PREP, subject(interview), max(prep_at, ctx.clock.now()))
    tasks.schedule(ctx, REQUEST, subject(interview), _ends(interview))


def schedule(
    ctx: Context,
    applicant_id: int,
    *,
    day: str,
    clock_time: str,
    duration_minutes: int,
    interviewer_keys: Sequence[str],
    stage_word: str | None = None,
    timezone: str | None = None,
    location: str = "",
) -> ScheduleResult:
    ctx.actor.require(Permission.SCHEDULE)
    applicant = applicant_service.get(ctx, applicant_id)
    role = applicant_service.role_of(ctx, applicant)
    current = role.pipeline.get(applicant.stage)
    if not current.is_open:
        raise InvalidInput(f"#{applicant.id} is {current.label.lower()}; no interviews for them")
    stage = (
        role.pipeline.parse(stage_word) if stage_word else role.next_interview_stage(current.key)
    )
    if stage is None:
        raise InvalidInput(
            f"#{applicant.id} is in {current.label}, past the stages interviews are held in; "
            "say which interview this is with stage=…"
        )
    tz = timezone or (ctx.actor.person.timezone if ctx.actor.person else "UTC")
    starts_at = parse_start(day, clock_time, tz)
    _check_future(ctx, starts_at)
    panel = _interviewers(ctx, interviewer_keys)
    now = ctx.clock.now()
    interview = Interview(
        applicant_id=applicant.id,
        stage=stage.key,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        timezone=tz,
        location=_check_location(location),
        status="scheduled",
        cancel_reason="",
        created_by_id=ctx.actor.person_id,
        created_at=now,
        updated_at=now,
    )
    ctx.uow.interviews.add(interview)
    ctx.uow.flush()
    for person in panel:
        ctx.uow.interviews.add_panelist(Panelist(interview_id=interview.id, person_id=person.id))
    ctx.uow.flush()
    ctx.uow.interviews.reload(interview)
    warnings = _double_bookings(ctx, interview, panel)
    _plan_tasks(ctx, interview)
    names = ", ".join(p.name for p in panel)
    audit.domain_event(
        ctx,
        "interview.scheduled",
        f"{ctx.actor.name} scheduled {interview_name(stage.label, article=True)} "
        f"(#{interview.id}) with {names} "
        f"for {local_time(starts_at, tz)}",
        applicant.id,
        interview_id=interview.id,
    )
    for person in panel:
        people.tell(
            ctx,
            person,
            Reply(
                title=f"Interview #{interview.id}: {applicant.name} ({role.title})",
                text=f"You are on the panel for the {interview_name(stage.label)}.",
                fields=_when_fields(ctx, interview, person),
            ),
            applicant_id=applicant.id,
        )
    _thread_line(
        ctx, applicant, role, f"{interview_name(stage.label).capitalize()} scheduled with {names}"
    )
    return ScheduleResult(interview, warnings)


def _when_fields(ctx: Context, interview: Interview, person: Person) -> list[Field]:
    fields = [
        Field(label="When", value=_when_for(ctx, person, interview.starts_at)),
        Field(label="Duration", value=f"{interview.duration_minutes} minutes"),
    ]
    if interview.location:
        fields.append(Field(label="Where", value=interview.location))
    return fields


def _thread_line(ctx: Context, applicant: Applicant, role: RoleSpec, text: str) -> None:
    for destination in role_destinations(ctx, role):
        outbox.enqueue(
            ctx,
            destination,
            Reply(text=text, private=False),
            thread_card_key=card_key(applicant.id),
            applicant_id=applicant.id,
        )


def _panel_people(ctx: Context, interview: Interview) -> list[Panel]:
    out = []
    for panelist in interview.panelists:
        person = ctx.uow.people.by_id(panelist.person_id)
        if person is not None:
            out.append((panelist, person))
    return out


def reschedule(
    ctx: Context,
    interview_id: int,
    *,
    day: str,
    clock_time: str,
    duration_minutes: int | None,
    timezone: str | None,
) -> ScheduleResult:
    ctx.actor.require(Permission.SCHEDULE)
    interview = get(ctx, interview_id)
    if interview.status != "scheduled":
        raise InvalidInput(f"interview #{interview.id} is {interview.status}")
    tz = timezone or interview.timezone
    starts_at = parse_start(day, clock_time, tz)
    _check_future(ctx, starts_at)
    before = interview.starts_at
    tasks.cancel_pending(ctx, subject(interview))
    interview.starts_at, interview.timezone = starts_at, tz
    if duration_minutes is not None:
        interview.duration_minutes = duration_minutes
    interview.updated_at = ctx.clock.now()
    ctx.uow.flush()
    _plan_tasks(ctx, interview)
    applicant, _role = applicant_of(ctx, interview)
    panel = _panel_people(ctx, interview)
    warnings = _double_bookings(ctx, interview, [p for _, p in panel])
    audit.domain_event(
        ctx,
        "interview.rescheduled",
        f"{ctx.actor.name} moved interview #{interview.id} from {local_time(before, tz)} "
        f"to {local_time(starts_at, tz)}",
        applicant.id,
        interview_id=interview.id,
    )
    for _panelist, person in panel:
        people.tell(
            ctx,
            person,
            Reply(
                title=f"Interview #{interview.id} with {applicant.name} moved",
                text=f"Was {_when_for(ctx, person, before)}.",
                fields=_when_fields(ctx, interview, person),
            ),
            applicant_id=applicant.id,
        )
    return ScheduleResult(interview, warnings)


def cancel(ctx: Context, interview_id: int, reason: str) -> Interview:
    """Cancel; open feedback flows for it close and say so."""
    ctx.actor.require(Permission.SCHEDULE)
    interview = get(ctx, interview_id)
    if interview.status != "scheduled":
        raise InvalidInput(f"interview #{interview.id} is already {interview.status}")
    interview.status, interview.cancel_reason = "cancelled", reason.strip()[:2000]
    interview.updated_at = ctx.clock.now()
    tasks.cancel_pending(ctx, subject(interview))
    applicant, role = applicant_of(ctx, interview)
    for panelist, person in _panel_people(ctx, interview):
        tasks.cancel_pending(ctx, panelist_subject(panelist))
        if panelist.feedback_status == "pending":
            panelist.feedback_status = "cancelled"
        people.tell(
            ctx,
            person,
            Reply(
                title=f"Interview #{interview.id} with {applicant.name} is cancelled",
                text=f"It was {_when_for(ctx, person, interview.starts_at)}."
                + (f" Reason: {reason.strip()}" if reason.strip() else ""),
            ),
            applicant_id=applicant.id,
        )
    if ctx.flows is not None:
        ctx.flows.cancel_subject(
            ctx,
            subject(interview),
            "The interview was cancelled, so this feedback is closed.",
            applicant_id=interview.applicant_id,
        )
    audit.domain_event(
        ctx,
        "interview.cancelled",
        f"{ctx.actor.name} cancelled interview #{interview.id}"
        + (f": {reason.strip()}" if reason.strip() else ""),
        applicant.id,
        interview_id=interview.id,
    )
    _thread_line(ctx, applicant, role, f"Interview #{interview.id} cancelled")
    return interview


# -- scheduled work ------------------------------------------------------------------------------


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
    for panelist, person in _panel_people(ctx, interview):
        if panelist.feedback_status != "pending":
            continue
        fields = _when_fields(ctx, interview, person)
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
    for panelist, person in _panel_people(ctx, interview):
        if panelist.feedback_status != "pending" or panelist.requested_at is not None:
            continue
        panelist.requested_at = now
        tasks.schedule(
            ctx,
            REMIND,
            panelist_subject(panelist),
            now + timedelta(hours=settings.first_reminder_hours),
        )
        tasks.schedule(
            ctx,
            ESCALATE,
            panelist_subject(panelist),
            now + timedelta(hours=settings.escalation_hours),
        )
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


def remind(ctx: Context, task: ScheduledTask) -> str:
    """First nudge, within the interviewer's working hours, batching everything they owe."""
    panelist = _panelist_of(ctx, task)
    if panelist is None:
        return "skipped: feedback no longer pending"
    if panelist.reminded_at is not None:
        return "skipped: already reminded in a batch"
    now = ctx.clock.now()
    if panelist.snoozed_until and panelist.snoozed_until > now:
        return tasks.defer(ctx, task, panelist.snoozed_until, "snoozed")
    person = ctx.uow.people.by_id(panelist.person_id)
    if person is None:
        return "skipped: person gone"
    spec = ctx.catalog.person(person.key)
    opens = spec.working_hours.next_open(now, spec.timezone)
    if opens > now:
        return tasks.defer(ctx, task, opens, "outside working hours")
    owed = [
        p
        for p in ctx.uow.interviews.owed_by(person.id)
        if p.reminded_at is None and not (p.snoozed_until and p.snoozed_until > now)
    ]
    # One query for every applicant the batch names, instead of one per line below (held in
    # a name: the session keeps only objects something refers to).
    _applicants = ctx.uow.applicants.load([p.interview.applicant_id for p in owed])
    lines, actions = [], []
    for item in owed:
        applicant, role = applicant_of(ctx, item.interview)
        lines.append(
            f"Interview #{item.interview_id}: {applicant.name}, "
            f"{role.pipeline.label(item.interview.stage)}, "
            f"{_when_for(ctx, person, item.interview.starts_at)}"
        )
        actions.append(
            Action(
                id="feedback",
                label=f"Give feedback #{item.interview_id}",
                value=str(item.interview_id),
                style="primary",
            )
        )
        item.reminded_at = now
    # Every interview is listed; buttons stop at the channels' limit, the last two kept.
    room = MAX_ACTIONS - 2
    more = len(actions) - room
    actions = [
        *actions[:room],
        Action(id="feedback_snooze", label="Snooze a day", value=str(panelist.interview_id)),
        Action(id="feedback_absent", label="I didn't attend", value=str(panelist.interview_id)),
    ]
    count = len(owed)
    people.tell(
        ctx,
        person,
        Reply(
            title=f"Reminder: you owe feedback for {count} interview{'s' if count != 1 else ''}",
            text="Independent feedback while it is fresh helps the team decide well.",
            lines=lines,
            actions=actions,
            footer=f"Buttons for the first {room}; for the other {more}: feedback <interview id>"
            if more > 0
            else "",
        ),
        applicant_id=panelist.interview.applicant_id,
    )
    return f"reminded about {count}"


def escalate(ctx: Context, task: ScheduledTask) -> str:
    """Still missing: tell the hiring manager, batching everything late for their roles."""
    panelist = _panelist_of(ctx, task)
    if panelist is None:
        return "skipped: feedback no longer pending"
    if panelist.escalated_at is not None:
        return "skipped: already escalated in a batch"
    now = ctx.clock.now()
    applicant, role = applicant_of(ctx, panelist.interview)
    manager = people.row(ctx, role.hiring_manager)
    manager_spec = ctx.catalog.person(manager.key)
    opens = manager_spec.working_hours.next_open(now, manager_spec.timezone)
    if opens > now:
        return tasks.defer(ctx, task, opens, "outside the manager's working hours")
    due_before = now - timedelta(hours=ctx.catalog.interviews.escalation_hours)
    late = _late_for_manager(ctx, manager, due_before)
    lines = []
    for item, person, late_applicant in late:
        item.escalated_at = now
        lines.append(
            f"{person.name}: interview #{item.interview_id} with {late_applicant.name} "
            f"({_when_for(ctx, manager, item.interview.starts_at)})"
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
