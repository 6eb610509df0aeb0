"""Interviews, feedback and check-ins through Slack's real entry point, end to end.

Everything a person does goes in as Slack sends it (signed `/hire` commands, `block_actions`
taps on the buttons hirebot posted, `message.im` events for typed answers) and everything they
read comes out of the fake Web API (chat.postMessage into their DM, the ephemeral answer to a
tap on its response_url). Time moves with a FrozenClock and `tasks.run_due`; each delivery
pass is explicit. The scenarios replay tests/integration/test_interviews.py and
test_schedules.py, but as people on Slack see them.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.bootstrap import bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.runtime.server import build_server
from storage.models import CheckinResponse, Feedback, FlowRun
from tests.channels.slack.harness import HINA, OMAR, SANA, Slack, slack_env
from tests.fakes.slack_api import FakeSlackAPI

LUCAS, ZARA = "U0LUCASMR", "U0ZARAHUS"
ADD = "add senior-backend 'Ayesha Khan' email=ayesha@example.com resume=https://example.com/cv"
# Tuesday 24 Nov 2026, 15:00 in Karachi (UTC+5) = 10:00 UTC; one hour long.
SCHEDULE = (
    "schedule 1 2026-11-24 15:00 with=hina,lucas duration=1h stage=interview "
    "at=https://meet.example/abc"
)
STARTS = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=1)
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
Message = dict[str, Any]


# -- the app, restartable on the same database ----------------------------------------------


@contextmanager
def running(
    config: HirebotConfig, database_url: str, clock: FrozenClock, api: FakeSlackAPI
) -> Iterator[Slack]:
    """One `hirebot serve` process with Slack on: bootstrap, the ASGI server, no lifespan."""
    hirebot = bootstrap(config=config, database_url=database_url, clock=clock, env=slack_env(api))
    server = build_server(hirebot, scheduler=False)
    try:
        yield Slack(hirebot, server, api, TestClient(server.asgi()))
    finally:
        server.runtimes[0].stop()
        hirebot.close()


@pytest.fixture
def slack_api() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def slack(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock, slack_api: FakeSlackAPI
) -> Iterator[Slack]:
    with running(shipped_config, database_url, clock, slack_api) as app:
        yield app


# -- what one person does and sees --------------------------------------------------------


def buttons(message: Message) -> dict[str, dict[str, Any]]:
    """The message's buttons by label, as Slack shows them."""
    return {
        e["text"]["text"]: e
        for block in message.get("blocks", [])
        if block["type"] == "actions"
        for e in block["elements"]
    }


def sections(message: Message) -> str:
    """What a person reads in the message: section texts and fields, in order (no buttons)."""
    out = []
    for block in message.get("blocks", []):
        if block["type"] == "section":
            out += [block["text"]["text"]] if "text" in block else []
            out += [f["text"] for f in block.get("fields", [])]
    return "\n".join(out)


@dataclass
class Person:
    """One Slack user: their DM with hirebot, and the ephemeral answers to their taps."""

    app: Slack
    user: str

    @property
    def dm(self) -> str:
        """The DM channel Slack answered with when hirebot first wrote to this user."""
        for call in self.app.api.calls_to("chat.postMessage"):
            if call.params.get("channel") == self.user and call.response.get("ok"):
                return str(call.response["channel"])
        raise AssertionError(f"hirebot never wrote to {self.user}")

    def inbox(self) -> list[Message]:
        return self.app.posted(self.dm)

    def last(self, title: str | None = None) -> Message:
        """The newest DM message (with `title`, the newest whose first section starts so)."""
        for message in reversed(self.inbox()):
            if title is None or sections(message).startswith(f"*{title}"):
                return message
        raise AssertionError(f"no message titled {title!r} for {self.user}")

    def command(self, text: str) -> str:
        """`/hire <text>` typed in the DM; the ephemeral answer, as text."""
        return self.app.ask(text, user=self.user, channel=self.dm)

    def _think(self) -> None:
        """A person takes a few seconds per answer, so "the latest question" is well defined."""
        clock = self.app.hirebot.clock
        assert isinstance(clock, FrozenClock)
        clock.advance(timedelta(seconds=5))

    def tap(self, message: Message, label: str) -> Message:
        """Tap a button on a DM message; returns the answer posted to the response_url."""
        self._think()
        element = buttons(message).get(label)
        assert element is not None, f"no button {label!r} in {sorted(buttons(message))}"
        trigger = f"{int(time.time())}.{uuid.uuid4().hex[:12]}"
        response = self.app.click(
            message, element["action_id"], user=self.user, channel=self.dm, trigger_id=trigger
        )
        assert response.status_code == 200, response.text
        self.app.runtime.drain()
        answers = [
            c for c in self.app.api.calls_to("response_url") if c.path.endswith(f"act-{trigger}")
        ]
        assert len(answers) == 1, answers
        assert answers[0].status == 200, answers[0].response
        return answers[0].params

    def type(self, text: str) -> Message:
        """Type a line in the DM; hirebot's answer comes back as one new DM message."""
        [answer] = self.type_all(text)
        return answer

    def type_all(self, text: str) -> list[Message]:
        """Type a line in the DM; every DM message hirebot answers with (one per reply)."""
        self._think()
        before = len(self.inbox())
        response = self.app.event(
            {
                "type": "message",
                "channel_type": "im",
                "channel": self.dm,
                "user": self.user,
                "text": text,
                "ts": f"{time.time():.6f}",
            },
            event_id=f"Ev{uuid.uuid4().hex[:12].upper()}",
        )
        assert response.status_code == 200, response.text
        self.app.deliver()
        new = self.inbox()[before:]
        assert new, f"no answer to {text!r}"
        return new


def run_at(app: Slack, clock: FrozenClock, moment: datetime) -> None:
    """Time moves on: due work runs and what it queued is delivered."""
    clock.set(moment)
    app.hirebot.tasks.run_due(moment)
    app.deliver()


def say(app: Slack, text: str, *, user: str = SANA) -> str:
    """`/hire <text>` in the hiring channel; the ephemeral answer, as text."""
    return app.ask(text, user=user)


def schedule_ayesha(app: Slack) -> None:
    say(app, ADD)
    say(app, "advance 1")
    say(app, "advance 1")
    answer = say(app, SCHEDULE)
    assert "Interview #1 scheduled for 24 Nov 2026 15:00 PKT" in answer, answer
    app.deliver()


def thread_lines(app: Slack) -> list[str]:
    """The card's thread in the hiring channel, as people read it there."""
    card = app.card()
    return [m["text"] for m in app.posted() if m.get("thread_ts") == card["ts"]]


RATING_QUESTION = re.compile(r"\((\d+) of (\d+)\)")


def rate_the_rest(person: Person, prompt: Message, label: str) -> Message:
    """Tap `label` for every remaining competency, alternating a typed 'skip' and the No comment
    button for the comments; returns the question after the last competency."""
    tapped = False
    while RATING_QUESTION.search(sections(prompt)):
        prompt = person.tap(prompt, label)
        assert "Any comment on" in sections(prompt)
        prompt = person.type("skip") if tapped else person.tap(prompt, "No comment")
        tapped = not tapped
    return prompt


def answer_to_review(person: Person, request: Message, comment: str) -> Message:
    """Start; rate the first competency 3 and comment on it by typing, the others 4 by tapping;
    Yes by tap; strengths typed; concerns skipped by typing. Returns the review screen."""
    prompt = person.tap(request, "Start feedback")
    assert "Programming languages (1 of 6)" in sections(prompt)
    prompt = person.tap(prompt, "3 · Good")
    assert "Any comment on Programming languages?" in sections(prompt)
    prompt = rate_the_rest(person, person.type(comment), "4 · Excellent")
    assert "Your overall recommendation?" in sections(prompt)
    assert set(buttons(prompt)) >= {"Strong no", "No", "Yes", "Strong yes"}
    prompt = person.tap(prompt, "Yes")
    assert "What were their strengths?" in sections(prompt)
    prompt = person.type("clear communicator")
    assert "Any concerns?" in sections(prompt)
    return person.type("skip")


# -- 1. schedule -> prep -> request -> the whole flow -> submit -> summaries ---------------


def test_feedback_from_schedule_to_summary_through_slack(slack: Slack, clock: FrozenClock) -> None:
    hina, lucas, omar, sana = (Person(slack, u) for u in (HINA, LUCAS, OMAR, SANA))
    schedule_ayesha(slack)
    notice = sections(hina.last())
    assert "Interview #1: Ayesha Khan" in notice
    assert "24 Nov 2026 15:00 PKT" in notice
    assert "24 Nov 2026 11:00 CET" in sections(lucas.last())  # each in their own zone
    assert "Interview scheduled with" in thread_lines(slack)[-1]

    run_at(slack, clock, STARTS - timedelta(minutes=30))
    prep = hina.last()
    assert sections(prep).startswith("*Prep: interview with Ayesha Khan*")
    assert "Rate: API design" in sections(prep)
    assert "ayesha@example.com" not in json.dumps(prep)
    assert sections(lucas.last()).startswith("*Prep: interview with Ayesha Khan*")

    run_at(slack, clock, ENDS)
    request = hina.last()
    assert sections(request).startswith("*Feedback, please*")
    assert list(buttons(request)) == ["Start feedback", "I didn't attend", "Snooze a day"]

    # typed text with Slack markup is stored as typed and shown literally
    review = answer_to_review(hina, request, "solid on indexing <!channel> *really*")
    shown = sections(review)
    assert "Review your feedback, then submit." in shown
    assert "Programming languages: 3 · Good — solid on indexing &lt;!channel&gt; ∗really∗" in shown
    assert "Database management: 4 · Excellent" in shown
    assert "Recommendation: Yes" in shown
    assert "Strengths: clear communicator" in shown

    # edits on the review screen: a choice by tap, a text by typing; each comes back here
    prompt = hina.tap(review, "Change recommendation")
    assert "Your overall recommendation?" in sections(prompt)
    review = hina.tap(prompt, "Strong yes")
    assert "Recommendation: Strong yes" in sections(review)
    prompt = hina.tap(review, "Change concerns")
    assert "Any concerns?" in sections(prompt)
    review = hina.type("system design depth unproven")
    assert "Concerns: system design depth unproven" in sections(review)
    assert "Recommendation: Strong yes" in sections(review)

    done = hina.tap(review, "Submit")
    assert "Thanks, your feedback for #1 is in" in sections(done)
    slack.deliver()
    summary = omar.last()
    assert sections(summary).startswith("*Feedback: Hina Baig on Ayesha Khan (Interview)*")
    assert "Strong yes" in json.dumps(summary)
    assert sections(sana.last()).startswith("*Feedback: Hina Baig on Ayesha Khan (Interview)*")
    line = thread_lines(slack)[-1]
    assert line == "Feedback in from Hina Baig (Interview): 1 of 2"
    assert "yes" not in line.lower()  # no verdict in the shared channel

    with slack.hirebot.uow() as uow:
        stored = uow.session.scalars(select(Feedback)).one()
        assert stored.recommendation == "strong_yes"
        assert stored.ratings["programming"]["comment"] == "solid on indexing <!channel> *really*"
        assert stored.concerns == "system design depth unproven"

    # a second tap on Submit (an old review screen) changes nothing
    again = hina.tap(review, "Submit")
    assert "already" in sections(again)
    with slack.hirebot.uow() as uow:
        assert len(uow.session.scalars(select(Feedback)).all()) == 1


# -- 2. a restart in the middle ---------------------------------------------------------------


def test_a_restart_mid_flow_continues_where_it_stopped(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock, slack_api: FakeSlackAPI
) -> None:
    with running(shipped_config, database_url, clock, slack_api) as first:
        schedule_ayesha(first)
        run_at(first, clock, ENDS)
        hina = Person(first, HINA)
        request = hina.last()
        question = hina.tap(request, "Start feedback")
        assert "Programming languages (1 of 6)" in sections(question)
        comment = hina.tap(question, "4 · Excellent")
        assert "Any comment on Programming languages?" in sections(comment)

    with running(shipped_config, database_url, clock, slack_api) as second:
        hina = Person(second, HINA)
        # buttons drawn before the restart still know their question: an answered one is stale
        stale = hina.tap(question, "1 · Poor")
        assert "already answered" in sections(stale)
        nxt = hina.type("skip")
        assert "Database management (2 of 6)" in sections(nxt)
        problem, prompt = hina.type_all("7")  # not a rating: asked again, answers so far kept
        assert "rate 1 (poor) to 4 (excellent)" in sections(problem)
        assert "Database management (2 of 6)" in sections(prompt)
        prompt = rate_the_rest(hina, prompt, "No signal")
        prompt = hina.tap(prompt, "No")
        prompt = hina.tap(prompt, "Nothing to add")
        review = hina.tap(prompt, "Nothing to add")
        assert "Programming languages: 4 · Excellent" in sections(review)
        assert "Database management: No signal" in sections(review)
        done = hina.tap(review, "Submit")
        assert "Thanks, your feedback for #1 is in" in sections(done)
        with second.hirebot.uow() as uow:
            stored = uow.session.scalars(select(Feedback)).one()
            assert stored.recommendation == "no"
            assert stored.ratings["programming"]["score"] == "4"


# -- 3. two open flows for one interviewer ------------------------------------------------


def runs_of(app: Slack, user: str) -> list[FlowRun]:
    with app.hirebot.uow() as uow:
        person = uow.people.by_identity("slack", user)
        assert person is not None
        runs = uow.session.scalars(
            select(FlowRun)
            .where(FlowRun.flow == "feedback", FlowRun.person_id == person.id)
            .order_by(FlowRun.id)
        ).all()
        uow.session.expunge_all()
        return list(runs)


def test_two_open_flows_take_each_answer_to_the_right_one(slack: Slack, clock: FrozenClock) -> None:
    schedule_ayesha(slack)
    say(slack, "add senior-backend Bilal email=bilal@example.com")
    assert "Interview #2 scheduled" in say(
        slack, "schedule 2 2026-11-24 17:00 with=hina duration=30m stage=interview"
    )
    hina = Person(slack, HINA)
    run_at(slack, clock, ENDS)
    for_ayesha = hina.last("Feedback, please")
    run_at(slack, clock, datetime(2026, 11, 24, 12, 30, tzinfo=UTC))
    for_bilal = hina.last("Feedback, please")
    assert for_bilal["ts"] != for_ayesha["ts"]
    owed = hina.command("feedback")
    assert "Ayesha Khan" in owed
    assert "Bilal" in owed

    bilal_q = hina.tap(for_bilal, "Start feedback")
    ayesha_q = hina.tap(for_ayesha, "Start feedback")  # the older one, by its own button
    assert [r.subject for r in runs_of(slack, HINA)] == ["interview:1", "interview:2"]
    assert [r.state for r in runs_of(slack, HINA)] == ["rate:0", "rate:0"]

    # buttons carry their run, whichever was asked last
    bilal_c = hina.tap(bilal_q, "2 · Mixed")
    hina.tap(ayesha_q, "4 · Excellent")
    ayesha, bilal = runs_of(slack, HINA)
    assert (ayesha.data["ratings"], bilal.data["ratings"]) == (
        {"programming": "4"},
        {"programming": "2"},
    )
    # free text goes to the latest question asked: Ayesha's comment
    hina.type("about ayesha")
    ayesha, bilal = runs_of(slack, HINA)
    assert ayesha.data["comments"] == {"programming": "about ayesha"}
    assert bilal.data["comments"] == {}
    # an older question's button still answers its own run, which becomes the latest
    hina.tap(bilal_c, "No comment")
    hina.type("3")
    ayesha, bilal = runs_of(slack, HINA)
    assert bilal.data["comments"] == {"programming": ""}
    assert bilal.data["ratings"] == {"programming": "2", "databases": "3"}
    assert ayesha.data["ratings"] == {"programming": "4"}
    assert (ayesha.state, bilal.state) == ("rate:1", "comment:1")


# -- 4. reminders and escalation ------------------------------------------------------------


def test_reminders_are_batched_in_working_hours_then_escalated(
    slack: Slack, clock: FrozenClock
) -> None:
    schedule_ayesha(slack)
    say(slack, "add senior-backend Bilal email=bilal@example.com")
    # ends 19:00 Karachi time, so its own reminder 24 h later is outside Hina's working hours
    assert "Interview #2 scheduled" in say(
        slack, "schedule 2 2026-11-24 18:00 with=hina duration=1h"
    )
    hina, lucas, omar = (Person(slack, u) for u in (HINA, LUCAS, OMAR))
    run_at(slack, clock, ENDS)
    run_at(slack, clock, datetime(2026, 11, 24, 14, 0, tzinfo=UTC))
    before = len(hina.inbox())
    run_at(slack, clock, ENDS + timedelta(hours=24))  # 16:00 in Karachi
    assert len(hina.inbox()) == before + 1  # one message for both interviews
    reminder = hina.last()
    assert sections(reminder).startswith("*Reminder: you owe feedback for 2 interviews*")
    assert "Interview #1: Ayesha Khan" in sections(reminder)
    assert "Interview #2: Bilal" in sections(reminder)
    assert {"Give feedback #1", "Give feedback #2"} <= set(buttons(reminder))
    assert sections(lucas.last()).startswith("*Reminder: you owe feedback for 1 interview*")

    # the second interview's own reminder (19:00 Karachi) is already covered
    run_at(slack, clock, datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    assert len(hina.inbox()) == before + 1

    # the reminder's button reopens that interview's feedback where it was
    reopened = hina.tap(reminder, "Give feedback #2")
    assert "Feedback, please" in sections(reopened)
    assert "Bilal" in sections(reopened)

    run_at(slack, clock, ENDS + timedelta(hours=48))
    escalation = omar.last()
    assert sections(escalation).startswith("*Feedback overdue")
    assert "Hina Baig: interview #1" in sections(escalation)
    assert "Lucas Meyer: interview #1" in sections(escalation)
    assert not any("overdue" in m["text"] for m in slack.posted())  # never in the team channel


# -- 5. independence ---------------------------------------------------------------------------


def test_feedback_stays_hidden_until_you_have_submitted_yours(
    slack: Slack, clock: FrozenClock
) -> None:
    schedule_ayesha(slack)
    run_at(slack, clock, ENDS)
    hina, lucas = Person(slack, HINA), Person(slack, LUCAS)
    review = answer_to_review(lucas, lucas.last("Feedback, please"), "knows postgres well")
    review = lucas.tap(lucas.tap(review, "Change recommendation"), "Strong no")
    assert "Thanks, your feedback for #1 is in" in sections(lucas.tap(review, "Submit"))

    refused = hina.command("panel 1")
    assert "once you have submitted yours" in refused
    assert "Strong no" not in refused
    shown = hina.command("show 1")
    assert "feedback is hidden until you submit yours" in shown
    assert "Strong no" not in shown
    assert "knows postgres well" not in shown
    assert "Strong no" in say(slack, "panel 1", user=OMAR)  # the hiring manager sees it

    review = answer_to_review(hina, hina.last("Feedback, please"), "good")
    assert "Thanks, your feedback for #1 is in" in sections(hina.tap(review, "Submit"))
    panel = hina.command("panel 1")
    assert "Lucas Meyer · interview #1 · Strong no" in panel
    assert "knows postgres well" in panel
    assert "Panel · Recommendations:" in hina.command("show 1")


# -- 6. a check-in with a hire ----------------------------------------------------------------


def with_zara(config: HirebotConfig) -> HirebotConfig:
    data = config.model_dump(mode="json")
    data["people"].append(
        {
            "key": "zara",
            "name": "Zara Hussain",
            "roles": ["member"],
            "timezone": "Asia/Karachi",
            "slack_id": ZARA,
        }
    )
    return HirebotConfig.model_validate(data)


def test_a_hire_answers_a_checkin_in_slack(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock, slack_api: FakeSlackAPI
) -> None:
    with running(with_zara(shipped_config), database_url, clock, slack_api) as app:
        say(app, "add senior-backend 'Zara Hussain' email=zara@example.com")
        for stage in ("screening", "technical_assessment", "interview", "final_interview"):
            assert "Moved #1" in say(app, f"move 1 {stage}")
        terms = "start=2026-11-23 terms=scope,ip,confidentiality"
        assert "No approval needed" in say(app, f"offer 1 pay=12500 {terms}", user=OMAR)
        assert "accepted offer #1" in say(app, "offer accept 1")
        started = say(
            app, "checkin start 1 as=zara milestones='Design doc:2026-12-15; API v1:2027-01-31'"
        )
        assert "Check-in #1 started" in started
        app.deliver()
        zara, omar = Person(app, ZARA), Person(app, OMAR)
        assert sections(zara.last()).startswith("*Welcome aboard!*")

        run_at(app, clock, MONDAY)
        run_at(app, clock, datetime(2026, 11, 27, 11, 0, tzinfo=UTC))  # Friday 16:00 Karachi
        prompt = zara.last()
        assert sections(prompt).startswith("*Check-in*")
        assert list(buttons(prompt)) == ["Start", "Skip this one", "Snooze a day"]
        question = zara.tap(prompt, "Start")
        assert "How is progress against your milestones and deadlines? (1 of 4)" in sections(
            question
        )
        question = zara.type("design doc drafted, on track")
        assert "Is anything blocking you? (2 of 4)" in sections(question)
        question = zara.type("waiting on staging access <@U0OMARFRQ>")
        assert "Has the scope changed" in sections(question)
        question = zara.tap(question, "Nothing to report")
        assert "How is communication" in sections(question)
        done = zara.type("good, daily standups help")
        assert "Omar Farooq gets a summary" in sections(done)

        app.deliver()
        summary = omar.last()
        assert sections(summary).startswith("*Check-in from Zara Hussain (weekly)*")
        assert (
            "Is anything blocking you? — waiting on staging access &lt;@U0OMARFRQ&gt;"
            in sections(summary)
        )
        assert "Milestone: Design doc by 2026-12-15" in sections(summary)
        with app.hirebot.uow() as uow:
            response = uow.session.scalars(select(CheckinResponse)).one()
            assert response.answers["progress"] == "design doc drafted, on track"
            assert response.answers["scope"] == ""
