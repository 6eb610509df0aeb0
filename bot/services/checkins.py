"""Check-ins with new hires and contractors: recurring questions (progress against milestones,
blockers, scope changes, communication) answered through a flow and summarised to the manager.
Skip, snooze and pause (vacation) are supported. Check-ins begin on the start date of the
accepted offer (when there is one), and the 30/60/90-day ones count from it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import InvalidInput, NotFound
from bot.domain.permissions import Permission
from bot.domain.stages import StageKind
from bot.domain.trackers import Purpose, reports_something
from bot.messages.format import cut, local_time
from bot.messages.reply import Reply
from bot.services import absence, audit, people, tasks, trackers
from bot.services import applicants as applicant_service
from bot.services.context import Context
from storage.models import Checkin, CheckinResponse, FlowRun, Person, ScheduledTask

CHECKIN = "checkin"
ANSWER_PREVIEW = 600


@dataclass(frozen=True)
class Milestone:
    title: str
    due: date


def parse_milestones(text: str) -> list[Milestone]:
    """'Design doc:2026-12-15; API v1:2027-01-31' -> milestones with deadlines."""
    out = []
    for part in (p.strip() for p in text.split(";") if p.strip()):
        title, sep, day = part.rpartition(":")
        if not sep or not title.strip():
            raise InvalidInput(f"milestone '{part[:60]}' should look like 'Title:YYYY-MM-DD'")
        try:
            due = date.fromisoformat(day.strip())
        except ValueError as exc:
            raise InvalidInput(f"'{day.strip()[:20]}' is not a date (YYYY-MM-DD)") from exc
        out.append(Milestone(title.strip()[:120], due))
    return out


@dataclass(frozen=True)
class Started:
    """A new series of check-ins, and the day it begins in the hire's timezone: the start
    date on the accepted offer when there is one (milestone check-ins count from it too)."""

    checkin: Checkin
    first_day: date
    from_offer: bool
    later: bool  # the first day is still to come: nothing is asked before it


def start(ctx: Context, applicant_id: int, person_key: str, milestones: list[Milestone]) -> Started:
    ctx.actor.require(Permission.CHECKIN)
    applicant = applicant_service.get(ctx, applicant_id)
    role = applicant_service.role_of(ctx, applicant)
    if role.pipeline.get(applicant.stage).kind is not StageKind.HIRED:
        raise InvalidInput(f"#{applicant.id} is not hired yet; check-ins start after hiring")
    person = people.row(ctx, person_key)
    running = ctx.uow.checkins.running_for(applicant.id)
    existing = running[0] if running else None
    if existing is not None:
        raise InvalidInput(f"check-ins for #{applicant.id} already run (check-in #{existing.id})")
    manager = people.row(ctx, role.hiring_manager)
    now = ctx.clock.now()
    tz = ZoneInfo(ctx.catalog.person(person.key).timezone)
    today = now.astimezone(tz).date()
    offer = ctx.uow.offers.latest_accepted(applicant.id)
    first_day = offer.start_date if offer is not None else today
    later = first_day > today
    checkin = Checkin(
        applicant_id=applicant.id,
        person_id=person.id,
        manager_id=manager.id,
        status="active",
        milestones=[{"title": m.title, "due": m.due.isoformat()} for m in milestones],
        # the weekly series is planned from here (bot/scheduling/recurring.py)
        started_at=datetime.combine(first_day, time(0), tz) if later else now,
        created_by_id=ctx.actor.person_id,
    )
    ctx.uow.checkins.add(checkin)
    ctx.uow.flush()
    settings = ctx.catalog.schedules
    for days in settings.milestone_days:
        due_at = datetime.combine(first_day + timedelta(days=days), settings.hire_checkin_time, tz)
        if due_at <= now:
            continue  # a start date long past: that milestone's moment is gone
        tasks.schedule(
            ctx, CHECKIN, f"checkin:{checkin.id}", due_at, key=f"checkin:{checkin.id}:day-{days}"
        )
    audit.domain_event(
        ctx,
        "checkin.started",
        f"{ctx.actor.name} started check-ins with {person.name} (manager {manager.name})"
        + (f", from {first_day.isoformat()}" if later else ""),
        applicant.id,
    )
    begins = f" They begin on {first_day.isoformat()}, your start date." if later else ""
    people.tell(
        ctx,
        person,
        Reply(
            title="Welcome aboard!",
            text=f"{manager.name} will get a short summary of regular check-ins from me: progress, "
            "blockers, scope changes and how communication is going. You can skip or snooze any "
            f"of them.{begins}",
            lines=[f"Milestone: {m.title} by {m.due.isoformat()}" for m in milestones],
        ),
        applicant_id=applicant.id,
    )
    return Started(checkin, first_day, offer is not None, later)


def first_day(ctx: Context, checkin: Checkin) -> date | None:
    """The day a series of check-ins begins, while it is still to come (else None)."""
    tz = ZoneInfo(ctx.catalog.person(_person_key(ctx, checkin.person_id)).timezone)
    return (
        checkin.started_at.astimezone(tz).date() if checkin.started_at > ctx.clock.now() else None
    )


def paused_until(ctx: Context, checkin: Checkin) -> date | None:
    """The day a pause ends, as it was typed: the date in the hire's timezone."""
    if checkin.paused_until is None:
        return None
    tz = ZoneInfo(ctx.catalog.person(_person_key(ctx, checkin.person_id)).timezone)
    return checkin.paused_until.astimezone(tz).date()


def get(ctx: Context, checkin_id: int) -> Checkin:
    return ctx.found(ctx.uow.checkins.get(checkin_id), f"no check-in #{checkin_id}")


def _may_change(ctx: Context, checkin: Checkin) -> None:
    if ctx.actor.person_id not in {checkin.person_id, checkin.manager_id}:
        ctx.actor.require(Permission.CHECKIN)


def pause(ctx: Context, checkin_id: int, until: date | None) -> Checkin:
    checkin = get(ctx, checkin_id)
    _may_change(ctx, checkin)
    if checkin.status == "ended":
        raise InvalidInput(f"check-in #{checkin.id} has ended")
    checkin.status = "paused"
    if until is not None:
        # "until the 10th" resumes on the 10th: midnight starting it, in the hire's timezone
        tz = ZoneInfo(ctx.catalog.person(_person_key(ctx, checkin.person_id)).timezone)
        if until <= ctx.clock.now().astimezone(tz).date():
            raise InvalidInput("pause until a date in the future")
        checkin.paused_until = datetime.combine(until, time(0), tz)
    else:
        checkin.paused_until = None
    return checkin


def resume(ctx: Context, checkin_id: int) -> Checkin:
    checkin = get(ctx, checkin_id)
    _may_change(ctx, checkin)
    if checkin.status == "ended":
        raise InvalidInput(f"check-in #{checkin.id} has ended")
    checkin.status, checkin.paused_until = "active", None
    return checkin


def end(ctx: Context, checkin_id: int) -> Checkin:
    checkin = get(ctx, checkin_id)
    _may_change(ctx, checkin)
    checkin.status = "ended"
    tasks.cancel_pending(ctx, f"checkin:{checkin.id}")
    return checkin


def _person_key(ctx: Context, person_id: int) -> str:
    person = ctx.uow.people.by_id(person_id)
    if person is None:
        raise NotFound("that person is gone")
    return person.key


@dataclass(frozen=True)
class Due:
    checkin: Checkin
    person: Person
    occasion: str  # "weekly", or a milestone such as "day-30"


def due(ctx: Context, task: ScheduledTask) -> Due | str:
    """A check-in is due: whom to ask and on what occasion, or why not now (ended, paused, not
    begun, quiet hours, the previous one still open). The check-in flow asks them
    (`bot/flows/checkin.py` `ask_when_due`)."""
    checkin = ctx.uow.checkins.get(int(task.subject.split(":", 1)[1]))
    if checkin is None or checkin.status == "ended":
        return "skipped: ended"
    now = ctx.clock.now()
    if checkin.started_at > now:
        return f"skipped: check-ins begin {checkin.started_at.isoformat()}"
    if checkin.status == "paused":
        if checkin.paused_until is None or checkin.paused_until > now:
            return "skipped: paused"
        checkin.status, checkin.paused_until = "active", None
    ctx.touch(checkin.applicant_id)
    person = ctx.uow.people.by_id(checkin.person_id)
    if person is None:
        return "skipped: person gone"
    deferred = tasks.hold_for_quiet_hours(ctx, task, ctx.catalog.person(person.key))
    if deferred:
        return deferred
    if ctx.uow.flow_runs.open_about(f"checkin:{checkin.id}"):
        return "skipped: the previous check-in is still open"
    milestone = re.search(r":(day-\d+)", task.key)  # also when deferred (key gets a suffix)
    back = absence.away_until(person, now)
    if back is not None:  # away: a weekly one is skipped, a milestone's waits for them
        return tasks.defer(ctx, task, back, "away") if milestone else "skipped: away"
    occasion = milestone.group(1) if milestone else "weekly"
    return Due(checkin, person, occasion)


def record(ctx: Context, run: FlowRun, status: str) -> Reply:
    """Store the answers (or the skip) and summarise them to the manager."""
    checkin = get(ctx, int(run.data["checkin_id"]))
    now = ctx.clock.now()
    answers = dict(run.data.get("answers", {}))
    ctx.uow.checkins.add_response(
        CheckinResponse(
            checkin_id=checkin.id,
            occasion=str(run.data.get("occasion", "weekly")),
            status=status,
            answers=answers,
            answered_at=now,
        )
    )
    person = ctx.uow.people.by_id(checkin.person_id)
    manager = ctx.uow.people.by_id(checkin.manager_id)
    name = person.name if person else "?"
    audit.domain_event(
        ctx, f"checkin.{status}", f"{name} {status} a check-in", checkin.applicant_id
    )
    if status == "skipped" or manager is None:
        return Reply(text="Skipped this one. See you next time!")
    questions = dict(ctx.catalog.schedules.checkin_questions)
    lines = [
        f"{questions.get(key, key)} — {cut(text, ANSWER_PREVIEW) if text else '(no answer)'}"
        for key, text in answers.items()
    ]
    reported = _report_to_tracker(ctx, checkin, answers)
    people.tell(
        ctx,
        manager,
        Reply(
            title=f"Check-in from {name} ({run.data.get('occasion', 'weekly')})",
            text=f"Answered {local_time(now, ctx.catalog.person(manager.key).timezone)}.",
            lines=lines + milestone_lines(ctx, checkin) + reported,
        ),
        applicant_id=checkin.applicant_id,
    )
    return Reply(kind="success", text=f"Thanks! {manager.name} gets a summary.")


# Which check-in answers report something the tracker should hold, and as what.
REPORTED = {"scope": Purpose.SCOPE_CHANGE, "blockers": Purpose.BLOCKER}


def milestone_lines(ctx: Context, checkin: Checkin) -> list[str]:
    """The hire's milestones with their state (done, due soon, late) and link, as the
    tracker last reported them; the check-in's own list when nothing is tracked."""
    applicant = ctx.uow.applicants.get(checkin.applicant_id)
    items = ctx.uow.tracker_items.for_applicant(checkin.applicant_id, Purpose.MILESTONE.value)
    if applicant is None or not items:
        return [f"Milestone: {m['title']} by {m['due']}" for m in checkin.milestones]
    return [
        f"Milestone {v.number}: {v.title}"
        + (f" by {v.due.isoformat()}" if v.due else "")
        + f" — {v.state.value}"
        + (f" · {v.url}" if v.url else "")
        for v in trackers.views(ctx, applicant, items)
    ]


def _report_to_tracker(ctx: Context, checkin: Checkin, answers: dict[str, str]) -> list[str]:
    """A scope change or a blocker in the answers becomes an item (labelled as such); the
    manager's summary says so."""
    lines = []
    for key, purpose in REPORTED.items():
        answer = str(answers.get(key) or "")
        if reports_something(answer):
            item = trackers.report_from_checkin(ctx, checkin.applicant_id, purpose, answer)
            if item is not None:
                where = f"an item in {item.kind}" if item.kind else "an item"
                lines.append(f"Recorded as {where} labelled {purpose.value}: {item.title}")
    return lines
