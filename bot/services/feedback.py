"""Feedback use cases: submit, didn't attend, snooze, and the panel view with its
independence rule (until you have submitted, you do not see the others' feedback)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.catalog import RoleSpec
from bot.domain.errors import NotFound
from bot.domain.interviews import RATINGS, RECOMMENDATIONS
from bot.domain.permissions import Permission
from bot.messages.cards import card_key
from bot.messages.format import cut, interview_name, local_time
from bot.messages.reply import Field, Reply, success
from bot.services import applicants as applicant_service
from bot.services import audit, interview_followups, outbox, people
from bot.services.context import Context
from bot.services.notify import role_destinations
from storage.models import Applicant, Feedback, FlowRun, Interview, Panelist, Person

SUMMARY_PREVIEW = 500


def role_for(ctx: Context, applicant_id: int) -> RoleSpec:
    applicant = ctx.uow.applicants.get(applicant_id)
    if applicant is None:
        raise NotFound(f"no applicant #{applicant_id}")
    return applicant_service.role_of(ctx, applicant)


def _parts(ctx: Context, run: FlowRun) -> tuple[Interview, Panelist, Applicant, RoleSpec, Person]:
    return _load(ctx, int(run.data["interview_id"]), int(run.data["panelist_id"]), run.person_id)


def _load(
    ctx: Context, interview_id: int, panelist_id: int, person_id: int
) -> tuple[Interview, Panelist, Applicant, RoleSpec, Person]:
    interview = ctx.uow.interviews.get(interview_id)
    panelist = ctx.uow.interviews.panelist_by_id(panelist_id, for_update=True)
    person = ctx.uow.people.by_id(person_id)
    if interview is None or panelist is None or person is None:
        raise NotFound("that interview no longer exists")
    applicant = ctx.uow.applicants.get(interview.applicant_id)
    if applicant is None:
        raise NotFound("that applicant no longer exists")
    ctx.touch(applicant.id)
    return interview, panelist, applicant, applicant_service.role_of(ctx, applicant), person


def interview_summary(ctx: Context, run: FlowRun) -> str:
    interview, _panelist, applicant, role, person = _parts(ctx, run)
    when = local_time(interview.starts_at, ctx.catalog.person(person.key).timezone)
    return (
        f"How did the {interview_name(role.pipeline.label(interview.stage))} with {applicant.name} "
        f"({role.title}, #{interview.id}, {when}) go?"
    )


def mark_absent_run(ctx: Context, run: FlowRun) -> list[Reply]:
    return mark_absent(
        ctx, int(run.data["interview_id"]), int(run.data["panelist_id"]), run.person_id
    )


def mark_absent(ctx: Context, interview_id: int, panelist_id: int, person_id: int) -> list[Reply]:
    interview, panelist, applicant, role, person = _load(ctx, interview_id, panelist_id, person_id)
    panelist.feedback_status = "not_attended"
    interview_followups.withdraw_chasing(ctx, panelist)
    audit.domain_event(
        ctx,
        "feedback.not_attended",
        f"{person.name} did not attend interview #{interview.id}",
        applicant.id,
        interview_id=interview.id,
    )
    recruiter = people.row(ctx, role.recruiter)
    people.tell(
        ctx,
        recruiter,
        Reply(
            text=f"{person.name} says they did not attend interview #{interview.id} "
            f"with {applicant.name}."
        ),
        applicant_id=applicant.id,
    )
    return [
        Reply(
            text=f"Noted: you did not attend interview #{interview.id}. {recruiter.name} is told."
        )
    ]


def snooze(ctx: Context, run: FlowRun) -> datetime:
    _interview, panelist, _applicant, _role, _person = _parts(ctx, run)
    until = ctx.clock.now() + timedelta(hours=ctx.catalog.interviews.snooze_hours)
    panelist.snoozed_until = until
    panelist.reminded_at = None  # a snoozed reminder comes back once the snooze is over
    interview_followups.remind_later(ctx, panelist, until)
    return until


def submit(ctx: Context, run: FlowRun) -> list[Reply]:
    """Store the scorecard once; tell the hiring manager and recruiter; a line in the thread."""
    interview, panelist, applicant, role, person = _parts(ctx, run)
    if ctx.uow.interviews.feedback(interview.id, person.id) is not None:
        return [
            Reply(
                text=f"Your feedback for interview #{interview.id} is already in; nothing changed."
            )
        ]
    data = run.data
    ratings = {
        key: {"score": data["ratings"].get(key, "n"), "comment": data["comments"].get(key, "")}
        for key in data["competencies"]
    }
    ctx.uow.interviews.add_feedback(
        Feedback(
            interview_id=interview.id,
            applicant_id=applicant.id,
            person_id=person.id,
            ratings=ratings,
            recommendation=data.get("recommendation", ""),
            strengths=data.get("strengths", ""),
            concerns=data.get("concerns", ""),
            submitted_at=ctx.clock.now(),
        )
    )
    panelist.feedback_status = "submitted"
    interview_followups.withdraw_chasing(ctx, panelist)
    recommendation = RECOMMENDATIONS.get(data.get("recommendation", ""), "—")
    audit.domain_event(
        ctx,
        "feedback.submitted",
        f"{person.name} submitted feedback for interview #{interview.id}: {recommendation}",
        applicant.id,
        interview_id=interview.id,
    )
    summary = _summary_reply(ctx, interview, applicant, role, person, ratings, data)
    told: set[str] = set()
    for key in (role.hiring_manager, role.recruiter):
        if key in told or key == person.key:
            continue
        told.add(key)
        people.tell(ctx, people.row(ctx, key), summary, applicant_id=applicant.id)
    done = sum(1 for p in interview.panelists if p.feedback_status == "submitted")
    for destination in role_destinations(ctx, role):
        outbox.enqueue(
            ctx,
            destination,
            Reply(
                text=f"Feedback in from {person.name} ({role.pipeline.label(interview.stage)}): "
                f"{done} of {len(interview.panelists)}",
                private=False,
            ),
            thread_card_key=card_key(applicant.id),
            applicant_id=applicant.id,
        )
    return [
        success(
            f"Thanks, your feedback for #{interview.id} is in. "
            f"You can now see the whole panel: panel {applicant.id}"
        )
    ]


def _summary_reply(
    ctx: Context,
    interview: Interview,
    applicant: Applicant,
    role: RoleSpec,
    person: Person,
    ratings: dict[str, dict[str, str]],
    data: dict[str, str] | object,
) -> Reply:
    names = {c.key: c.name for c in role.scorecard}
    lines = []
    for key, rating in ratings.items():
        comment = rating.get("comment", "")
        lines.append(
            f"{names.get(key, key)}: {RATINGS.get(rating['score'], '—')}"
            + (f" — {cut(comment, SUMMARY_PREVIEW, f'panel {applicant.id}')}" if comment else "")
        )
    values = data if isinstance(data, dict) else {}
    return Reply(
        title=f"Feedback: {person.name} on {applicant.name} "
        f"({role.pipeline.label(interview.stage)})",
        fields=[
            Field(
                label="Recommendation",
                value=RECOMMENDATIONS.get(values.get("recommendation", ""), "—"),
            ),
            Field(
                label="Strengths", value=cut(values.get("strengths", "") or "—", SUMMARY_PREVIEW)
            ),
            Field(label="Concerns", value=cut(values.get("concerns", "") or "—", SUMMARY_PREVIEW)),
        ],
        lines=lines,
        footer=f"panel {applicant.id} shows every interviewer's feedback",
    )


# -- the panel -----------------------------------------------------------------------------------


@dataclass
class PanelView:
    visible: bool
    averages: dict[str, float] = field(default_factory=dict)
    recommendations: dict[str, int] = field(default_factory=dict)
    outstanding: list[str] = field(default_factory=list)
    unrated: list[str] = field(default_factory=list)
    feedback: list[tuple[Feedback, str]] = field(default_factory=list)
    interviews: int = 0


def can_see_all(ctx: Context, applicant: Applicant) -> bool:
    """Managers and recruiters see everything; an interviewer only once they have submitted."""
    if ctx.actor.can(Permission.SEE_FEEDBACK):
        return True
    if ctx.actor.person_id is None:
        return False
    return any(
        f.person_id == ctx.actor.person_id
        for f in ctx.uow.interviews.feedback_for_applicant(applicant.id)
    )


def panel(ctx: Context, applicant: Applicant) -> PanelView:
    role = applicant_service.role_of(ctx, applicant)
    interviews = ctx.uow.interviews.for_applicant(applicant.id)
    view = PanelView(visible=can_see_all(ctx, applicant), interviews=len(interviews))
    pending = [
        (panelist.person_id, interview.id)
        for interview in interviews
        if interview.status == "scheduled"
        for panelist in interview.panelists
        if panelist.feedback_status == "pending"
    ]
    given = ctx.uow.interviews.feedback_for_applicant(applicant.id) if view.visible else []
    names = ctx.uow.people.names([pid for pid, _ in pending] + [fb.person_id for fb in given])
    view.outstanding = [f"{names.get(pid, '?')} (#{iid})" for pid, iid in pending]
    if not view.visible:
        return view
    scores: dict[str, list[int]] = {}
    for fb in given:
        view.feedback.append((fb, names.get(fb.person_id, "?")))
        label = RECOMMENDATIONS.get(fb.recommendation, fb.recommendation)
        view.recommendations[label] = view.recommendations.get(label, 0) + 1
        for key, rating in fb.ratings.items():
            if str(rating.get("score")).isdigit():
                scores.setdefault(key, []).append(int(rating["score"]))
    comp_names = {c.key: c.name for c in role.scorecard}
    view.averages = {comp_names.get(k, k): sum(v) / len(v) for k, v in scores.items()}
    view.unrated = [c.name for c in role.scorecard if c.key not in scores]
    return view
