"""A check-in with a new hire or contractor, asked in a direct message.

    start -> q:0 -> q:1 -> … -> q:N -> (answered: summary to the manager)
    start -> (skipped) | (snoozed: asked again in a day)

Questions come from `schedules.hire_checkins.questions` in config.yaml. Diagram:
docs/flows/checkin.md.
"""

from __future__ import annotations

from datetime import timedelta

from bot.flows.engine import END, Answer, Choice, DeclaredFlow, FlowSession, Prompt, Steps, chosen
from bot.flows.skippable import skippable_prompt, skippable_text
from bot.messages.reply import Reply
from bot.services import checkins, tasks
from bot.services.context import Context
from storage.models import Checkin, Person, ScheduledTask

FLOW = "checkin"
SKIP = ("skip", "-", "nothing", "n/a")
OPENING = (
    Choice("go", "Start", "primary", also=("yes",)),
    Choice("skip", "Skip this one"),
    Choice("snooze", "Snooze a day", also=("later",)),
)


def start_checkin_flow(ctx: Context, checkin: Checkin, person: Person, occasion: str) -> None:
    assert ctx.flows is not None
    ctx.flows.start_privately(
        ctx,
        FLOW,
        person,
        subject=f"checkin:{checkin.id}",
        data={"checkin_id": checkin.id, "occasion": occasion, "answers": {}},
        applicant_id=checkin.applicant_id,
    )


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
            OPENING,
            title="Check-in",
            lines=tuple(_milestones(session)),
        )

    def answer(self, session: FlowSession, answer: Answer) -> str:
        picked = chosen(OPENING, answer)
        if picked == "go":
            return "q:0"
        session.set(outcome="skipped" if picked == "skip" else "snoozed")
        return END


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
        return skippable_prompt(
            f"{text} ({self.index + 1} of {len(questions)})",
            "Nothing to report",
            hint="type your answer, or 'skip'",
        )

    def answer(self, session: FlowSession, answer: Answer) -> str:
        questions = _questions(session)
        key, _text = questions[self.index]
        text = skippable_text(answer, SKIP, "answer")
        session.set(answers={**session.data["answers"], key: text})
        following = self.index + 1
        return f"q:{following}" if following < len(questions) else END


class CheckinFlow(DeclaredFlow):
    name = FLOW
    title = "Check-in"
    steps = Steps("start", {"start": StartStep()}, {"q": QuestionStep})
    cancelled_text = "Check-in closed without answers."

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
