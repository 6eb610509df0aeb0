"""A check-in with a new hire or contractor, asked in a direct message.

    start -> q:0 -> q:1 -> … -> q:N -> (answered: summary to the manager)
    start -> (skipped) | (snoozed: asked again in a day)

Questions come from `schedules.hire_checkins.questions` in config.yaml. Diagram:
docs/flows/checkin.md.
"""

from __future__ import annotations

from datetime import timedelta

from bot.domain.applicants import clean_text
from bot.domain.errors import InvalidInput
from bot.domain.interviews import COMMENT_MAX
from bot.flows.engine import END, Answer, Choice, FlowSession, Prompt, Step
from bot.messages.reply import Reply
from bot.services import checkins, people, tasks
from bot.services.context import Context
from storage.models import Checkin, Person, ScheduledTask

FLOW = "checkin"
SKIP = ("skip", "-", "nothing", "n/a")


def start_checkin_flow(ctx: Context, checkin: Checkin, person: Person, occasion: str) -> None:
    assert ctx.flows is not None
    destination = people.direct_destination(ctx, person)
    _run, prompt = ctx.flows.start(
        ctx,
        FLOW,
        person_id=person.id,
        channel=destination.channel if destination else "",
        conversation=destination.address if destination else "",
        subject=f"checkin:{checkin.id}",
        data={"checkin_id": checkin.id, "occasion": occasion, "answers": {}},
        active=destination is not None,
    )
    people.tell(ctx, person, prompt, applicant_id=checkin.applicant_id)


def ask_when_due(ctx: Context, task: ScheduledTask) -> str:
    """A check-in task is due: ask the hire, when the service says it is time."""
    due = checkins.due(ctx, task)
    if isinstance(due, str):
        return due
    start_checkin_flow(ctx, due.checkin, due.person, due.occasion)
    return f"asked ({due.occasion})"


def _questions(session: FlowSession) -> tuple[tuple[str, str], ...]:
    return session.ctx.catalog.schedules.checkin_questions


class StartStep:
    def prompt(self, session: FlowSession) -> Prompt:
        occasion = str(session.data.get("occasion", "weekly"))
        what = "Your weekly check-in" if occasion == "weekly" else f"Your {occasion} check-in"
        return Prompt(
            f"{what}: {len(_questions(session))} short questions.",
            (
                Choice("go", "Start", "primary"),
                Choice("skip", "Skip this one"),
                Choice("snooze", "Snooze a day"),
            ),
            title="Check-in",
            lines=tuple(_milestones(session)),
        )

    def answer(self, session: FlowSession, answer: Answer) -> str:
        word = answer.value.lower()
        if word in {"go", "start", "yes"}:
            return "q:0"
        if word in {"skip", "skip this one"}:
            session.set(outcome="skipped")
            return END
        if word in {"snooze", "snooze a day", "later"}:
            session.set(outcome="snoozed")
            return END
        raise InvalidInput("choose Start, Skip this one, or Snooze a day")


def _milestones(session: FlowSession) -> list[str]:
    """The hire's milestones with their state, above the first question."""
    checkin = session.ctx.uow.checkins.get(int(session.data["checkin_id"]))
    return checkins.milestone_lines(session.ctx, checkin) if checkin is not None else []


class QuestionStep:
    def __init__(self, index: int) -> None:
        self.index = index

    def prompt(self, session: FlowSession) -> Prompt:
        questions = _questions(session)
        _key, text = questions[self.index]
        return Prompt(
            f"{text} ({self.index + 1} of {len(questions)})",
            (Choice("skip", "Nothing to report"),),
            hint="type your answer, or 'skip'",
            free_text=True,
        )

    def answer(self, session: FlowSession, answer: Answer) -> str:
        questions = _questions(session)
        key, _text = questions[self.index]
        value = "" if answer.value.lower() in SKIP else answer.value
        text = clean_text(value, what="answer", limit=COMMENT_MAX)
        session.set(answers={**session.data["answers"], key: text})
        following = self.index + 1
        return f"q:{following}" if following < len(questions) else END


class CheckinFlow:
    name = FLOW
    title = "Check-in"

    def first_state(self, session: FlowSession) -> str:
        return "start"

    def step(self, state: str) -> Step:
        if state.startswith("q:"):
            return QuestionStep(int(state[2:]))
        return StartStep()

    def finish(self, session: FlowSession) -> list[Reply]:
        outcome = session.data.get("outcome")
        if outcome == "snoozed":
            checkin_id = int(session.data["checkin_id"])
            again = session.ctx.clock.now() + timedelta(days=1)
            tasks.schedule(
                session.ctx,
                checkins.CHECKIN,
                f"checkin:{checkin_id}",
                again,
                key=f"checkin:{checkin_id}:snooze:{again.isoformat()}",
            )
            return [Reply(text="Snoozed: I will ask again tomorrow.")]
        status = "skipped" if outcome == "skipped" else "answered"
        return [checkins.record(session.ctx, session.run, status)]

    def cancelled(self, session: FlowSession) -> list[Reply]:
        return [Reply(text="Check-in closed without answers.")]
