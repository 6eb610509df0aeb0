"""Interviewer feedback, asked in a direct message when an interview ends.

    start -> rate:0 -> comment:0 -> … -> rate:N -> comment:N -> recommendation -> strengths
          -> concerns -> review -> (submitted)
    start -> (didn't attend) | (snoozed)
    review -> any earlier answer (edit) -> review

One rating per scorecard competency for the interview's stage (1-4, or no signal) with an
optional comment, then a recommendation, strengths and concerns, and a review screen where any
answer can be changed before submitting. Diagram: docs/flows/feedback.md.
"""

from __future__ import annotations

from bot.domain.errors import InvalidInput
from bot.domain.interviews import (
    RATINGS,
    RECOMMENDATIONS,
    parse_rating,
    parse_recommendation,
)
from bot.flows.engine import END, Answer, Choice, DeclaredFlow, FlowSession, Prompt, Steps, chosen
from bot.flows.skippable import skippable_prompt, skippable_text
from bot.messages.format import cut, local_time
from bot.messages.reply import Reply
from bot.services import feedback as feedback_service
from bot.services import interview_followups, interviews
from bot.services.context import Context
from storage.models import Interview, Panelist, Person, ScheduledTask

FLOW = "feedback"
SKIP = ("skip", "-", "none", "no comment")
PREVIEW = 200
OPENING = (
    Choice("go", "Start feedback", "primary", also=("start", "yes")),
    Choice("absent", "I didn't attend", also=("didn't attend",)),
    Choice("snooze", "Snooze a day", also=("later",)),
)


def start_feedback(
    ctx: Context, interview: Interview, panelist: Panelist, person: Person, *, send: bool = True
) -> Reply | None:
    """Open a feedback run for one interviewer; send its first question privately, or return it
    to the caller (when the interviewer asked for it themselves). None: the applicant or their
    role is gone."""
    assert ctx.flows is not None
    applicant = ctx.uow.applicants.get(interview.applicant_id)
    if applicant is None:
        return None
    role = ctx.catalog.roles.get(applicant.role.key)
    if role is None:
        return None
    competencies = [c.key for c in role.scorecard if not c.stages or interview.stage in c.stages]
    subject = interviews.subject(interview)
    data = {
        "interview_id": interview.id,
        "panelist_id": panelist.id,
        "applicant_id": applicant.id,
        "competencies": competencies,
        "ratings": {},
        "comments": {},
    }
    if not send:
        return ctx.flows.start_here(ctx, FLOW, subject=subject, data=data)
    return ctx.flows.start_privately(
        ctx, FLOW, person, subject=subject, data=data, applicant_id=applicant.id
    )


def request_feedback(ctx: Context, task: ScheduledTask) -> str:
    """The interview has ended: open a feedback run with each interviewer the service says is
    due to be asked (it plans their reminders)."""
    due = interview_followups.feedback_due(ctx, task)
    if isinstance(due, str):
        return due
    interview, panel = due
    for panelist, person in panel:
        start_feedback(ctx, interview, panelist, person)
    return f"feedback requested from {len(panel)}"


def _competency(session: FlowSession, index: int) -> tuple[str, str, str]:
    role = feedback_service.role_for(session.ctx, int(session.data["applicant_id"]))
    key = session.data["competencies"][index]
    found = next((c for c in role.scorecard if c.key == key), None)
    return key, found.name if found else key, found.description if found else ""


def _after_edit(session: FlowSession, normal: str) -> str:
    if session.data.get("editing"):
        session.set(editing=False)
        return "review"
    return normal


def _guard(session: FlowSession) -> bool:
    """False when the interview is no longer on: the run ends with a note instead."""
    interview = session.ctx.uow.interviews.get(int(session.data["interview_id"]))
    if interview is None or interview.status != "scheduled":
        session.set(outcome="closed")
        return False
    return True


class StartStep:
    def prompt(self, session: FlowSession) -> Prompt:
        summary = feedback_service.interview_summary(session.ctx, session.run)
        return Prompt(
            f"{summary} {len(session.data['competencies'])} competencies to rate, then your "
            "recommendation, strengths and concerns; you can review before submitting.",
            OPENING,
            title="Feedback, please",
        )

    def answer(self, session: FlowSession, answer: Answer) -> str:
        if not _guard(session):
            return END
        picked = chosen(OPENING, answer)
        if picked == "go":
            return "rate:0" if session.data["competencies"] else "recommendation"
        session.set(outcome="absent" if picked == "absent" else "snoozed")
        return END


class RateStep:
    def __init__(self, index: int) -> None:
        self.index = index

    def prompt(self, session: FlowSession) -> Prompt:
        _key, name, description = _competency(session, self.index)
        total = len(session.data["competencies"])
        return Prompt(
            f"{name} ({self.index + 1} of {total}): {description}",
            tuple(Choice(k, label) for k, label in RATINGS.items()),
            hint="tap or type 1-4, or n for no signal",
        )

    def answer(self, session: FlowSession, answer: Answer) -> str:
        if not _guard(session):
            return END
        key, _name, _description = _competency(session, self.index)
        session.set(ratings={**session.data["ratings"], key: parse_rating(answer.value)})
        return f"comment:{self.index}"


class CommentStep:
    def __init__(self, index: int) -> None:
        self.index = index

    def prompt(self, session: FlowSession) -> Prompt:
        _key, name, _description = _competency(session, self.index)
        return skippable_prompt(f"Any comment on {name}?", "No comment")

    def answer(self, session: FlowSession, answer: Answer) -> str:
        if not _guard(session):
            return END
        key, _name, _description = _competency(session, self.index)
        comment = skippable_text(answer, SKIP, "comment")
        session.set(comments={**session.data["comments"], key: comment})
        following = self.index + 1
        normal = (
            f"rate:{following}"
            if following < len(session.data["competencies"])
            else "recommendation"
        )
        return _after_edit(session, normal)


class RecommendationStep:
    def prompt(self, session: FlowSession) -> Prompt:
        return Prompt(
            "Your overall recommendation?",
            tuple(
                Choice(k, label, "danger" if k.endswith("no") else "primary")
                for k, label in RECOMMENDATIONS.items()
            ),
        )

    def answer(self, session: FlowSession, answer: Answer) -> str:
        if not _guard(session):
            return END
        session.set(recommendation=parse_recommendation(answer.value))
        return _after_edit(session, "strengths")


class TextStep:
    def __init__(self, key: str, question: str, normal_next: str) -> None:
        self.key, self.question, self.normal_next = key, question, normal_next

    def prompt(self, session: FlowSession) -> Prompt:
        return skippable_prompt(self.question, "Nothing to add")

    def answer(self, session: FlowSession, answer: Answer) -> str:
        if not _guard(session):
            return END
        session.set(**{self.key: skippable_text(answer, SKIP, self.key)})
        return _after_edit(session, self.normal_next)


class ReviewStep:
    def prompt(self, session: FlowSession) -> Prompt:
        data = session.data
        lines = []
        choices = [Choice("submit", "Submit", "primary")]
        for index, key in enumerate(data["competencies"]):
            _key, name, _description = _competency(session, index)
            score = RATINGS.get(data["ratings"].get(key, ""), "—")
            comment = data["comments"].get(key, "")
            lines.append(f"{name}: {score}" + (f" — {cut(comment, PREVIEW)}" if comment else ""))
            choices.append(Choice(f"e:{index}", f"Change {name}"[:70]))
        lines.append(f"Recommendation: {RECOMMENDATIONS.get(data.get('recommendation', ''), '—')}")
        lines.append(f"Strengths: {cut(data.get('strengths') or '—', PREVIEW)}")
        lines.append(f"Concerns: {cut(data.get('concerns') or '—', PREVIEW)}")
        choices += [
            Choice("e:rec", "Change recommendation"),
            Choice("e:str", "Change strengths"),
            Choice("e:con", "Change concerns"),
        ]
        return Prompt("Review your feedback, then submit.", tuple(choices), lines=tuple(lines))

    def answer(self, session: FlowSession, answer: Answer) -> str:
        if not _guard(session):
            return END
        word = answer.value.lower()
        if word in {"submit", "send", "yes"}:
            return END
        targets = {"e:rec": "recommendation", "e:str": "strengths", "e:con": "concerns"}
        if word in targets:
            session.set(editing=True)
            return targets[word]
        if (
            word.startswith("e:")
            and word[2:].isdigit()
            and int(word[2:]) < len(session.data["competencies"])
        ):
            session.set(editing=True)
            return f"rate:{int(word[2:])}"
        raise InvalidInput("choose Submit, or the answer you want to change")


class FeedbackFlow(DeclaredFlow):
    name = FLOW
    title = "Interview feedback"
    steps = Steps(
        "start",
        {
            "start": StartStep(),
            "recommendation": RecommendationStep(),
            "strengths": TextStep("strengths", "What were their strengths?", "concerns"),
            "concerns": TextStep("concerns", "Any concerns?", "review"),
            "review": ReviewStep(),
        },
        {"rate": RateStep, "comment": CommentStep},
    )
    cancelled_text = "Feedback closed; nothing was submitted. 'feedback' lists what you owe."

    def finish(self, session: FlowSession) -> list[Reply]:
        outcome = session.data.get("outcome")
        ctx = session.ctx
        if outcome == "closed":
            return [Reply(text="That interview is no longer on, so this feedback is closed.")]
        if outcome == "absent":
            return feedback_service.mark_absent_run(ctx, session.run)
        if outcome == "snoozed":
            until = feedback_service.snooze(ctx, session.run)
            person = ctx.uow.people.by_id(session.run.person_id)
            tz = ctx.catalog.person(person.key).timezone if person else "UTC"
            return [
                Reply(
                    text=f"Snoozed until {local_time(until, tz)}. "
                    "Type 'feedback' whenever you are ready."
                )
            ]
        return feedback_service.submit(ctx, session.run)
