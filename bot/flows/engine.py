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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from bot.domain.errors import InvalidInput, NotFound, UserError
from bot.messages.reply import Action, Reply
from bot.services import people
from bot.services.context import Context
from storage.models import FlowRun, Person

END = "__end__"
CONTROL_HINT = "'pause' puts this aside, 'cancel' stops it; start with / to run a command"


@dataclass(frozen=True)
class Choice:
    key: str  # short: it travels in button values (some platforms allow 64 bytes in all)
    label: str
    style: str | None = None
    also: tuple[str, ...] = ()  # typed words that pick it too, besides its key and label


def chosen(choices: Sequence[Choice], answer: Answer) -> str:
    """The key of the choice an answer picks: its button, or its key, label or `also` word
    typed (any case). Anything else is asked again, naming the choices."""
    word = answer.value.lower()
    for choice in choices:
        if word in {choice.key, choice.label.lower(), *choice.also}:
            return choice.key
    labels = [c.label for c in choices]
    named = " or ".join(labels) if len(labels) < 3 else f"{', '.join(labels[:-1])}, or {labels[-1]}"
    raise InvalidInput(f"choose {named}")


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


@dataclass(frozen=True)
class Steps:
    """A flow's states and the step for each. A named state has one step ("confirm"); a
    numbered one ("q:2", "rate:0") names a kind of step and which item of a list it asks
    about, so a list of questions or competencies of any length needs no state of its own."""

    first: str
    named: Mapping[str, Step]
    numbered: Mapping[str, Callable[[int], Step]] = field(default_factory=dict)

    def step(self, state: str) -> Step:
        kind, sep, index = state.partition(":")
        if sep and kind in self.numbered:
            return self.numbered[kind](int(index))
        return self.named[state]


class FlowDefinition(Protocol):
    name: str
    title: str

    def first_state(self, session: FlowSession) -> str: ...

    def step(self, state: str) -> Step: ...

    def finish(self, session: FlowSession) -> list[Reply]: ...

    def cancelled(self, session: FlowSession) -> list[Reply]: ...


class DeclaredFlow:
    """What every flow does alike: it starts at `steps.first`, finds each state's step in
    `steps`, and a cancelled run says `cancelled_text`. A flow adds its `name`, `title` and
    `finish` (what its answers do)."""

    name: str
    title: str
    steps: Steps
    cancelled_text: str

    def first_state(self, session: FlowSession) -> str:
        return self.steps.first

    def step(self, state: str) -> Step:
        return self.steps.step(state)

    def cancelled(self, session: FlowSession) -> list[Reply]:
        return [Reply(text=self.cancelled_text)]


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

    def start_here(
        self,
        ctx: Context,
        name: str,
        *,
        subject: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Reply:
        """A run with the person who asked, in the conversation they asked in (guided add and
        scheduling, a bulk confirmation, feedback asked for): its first question is the reply."""
        assert ctx.actor.person_id is not None
        _run, prompt = self.start(
            ctx,
            name,
            person_id=ctx.actor.person_id,
            channel=ctx.actor.channel,
            conversation=ctx.conversation,
            subject=subject,
            data=data,
        )
        return prompt

    def start_privately(
        self,
        ctx: Context,
        name: str,
        person: Person,
        *,
        subject: str,
        data: dict[str, Any],
        applicant_id: int,
    ) -> Reply:
        """A run hirebot opens itself (a check-in, feedback after an interview): its first
        question goes to the person's direct messages. With no channel to reach them on, the
        run waits paused (and the miss is audited) until they ask for it."""
        destination = people.direct_destination(ctx, person)
        _run, prompt = self.start(
            ctx,
            name,
            person_id=person.id,
            channel=destination.channel if destination else "",
            conversation=destination.address if destination else "",
            subject=subject,
            data=data,
            active=destination is not None,
        )
        people.tell(ctx, person, prompt, applicant_id=applicant_id)
        return prompt

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
