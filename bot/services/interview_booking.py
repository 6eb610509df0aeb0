"""Interview use cases: schedule, reschedule, cancel. Each checks the caller's permission,
changes the interview, plans or withdraws its follow-ups (`interview_followups`), tells the
panel and records a domain event. Callers commit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.catalog import RoleSpec
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.interviews import parse_start
from bot.domain.permissions import Permission
from bot.domain.stages import Stage
from bot.domain.suggest import did_you_mean
from bot.messages.cards import card_key
from bot.messages.format import interview_name, local_time
from bot.messages.reply import Reply
from bot.services import absence, audit, interview_followups, invitations, outbox, people
from bot.services import applicants as applicant_service
from bot.services.context import Context
from bot.services.interviews import (
    applicant_of,
    ends,
    get,
    panel_people,
    subject,
    when_fields,
    when_for,
)
from bot.services.notify import role_destinations
from storage.models import Applicant, Interview, Panelist, Person

LOCATION_MAX = 500


@dataclass
class ScheduleResult:
    interview: Interview
    warnings: list[str] = field(default_factory=list)
    invited: int = 0  # calendar invitations e-mailed (services/invitations.py)


def interviewers(ctx: Context, keys: Sequence[str]) -> list[Person]:
    """The panel by person keys, each once; NotFound naming an unknown one."""
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


def check_location(location: str) -> str:
    location = location.strip()
    if len(location) > LOCATION_MAX:
        raise InvalidInput(f"the location is {len(location):,} characters; at most {LOCATION_MAX}")
    return location


def _double_bookings(ctx: Context, interview: Interview, panel: Sequence[Person]) -> list[str]:
    warnings = []
    for person in panel:
        for other in ctx.uow.interviews.overlapping(
            person.id, interview.starts_at, ends(interview), exclude=interview.id
        ):
            tz = ctx.catalog.person(person.key).timezone
            warnings.append(
                f"{person.name} is already on interview #{other.id} at "
                f"{local_time(other.starts_at, tz)}: double-booked"
            )
    return warnings


def interview_stage(
    ctx: Context, applicant_id: int, stage_word: str | None
) -> tuple[Applicant, RoleSpec, Stage]:
    """Whom the interview is with and for which stage: the one `stage=` names, else the next
    one interviews are held in. Shared with offered times (bookings), checked alike."""
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
    return applicant, role, stage


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
    notify_candidate: bool = True,
) -> ScheduleResult:
    ctx.actor.require(Permission.SCHEDULE)
    applicant, role, stage = interview_stage(ctx, applicant_id, stage_word)
    tz = timezone or ctx.actor.timezone
    starts_at = parse_start(day, clock_time, tz)
    _check_future(ctx, starts_at)
    panel = interviewers(ctx, interviewer_keys)
    now = ctx.clock.now()
    interview = Interview(
        applicant_id=applicant.id,
        stage=stage.key,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        timezone=tz,
        location=check_location(location),
        status="scheduled",
        cancel_reason="",
        sequence=0,
        notify_candidate=notify_candidate,
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
    warnings += absence.scheduling_warnings(ctx, panel, starts_at)
    interview_followups.plan(ctx, interview)
    names = ", ".join(p.name for p in panel)
    _announce(
        ctx,
        interview,
        applicant,
        panel,
        (
            "interview.scheduled",
            f"{ctx.actor.name} scheduled "
            f"{interview_name(stage.label, article=True)} (#{interview.id}) with {names} "
            f"for {local_time(starts_at, tz)}",
        ),
        f"Interview #{interview.id}: {applicant.name} ({role.title})",
        lambda _person: f"You are on the panel for the {interview_name(stage.label)}.",
    )
    _thread_line(
        ctx, applicant, role, f"{interview_name(stage.label).capitalize()} scheduled with {names}"
    )
    invited = invitations.send(ctx, interview, applicant, role, "scheduled")
    return ScheduleResult(interview, warnings, invited)


def _announce(
    ctx: Context,
    interview: Interview,
    applicant: Applicant,
    panel: Sequence[Person],
    event: tuple[str, str],
    title: str,
    text: Callable[[Person], str],
) -> None:
    """A new or moved interview: the domain `event` (kind, summary) recorded, and each
    panelist told in a private message, with its time in their own timezone (which is why
    the text is made per person)."""
    audit.domain_event(ctx, *event, applicant.id, interview_id=interview.id)
    for person in panel:
        people.tell(
            ctx,
            person,
            Reply(title=title, text=text(person), fields=when_fields(ctx, interview, person)),
            applicant_id=applicant.id,
        )


def _thread_line(ctx: Context, applicant: Applicant, role: RoleSpec, text: str) -> None:
    for destination in role_destinations(ctx, role):
        outbox.enqueue(
            ctx,
            destination,
            Reply(text=text, private=False),
            thread_card_key=card_key(applicant.id),
            applicant_id=applicant.id,
        )


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
    interview_followups.withdraw(ctx, interview)
    interview.starts_at, interview.timezone = starts_at, tz
    if duration_minutes is not None:
        interview.duration_minutes = duration_minutes
    interview.updated_at = ctx.clock.now()
    interview.sequence += 1
    ctx.uow.flush()
    interview_followups.plan(ctx, interview)
    applicant, role = applicant_of(ctx, interview)
    panel = panel_people(ctx, interview)
    warnings = _double_bookings(ctx, interview, [p for _, p in panel])
    warnings += absence.scheduling_warnings(ctx, [p for _, p in panel], starts_at)
    _announce(
        ctx,
        interview,
        applicant,
        [p for _, p in panel],
        (
            "interview.rescheduled",
            f"{ctx.actor.name} moved interview #{interview.id} from "
            f"{local_time(before, tz)} to {local_time(starts_at, tz)}",
        ),
        f"Interview #{interview.id} with {applicant.name} moved",
        lambda person: f"Was {when_for(ctx, person, before)}.",
    )
    invited = invitations.send(
        ctx, interview, applicant, role, "rescheduled", previous_start=before
    )
    return ScheduleResult(interview, warnings, invited)


def cancel(ctx: Context, interview_id: int, reason: str) -> Interview:
    """Cancel; open feedback flows for it close and say so."""
    ctx.actor.require(Permission.SCHEDULE)
    interview = get(ctx, interview_id)
    if interview.status != "scheduled":
        raise InvalidInput(f"interview #{interview.id} is already {interview.status}")
    interview.status, interview.cancel_reason = "cancelled", reason.strip()[:2000]
    interview.updated_at = ctx.clock.now()
    interview.sequence += 1
    interview_followups.withdraw(ctx, interview)
    applicant, role = applicant_of(ctx, interview)
    for panelist, person in panel_people(ctx, interview):
        interview_followups.withdraw_chasing(ctx, panelist)
        if panelist.feedback_status == "pending":
            panelist.feedback_status = "cancelled"
        people.tell(
            ctx,
            person,
            Reply(
                title=f"Interview #{interview.id} with {applicant.name} is cancelled",
                text=f"It was {when_for(ctx, person, interview.starts_at)}."
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
    invitations.send(ctx, interview, applicant, role, "cancelled")
    return interview
