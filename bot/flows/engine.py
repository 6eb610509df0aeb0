"""The flow engine: runs conversational flows declared as data, saving state after every step.

A flow is a `FlowDefinition`: named states, a first state, a step for each state (what to ask,
how to read the answer, which state comes next), a finish and a cancel path. A run's state and
answers live in the `flow_runs` table and change in the same transaction as the message that
moved them, so a restart resumes at the same step.

Answers reach a run two ways, both unambiguous: a button carries `run id:version:choice` (a stale
version means a double click or an old prompt, and changes nothing), and free text in a private
conversation goes to the person's most recently prompted active run on that channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from bot.domain.errors import InvalidInput, NotFound, UserError
from bot.messages.reply import Action, Reply
from bot.services import people
from bot.services.context import Context
from storage.models import FlowRun

END = "__end__"
CONTROL_HINT = "'pause' puts this aside, 'cancel' stops it; start with / to run a command"


@dataclass(frozen=True)
class Choice:
    key: str  # short: it travels in button values (some platforms allow 64 bytes in all)
    label: str
    style: str | None = None


@dataclass(frozen=True)
class Prompt:
    text: str
    choices: tuple[Choice, ...] = ()
    title: str = ""
    lines: tuple[str, ...] = ()
    hint: str = ""
    free_text: bool = False  # any text is an answer; otherwise a command name runs the command


@dataclass(frozen=True)
class Answer:
    text: str | None = None
    choice: str | None = None

    @property
    def value(self) -> str:
        return (self.choice if self.choice is not None else self.text or "").strip()


@dataclass
class FlowSession:
    """What a step sees: the request context and the run, with helpers for its answers."""

    ctx: Context
    run: FlowRun

    @property
    def data(self) -> Mapping[str, Any]:
        return self.run.data

    def set(self, **values: Any) -> None:
        # Reassign rather than mutate, so SQLAlchemy sees the JSON column change.
        self.run.data = {**self.run.data, **values}


class Step(Protocol):
    def prompt(self, session: FlowSession) -> Prompt: ...

    def answer(self, session: FlowSession, answer: Answer) -> str:
        """Store the answer and return the next state (or END); raise InvalidInput to re-ask."""
        ...


class FlowDefinition(Protocol):
    name: str
    title: str

    def first_state(self, session: FlowSession) -> str: ...

    def step(self, state: str) -> Step: ...

    def finish(self, session: FlowSession) -> list[Reply]: ...

    def cancelled(self, session: FlowSession) -> list[Reply]: ...


@dataclass
class FlowEngine:
    definitions: dict[str, FlowDefinition] = field(default_factory=dict)

    def register(self, definition: FlowDefinition) -> None:
        if definition.name in self.definitions:
            raise ValueError(f"flow '{definition.name}' registered twice")
        self.definitions[definition.name] = definition

    # -- starting and finding runs -------------------------------------------------------------

    def start(
        self,
        ctx: Context,
        name: str,
        *,
        person_id: int,
        channel: str,
        conversation: str,
        subject: str | None = None,
        data: dict[str, Any] | None = None,
        active: bool = True,
    ) -> tuple[FlowRun, Reply]:
        definition = self.definitions[name]
        now = ctx.clock.now()
        run = FlowRun(
            person_id=person_id,
            flow=name,
            state="",
            status="active" if active else "paused",
            data=data or {},
            channel=channel,
            conversation=conversation,
            subject=subject,
            version=0,
            created_at=now,
            updated_at=now,
        )
        ctx.uow.flow_runs.add(run)
        ctx.uow.flush()
        self._touch(ctx, run)
        run.version = 0
        session = FlowSession(ctx, run)
        run.state = definition.first_state(session)
        return run, self.prompt(session)

    def active_run(self, ctx: Context, channel: str) -> FlowRun | None:
        if ctx.actor.person_id is None:
            return None
        return ctx.uow.flow_runs.latest_active(ctx.actor.person_id, channel)

    def wants_free_text(self, ctx: Context, run: FlowRun) -> bool:
        definition = self.definitions[run.flow]
        return definition.step(run.state).prompt(FlowSession(ctx, run)).free_text

    def open_runs(self, ctx: Context, flow: str | None = None) -> list[FlowRun]:
        if ctx.actor.person_id is None:
            return []
        return ctx.uow.flow_runs.open_for_person(ctx.actor.person_id, flow)

    # -- answers ---------------------------------------------------------------------------------

    def on_text(self, ctx: Context, run: FlowRun, text: str) -> list[Reply]:
        word = text.strip().lower()
        if word == "cancel":
            return self.cancel(ctx, run)
        if word == "pause":
            return self.pause(ctx, run)
        return self._answer(ctx, run, Answer(text=text))

    def on_choice(self, ctx: Context, value: str, _input: str | None = None) -> list[Reply]:
        """The `flow` action: value is `run id:version:choice`."""
        parts = value.split(":", 2)
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
            raise InvalidInput("that button is not one of hirebot's")
        run = ctx.uow.flow_runs.get(int(parts[0]), for_update=True)
        if run is None or run.person_id != ctx.actor.person_id:
            raise NotFound("that question was not asked of you")
        if run.status in {"done", "cancelled"}:
            return [Reply(text="That is already finished; nothing changed.", already_done=True)]
        if int(parts[1]) != run.version:
            return [
                Reply(
                    text="That question was already answered; nothing changed.", already_done=True
                )
            ]
        if parts[2] == "cancel":
            return self.cancel(ctx, run)
        if parts[2] == "pause":
            return self.pause(ctx, run)
        run.status = "active"
        return self._answer(ctx, run, Answer(choice=parts[2]))

    def _answer(self, ctx: Context, run: FlowRun, answer: Answer) -> list[Reply]:
        definition = self.definitions[run.flow]
        session = FlowSession(ctx, run)
        try:
            next_state = definition.step(run.state).answer(session, answer)
        except UserError as exc:
            again = self.prompt(session)
            return [Reply(kind="error", text=exc.message), again]
        self._touch(ctx, run)
        if next_state == END:
            run.status = "done"
            return definition.finish(session)
        run.state = next_state
        return [self.prompt(session)]

    def _touch(self, ctx: Context, run: FlowRun) -> None:
        """Bump the version, and make this run the person's most recently prompted one: strictly
        later than their others, even when two answers land in the same clock tick."""
        run.version += 1
        latest = ctx.uow.flow_runs.last_touched_by_others(run.person_id, run.id)
        now = ctx.clock.now()
        run.updated_at = max(now, latest + timedelta(microseconds=1)) if latest else now

    # -- control -----------------------------------------------------------------------------

    def cancel(self, ctx: Context, run: FlowRun, *, reason: str = "") -> list[Reply]:
        definition = self.definitions[run.flow]
        self._touch(ctx, run)
        run.status = "cancelled"
        replies = definition.cancelled(FlowSession(ctx, run))
        if reason:
            replies = [Reply(text=reason), *replies]
        return replies

    def cancel_subject(
        self, ctx: Context, subject: str, reason: str, *, applicant_id: int | None = None
    ) -> int:
        """Close every open run about `subject` (`interview:12`) and tell each person why; the
        services call this when what a conversation was about goes away. Returns how many."""
        runs = ctx.uow.flow_runs.open_about(subject)
        for run in runs:
            person = ctx.uow.people.by_id(run.person_id)
            replies = self.cancel(ctx, run, reason=reason)
            if person is not None:
                for reply in replies[:1]:
                    people.tell(ctx, person, reply, applicant_id=applicant_id)
        return len(runs)

    def pause(self, ctx: Context, run: FlowRun) -> list[Reply]:
        self._touch(ctx, run)
        run.status = "paused"
        title = self.definitions[run.flow].title
        return [
            Reply(text=f"Paused: {title}. Your answers so far are kept; 'feedback' resumes it.")
        ]

    def resume(self, ctx: Context, run: FlowRun) -> Reply:
        """Make this the run free text goes to, and ask its current question again."""
        self._touch(ctx, run)
        run.status = "active"
        return self.prompt(FlowSession(ctx, run))

    def prompt(self, session: FlowSession) -> Reply:
        run = session.run
        definition = self.definitions[run.flow]
        asked = definition.step(run.state).prompt(session)
        actions = [
            Action(
                id="flow",
                label=c.label,
                value=f"{run.id}:{run.version}:{c.key}",
                style="primary"
                if c.style == "primary"
                else "danger"
                if c.style == "danger"
                else None,
            )
            for c in asked.choices
        ]
        footer = " · ".join(x for x in (asked.hint, CONTROL_HINT) if x)
        return Reply(
            title=asked.title or definition.title,
            text=asked.text,
            lines=list(asked.lines),
            actions=actions,
            footer=footer,
        )
