"""Interview and feedback commands: schedule, reschedule, cancel, list; feedback and the panel."""

from __future__ import annotations

from bot.domain.errors import InvalidInput, NotFound
from bot.domain.interviews import RATINGS, RECOMMENDATIONS, parse_duration
from bot.domain.permissions import Permission
from bot.flows.feedback import FLOW, start_feedback
from bot.flows.schedule_interview import FLOW as SCHEDULE_FLOW
from bot.handlers.parsing import CommandLine, parse_id, parse_page, split_options
from bot.handlers.registry import Command, CommandSet
from bot.messages.format import cut_list, local_time
from bot.messages.reply import Reply, success
from bot.services import applicants as applicant_service
from bot.services import bookings, feedback_owed
from bot.services import feedback as feedback_service
from bot.services import interview_booking as booking
from bot.services import interviews as interview_service
from bot.services.context import Context
from storage.models import Applicant, FlowRun, Interview, Panelist

SCHEDULE_USAGE = (
    "schedule <applicant id> [<YYYY-MM-DD> <HH:MM> | slots=<YYYY-MM-DDTHH:MM>,…] "
    "[with=person,person [duration=1h] [stage=…] [tz=Area/City] [at=room or link] "
    "[notify_candidate=no]]"
)
COMMENT_PREVIEW = 1_500
UPCOMING_PAGE = 20


def _stage_label(ctx: Context, applicant: Applicant | None, key: str) -> str:
    """The stage's label in the applicant's role, as other replies show it (the key if the
    role is gone from the configuration)."""
    role = ctx.catalog.roles.get(applicant.role.key) if applicant else None
    return role.pipeline.label(key) if role else key


def _yes_no(value: str | None, name: str) -> bool:
    """An option that is on unless said otherwise (`notify_candidate=no`)."""
    if value is None or value.lower() in {"yes", "true", "on", "1"}:
        return True
    if value.lower() in {"no", "false", "off", "0"}:
        return False
    raise InvalidInput(f"{name} is yes or no, not '{value[:40]}'")


def _schedule(ctx: Context, applicant_id: int, rest: list[str]) -> list[Reply]:
    positional, options = split_options(
        rest, {"with", "duration", "stage", "tz", "at", "slots", "notify_candidate"}
    )
    if "slots" in options:
        if positional:
            raise InvalidInput(f"give a day and time or slots=…, not both; usage: {SCHEDULE_USAGE}")
        return _offer(ctx, applicant_id, options)
    if len(positional) != 2:
        raise InvalidInput(f"usage: {SCHEDULE_USAGE}")
    result = booking.schedule(
        ctx,
        applicant_id,
        day=positional[0],
        clock_time=positional[1],
        duration_minutes=parse_duration(options.get("duration", "1h")),
        interviewer_keys=[k for k in options.get("with", "").split(",") if k.strip()],
        stage_word=options.get("stage"),
        timezone=options.get("tz"),
        location=options.get("at", ""),
        notify_candidate=_yes_no(options.get("notify_candidate"), "notify_candidate"),
    )
    interview = result.interview
    lines = []
    for panelist in interview.panelists:
        person = ctx.uow.people.by_id(panelist.person_id)
        if person is not None:
            tz = ctx.catalog.person(person.key).timezone
            lines.append(f"{person.name}: {local_time(interview.starts_at, tz)}")
    lines += [f"⚠ {w}" for w in result.warnings]
    if result.invited:
        lines.append(f"Calendar invitations e-mailed: {result.invited}")
    return [
        success(
            f"Interview #{interview.id} scheduled for "
            f"{local_time(interview.starts_at, ctx.actor.timezone)} "
            f"({interview.duration_minutes} min). Interviewers get a prep message "
            f"{ctx.catalog.interviews.prep_before_minutes} minutes before and a feedback request "
            "when it ends.",
            lines=lines,
        )
    ]


def _offer(ctx: Context, applicant_id: int, options: dict[str, str]) -> list[Reply]:
    """`slots=`: the candidate picks one of these times on the booking page."""
    offered = bookings.offer(
        ctx,
        applicant_id,
        slots=options["slots"],
        duration_minutes=parse_duration(options.get("duration", "1h")),
        interviewer_keys=[k for k in options.get("with", "").split(",") if k.strip()],
        stage_word=options.get("stage"),
        timezone=options.get("tz"),
        location=options.get("at", ""),
    )
    return [bookings.offered_reply(offered, applicant_id)]


def schedule(ctx: Context, line: CommandLine) -> list[Reply]:
    words = line.tokens()
    applicant_id = parse_id(words[0] if words else None, SCHEDULE_USAGE)
    if len(words) == 1:
        return start_guided_schedule(ctx, applicant_id)
    return _schedule(ctx, applicant_id, words[1:])


def start_guided_schedule(ctx: Context, applicant_id: int) -> list[Reply]:
    """`schedule <id>` alone asks step by step, in a private conversation."""
    ctx.actor.require(Permission.SCHEDULE)
    applicant = applicant_service.get(ctx, applicant_id)
    if not ctx.private or ctx.flows is None or ctx.actor.person_id is None:
        raise InvalidInput(
            f"usage: {SCHEDULE_USAGE} — or send 'schedule {applicant.id}' to me in a direct "
            "message to be asked step by step"
        )
    return [
        ctx.flows.start_here(
            ctx,
            SCHEDULE_FLOW,
            subject=f"applicant:{applicant.id}",
            data={"applicant_id": applicant.id},
        )
    ]


def schedule_action(ctx: Context, value: str, text: str | None) -> list[Reply]:
    """The card's Schedule interview button: the adapter collected the details as text."""
    if not text:
        raise InvalidInput(f"usage: {SCHEDULE_USAGE}")
    return _schedule(ctx, parse_id(value, SCHEDULE_USAGE), CommandLine("schedule", text).tokens())


def reschedule(ctx: Context, line: CommandLine) -> list[Reply]:
    usage = "reschedule <interview id> <YYYY-MM-DD> <HH:MM> [duration=45m] [tz=Area/City]"
    positional, options = split_options(line.tokens(), {"duration", "tz"})
    if len(positional) != 3:
        raise InvalidInput(f"usage: {usage}")
    result = booking.reschedule(
        ctx,
        parse_id(positional[0], usage),
        day=positional[1],
        clock_time=positional[2],
        duration_minutes=parse_duration(options["duration"]) if "duration" in options else None,
        timezone=options.get("tz"),
    )
    when = local_time(result.interview.starts_at, ctx.actor.timezone)
    return [
        success(
            f"Interview #{result.interview.id} moved to {when}; the panel is told.",
            lines=[f"⚠ {w}" for w in result.warnings],
        )
    ]


def cancel_interview(ctx: Context, line: CommandLine) -> list[Reply]:
    head, reason = line.head_and_text(1)
    interview = booking.cancel(
        ctx, parse_id(head[0] if head else None, "cancel-interview <id> [reason]"), reason
    )
    return [success(f"Interview #{interview.id} cancelled; the panel is told.")]


def interviews(ctx: Context, line: CommandLine) -> list[Reply]:
    """Upcoming interviews: yours (a page at a time), or one applicant's."""
    words, options = split_options(line.tokens(), {"page"})
    now = ctx.clock.now()
    rows: list[Interview]
    total, see, offset = 0, "", 0
    if words:
        applicant = applicant_service.get(ctx, parse_id(words[0], "interviews [applicant id]"))
        rows = list(ctx.uow.interviews.for_applicant(applicant.id))
        title = f"Interviews of #{applicant.id} {applicant.name}"
    else:
        if ctx.actor.person_id is None:
            raise NotFound("you are not in the people directory")
        page = parse_page(options.get("page"))
        offset = (page - 1) * UPCOMING_PAGE
        rows = list(
            ctx.uow.interviews.upcoming_for_person(
                ctx.actor.person_id, now, UPCOMING_PAGE, offset=offset
            )
        )
        total = ctx.uow.interviews.count_upcoming_for_person(ctx.actor.person_id, now)
        see = f"interviews page={page + 1}"
        title = "Your upcoming interviews"
    names = ctx.uow.people.names(p.person_id for i in rows for p in i.panelists)
    lines = []
    for interview in rows:
        subject = ctx.uow.applicants.get(interview.applicant_id)
        panel = ", ".join(names.get(p.person_id, "?") for p in interview.panelists)
        status = "" if interview.status == "scheduled" else f" [{interview.status}]"
        who = subject.name if subject else "?"
        stage = _stage_label(ctx, subject, interview.stage)
        lines.append(
            f"#{interview.id} {local_time(interview.starts_at, ctx.actor.timezone)} · {who} · "
            f"{stage} · {panel}{status}"
        )
    return [Reply(title=title, lines=cut_list(lines, total - offset, see) or ["none"])]


def _own_panelist(ctx: Context, interview_id: int) -> tuple[Interview, Panelist]:
    interview = interview_service.get(ctx, interview_id)
    panelist = (
        ctx.uow.interviews.panelist(interview.id, ctx.actor.person_id)
        if ctx.actor.person_id is not None
        else None
    )
    if panelist is None:
        raise InvalidInput(f"you are not on the panel of interview #{interview.id}")
    return interview, panelist


def _open_run(ctx: Context, interview: Interview) -> FlowRun | None:
    if ctx.actor.person_id is None:
        return None
    runs = ctx.uow.flow_runs.open_about(
        interview_service.subject(interview), person_id=ctx.actor.person_id, flow=FLOW
    )
    return runs[0] if runs else None


def give_feedback(ctx: Context, interview_id: int) -> list[Reply]:
    interview, panelist = _own_panelist(ctx, interview_id)
    if interview.status != "scheduled":
        raise InvalidInput(f"interview #{interview.id} was {interview.status}; no feedback needed")
    if panelist.feedback_status == "submitted":
        return [Reply(text=f"Your feedback for interview #{interview.id} is already in.")]
    if interview.starts_at > ctx.clock.now():
        when = local_time(interview.starts_at, ctx.actor.timezone)
        raise InvalidInput(f"interview #{interview.id} has not started yet ({when})")
    assert ctx.flows is not None
    run = _open_run(ctx, interview)
    if run is not None:
        return [ctx.flows.resume(ctx, run)]
    person = ctx.uow.people.by_id(panelist.person_id)
    assert person is not None
    panelist.feedback_status = "pending"
    started = start_feedback(ctx, interview, panelist, person, send=False)
    if started is None:
        raise NotFound("that interview's applicant is gone")
    return [started]


def feedback(ctx: Context, line: CommandLine) -> list[Reply]:
    """What you owe (with one tap to start or resume each), or one interview's feedback."""
    words = line.tokens()
    if words:
        return give_feedback(ctx, parse_id(words[0], "feedback [interview id]"))
    if ctx.actor.person_id is None:
        raise NotFound("you are not in the people directory")
    owed = ctx.uow.interviews.owed_by(ctx.actor.person_id)
    if not owed:
        return [Reply(text="You owe no feedback. Thank you!")]
    me = ctx.uow.people.by_id(ctx.actor.person_id)
    if me is None:
        raise NotFound("you are not in the people directory")
    return [feedback_owed.owed_reply(ctx, me, owed, title=feedback_owed.heading(len(owed)))]


def feedback_action(ctx: Context, value: str, _input: str | None) -> list[Reply]:
    return give_feedback(ctx, parse_id(value, "feedback"))


def snooze_action(ctx: Context, value: str, _input: str | None) -> list[Reply]:
    interview, _panelist = _own_panelist(ctx, parse_id(value, "snooze"))
    assert ctx.flows is not None
    run = _open_run(ctx, interview)
    if run is None:
        return [Reply(text=f"Nothing open for interview #{interview.id}.")]
    until = feedback_service.snooze(ctx, run)
    ctx.flows.pause(ctx, run)
    return [Reply(text=f"Snoozed until {local_time(until, ctx.actor.timezone)}.")]


def absent_action(ctx: Context, value: str, _input: str | None) -> list[Reply]:
    interview, panelist = _own_panelist(ctx, parse_id(value, "absent"))
    if panelist.feedback_status != "pending":
        return [
            Reply(
                text=f"Interview #{interview.id}: nothing to change ({panelist.feedback_status})."
            )
        ]
    assert ctx.flows is not None
    run = _open_run(ctx, interview)
    if run is not None:
        ctx.flows.cancel(ctx, run)
    return feedback_service.mark_absent(ctx, interview.id, panelist.id, panelist.person_id)


def panel(ctx: Context, line: CommandLine) -> list[Reply]:
    """Every interviewer's feedback in full, for those allowed to see it."""
    words = line.tokens()
    applicant = applicant_service.get(
        ctx, parse_id(words[0] if words else None, "panel <applicant id>")
    )
    view = feedback_service.panel(ctx, applicant)
    if not view.visible:
        raise InvalidInput(
            "you will see the other interviewers' feedback once you have submitted yours"
        )
    role = applicant_service.role_of(ctx, applicant)
    names = {c.key: c.name for c in role.scorecard}
    replies = [_panel_summary(applicant.id, applicant.name, view)]
    for fb, who in view.feedback:
        lines = [
            f"{names.get(k, k)}: {RATINGS.get(str(r.get('score')), '—')}"
            + (f" — {r['comment']}" if r.get("comment") else "")
            for k, r in fb.ratings.items()
        ]
        lines += [f"Strengths: {fb.strengths or '—'}", f"Concerns: {fb.concerns or '—'}"]
        replies.append(
            Reply(
                title=f"{who} · interview #{fb.interview_id} · "
                f"{RECOMMENDATIONS.get(fb.recommendation, '—')}",
                lines=lines,
            )
        )
    return replies


def _panel_summary(applicant_id: int, name: str, view: feedback_service.PanelView) -> Reply:
    lines = [f"{k}: {v:.1f} / 4" for k, v in sorted(view.averages.items())]
    recs = ", ".join(f"{k} ×{v}" for k, v in view.recommendations.items()) or "none yet"
    return Reply(
        title=f"Panel for #{applicant_id} {name}",
        lines=[
            f"Recommendations: {recs}",
            *lines,
            f"Outstanding: {', '.join(view.outstanding) or 'nobody'}",
            f"Not rated by anyone yet: {', '.join(view.unrated) or 'none'}",
        ],
    )


def panel_lines(ctx: Context, applicant_id: int, name: str) -> list[str]:
    """The panel section of `show`, respecting independence."""
    applicant = ctx.uow.applicants.get(applicant_id)
    if applicant is None:
        return []
    view = feedback_service.panel(ctx, applicant)
    if view.interviews == 0:
        return []
    if not view.visible:
        return [
            f"Panel: {len(view.outstanding)} interviewer(s) outstanding; "
            "feedback is hidden until you submit yours"
        ]
    return [f"Panel · {line}" for line in _panel_summary(applicant_id, name, view).lines]


def register(commands: CommandSet) -> None:
    change, view = Permission.SCHEDULE, Permission.VIEW
    commands.add(
        Command(
            "schedule",
            SCHEDULE_USAGE,
            "schedule an interview",
            schedule,
            change,
            examples=(
                "schedule 12 2026-11-25 15:00 with=hina,lucas duration=1h at=https://meet.example/abc",
                "schedule 12 slots=2026-12-07T10:00,2026-12-07T15:00 with=hina,lucas",
            ),
        )
    )
    commands.add(
        Command(
            "reschedule",
            "reschedule <interview id> <YYYY-MM-DD> <HH:MM> [duration=…] [tz=…]",
            "move an interview",
            reschedule,
            change,
        )
    )
    commands.add(
        Command(
            "cancel-interview",
            "cancel-interview <interview id> [reason]",
            "cancel an interview",
            cancel_interview,
            change,
            aliases=("unschedule",),
        )
    )
    commands.add(
        Command(
            "interviews",
            "interviews [applicant id | page=N]",
            "upcoming interviews",
            interviews,
            view,
        )
    )
    commands.add(
        Command(
            "feedback", "feedback [interview id]", "feedback you owe; start or resume one", feedback
        )
    )
    commands.add(
        Command("panel", "panel <applicant id>", "every interviewer's feedback", panel, view)
    )
    commands.add_action("schedule", schedule_action)
    commands.add_action("feedback", feedback_action)
    commands.add_action("feedback_snooze", snooze_action)
    commands.add_action("feedback_absent", absent_action)
