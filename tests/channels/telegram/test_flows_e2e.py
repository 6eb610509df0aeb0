"""Interviews, feedback and check-ins driven end to end through Telegram's real entry point.

The scenarios of tests/integration/test_interviews.py and test_schedules.py, replayed as a
person on Telegram lives them: `/commands` posted to the webhook, button taps as callback
queries on the messages the fake Bot API recorded (the callback data read from their inline
keyboards), typed answers as private-chat messages, and time moved with the FrozenClock
(`tasks.run_due`, then the delivery loop sends what is due through the real PTB client).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.config import HirebotConfig
from storage.models import CheckinResponse, Feedback, FlowRun, OutboxMessage
from tests.channels.telegram.conftest import (
    GROUP,
    HINA,
    LUCAS,
    OMAR,
    SANA,
    Telegram,
    start_telegram,
    telegram_config_dict,
)
from tests.fakes.telegram_api import FakeTelegramAPI

ZARA = 1005
JsonDict = dict[str, Any]

# Tuesday 24 Nov 2026, 15:00 in Karachi (UTC+5) = 10:00 UTC; one hour long.
SCHEDULE = (
    "/schedule 1 2026-11-24 15:00 with=hina,lucas duration=1h stage=interview "
    "at=https://meet.example/abc"
)
STARTS = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=1)
# The interview stage rates these competencies of senior-backend, in config order.
COMPETENCIES = (
    "Programming languages",
    "Database management",
    "API design",
    "System design and scalability",
    "Cloud and DevOps",
    "Security practices",
)
STRENGTHS = "<b>clear</b> communicator, *_[x](y) & <@U123> <!channel>"


def flows_config() -> HirebotConfig:
    """Everyone on Telegram (lucas too), plus the hire zara for check-ins."""
    raw = telegram_config_dict()
    for person in raw["people"]:
        if person["key"] == "lucas":
            person["telegram_id"] = LUCAS
    raw["people"].append(
        {
            "key": "zara",
            "name": "Zara Hussain",
            "roles": ["member"],
            "timezone": "Asia/Karachi",
            "telegram_id": ZARA,
        }
    )
    return HirebotConfig.model_validate(raw)


class Harness:
    """The running app, which a test may restart on the same database and fake Bot API."""

    def __init__(
        self, database_url: str, config: HirebotConfig, fake: FakeTelegramAPI, clock: FrozenClock
    ) -> None:
        self.database_url, self.config, self.fake, self.clock = database_url, config, fake, clock
        self.tg = start_telegram(database_url, config, fake, clock)

    def restart(self) -> Telegram:
        """Stop everything, then build a new hirebot and server as a fresh process would."""
        old = self.tg
        self.stop()
        self.tg = start_telegram(self.database_url, self.config, self.fake, self.clock)
        self.tg.ids = old.ids  # Telegram's update ids go on; they are not reused
        return self.tg

    def stop(self) -> None:
        self.tg.runtime.stop()
        self.tg.hirebot.close()


@pytest.fixture
def harness(database_url: str, fake: FakeTelegramAPI, clock: FrozenClock) -> Iterator[Harness]:
    running = Harness(database_url, flows_config(), fake, clock)
    try:
        yield running
        with running.tg.hirebot.uow() as uow:
            stuck = uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.status != "done")
            ).all()
        assert [(m.destination, m.status, m.payload) for m in stuck] == []
    finally:
        running.stop()


@pytest.fixture
def tg(harness: Harness) -> Telegram:
    return harness.tg


# Driving Telegram ---------------------------------------------------------------------------


def buttons(message: JsonDict) -> dict[str, str]:
    """Label -> callback data of a recorded message's inline keyboard."""
    markup = message.get("reply_markup") or {}
    return {
        button["text"]: button["callback_data"]
        for row in markup.get("inline_keyboard", [])
        for button in row
        if "callback_data" in button
    }


def messages(tg: Telegram, chat: int) -> list[JsonDict]:
    return [m for _, m in sorted(tg.fake.messages.get(chat, {}).items())]


def find(tg: Telegram, chat: int, starts: str) -> JsonDict:
    """The latest message in `chat` whose text starts with `starts`."""
    found = [m for m in messages(tg, chat) if m["plain_text"].startswith(starts)]
    assert found, f"no message starting {starts!r} in {chat}: {tg.texts(chat)}"
    return found[-1]


def deliver(tg: Telegram) -> None:
    """Send everything queued; one pass after the last send, as nothing here fails a send."""
    while tg.server.delivery.run_pending():
        pass


def press(tg: Telegram, chat: int, label: str, message: JsonDict | None = None) -> str:
    """Tap the button `label` on `message` (default: the newest message showing one), as the
    owner of the private chat; returns what the bot says next."""
    if message is None:
        shown = [m for m in messages(tg, chat) if label in buttons(m)]
        assert shown, f"no button {label!r} in {chat}: {tg.texts(chat)[-3:]}"
        message = shown[-1]
    data = buttons(message)[label]
    tg.tap(data, user=chat, chat=chat, message_id=message["message_id"])
    deliver(tg)
    return tg.last(chat)


def type_in(tg: Telegram, chat: int, text: str) -> str:
    """Type a message in one's private chat with the bot; returns the bot's next message."""
    tg.say(text, user=chat)
    deliver(tg)
    return tg.last(chat)


def run_at(tg: Telegram, moment: datetime) -> None:
    """Move time, run what is due, send what it queued."""
    tg.clock.set(moment)
    tg.hirebot.tasks.run_due(moment)
    deliver(tg)


def add_and_schedule(tg: Telegram) -> None:
    """Sana adds Ayesha in her private chat, moves her on, then schedules in the role group."""
    tg.say('/add senior-backend "Ayesha Khan" email=ayesha@example.com phone=+923001234567')
    tg.say("/advance 1")
    tg.say("/advance 1")
    tg.say(SCHEDULE, chat=GROUP)
    deliver(tg)


def rate_everything(tg: Telegram, chat: int, rating: str = "3 · Good", first: int = 0) -> str:
    """Tap a rating for each competency from `first` on; the first comment is typed, the rest
    are 'No comment' taps."""
    reply = ""
    for index, name in enumerate(COMPETENCIES[first:], start=first):
        assert tg.last(chat).startswith(f"Interview feedback\n{name} ({index + 1} of 6)")
        press(tg, chat, rating)
        if index == 0:
            reply = type_in(tg, chat, "solid answers on indexing")
        else:
            reply = press(tg, chat, "No comment")
    return reply


def give_feedback(
    tg: Telegram, chat: int, *, rating: str = "3 · Good", verdict: str = "Yes"
) -> str:
    """From the 'Feedback, please' prompt to Submit, all through the chat."""
    press(tg, chat, "Start feedback", find(tg, chat, "Feedback, please"))
    rate_everything(tg, chat, rating)
    press(tg, chat, verdict)
    type_in(tg, chat, f"strengths from {chat}")
    type_in(tg, chat, f"concerns from {chat}")
    return press(tg, chat, "Submit")


def owner_runs(tg: Telegram, key: str) -> list[FlowRun]:
    with tg.hirebot.uow() as uow:
        person = uow.people.by_key(key)
        assert person is not None
        return list(
            uow.session.scalars(
                select(FlowRun).where(FlowRun.person_id == person.id).order_by(FlowRun.id)
            )
        )


# 1. The whole interview: schedule, prep, request, feedback with an edit, summary, thread ---------


def test_schedule_prep_feedback_with_an_edit_and_the_summaries(tg: Telegram) -> None:
    add_and_schedule(tg)
    scheduled = find(tg, SANA, "✅ Interview #1 scheduled")  # the group reply came privately
    assert "Hina Baig: 24 Nov 2026 15:00 PKT" in scheduled["plain_text"]
    assert "Lucas Meyer: 24 Nov 2026 11:00 CET" in scheduled["plain_text"]
    assert not any("Interview #1 scheduled" in text for text in tg.texts(GROUP))
    assert tg.last(GROUP) == "Interview scheduled with Hina Baig, Lucas Meyer"
    assert "Interview #1: Ayesha Khan" in tg.texts(LUCAS)[-1]

    run_at(tg, STARTS - timedelta(minutes=30))
    for chat in (HINA, LUCAS):
        prep = tg.last(chat)
        assert prep.startswith("Prep: interview with Ayesha Khan")
        assert "Rate: API design" in prep
        assert "Ask: Can you explain the difference between RESTful and GraphQL APIs?" in prep
        assert "Version control" not in prep
        assert "ayesha@example.com" not in prep
        assert "+923001234567" not in prep

    run_at(tg, ENDS)
    request = find(tg, HINA, "Feedback, please")
    assert list(buttons(request)) == ["Start feedback", "I didn't attend", "Snooze a day"]
    assert all(data.startswith("a:flow:") for data in buttons(request).values())
    press(tg, HINA, "Start feedback", request)
    rate_everything(tg, HINA)
    assert tg.last(HINA).startswith("Interview feedback\nYour overall recommendation?")
    press(tg, HINA, "Yes")
    assert "What were their strengths?" in tg.last(HINA)
    type_in(tg, HINA, STRENGTHS)
    review = press(tg, HINA, "Nothing to add")  # no concerns
    assert "Review your feedback, then submit." in review
    assert f"Strengths: {STRENGTHS}" in review  # user text shown literally
    assert "Recommendation: Yes" in review
    assert "Programming languages: 3 · Good — solid answers on indexing" in review

    # edit on the review screen: the recommendation, then one competency
    press(tg, HINA, "Change recommendation")
    review = press(tg, HINA, "Strong yes")
    assert "Recommendation: Strong yes" in review
    press(tg, HINA, "Change Database management")
    press(tg, HINA, "4 · Excellent")
    review = type_in(tg, HINA, "normalisation & indexes <done right>")
    assert "Database management: 4 · Excellent — normalisation & indexes <done right>" in review
    review_message = find(tg, HINA, "Interview feedback\nReview your feedback")

    done = press(tg, HINA, "Submit", review_message)
    assert done.startswith("✅ Thanks, your feedback for #1 is in")
    with tg.hirebot.uow() as uow:
        stored = uow.session.scalars(select(Feedback)).one()
    assert stored.recommendation == "strong_yes"
    assert stored.ratings["programming"] == {"score": "3", "comment": "solid answers on indexing"}
    assert stored.ratings["databases"]["score"] == "4"
    assert stored.strengths == STRENGTHS
    assert stored.concerns == ""

    # the hiring manager and the recruiter get the summary in their private chats
    for chat in (OMAR, SANA):
        summary = find(tg, chat, "Feedback: Hina Baig on Ayesha Khan (Interview)")
        assert "Strong yes" in summary["plain_text"]
    # the card's thread gets a line with no verdict, as a reply to the card
    line = find(tg, GROUP, "Feedback in from Hina Baig (Interview): 1 of 2")
    card = find(tg, GROUP, "#1 Ayesha Khan")
    sent = [c for c in tg.fake.calls_to("sendMessage") if c.response["ok"]]
    threaded = next(
        c
        for c in sent
        if c.response["result"]["message_id"] == line["message_id"] and c.params["chat_id"] == GROUP
    )
    assert threaded.params["reply_parameters"]["message_id"] == card["message_id"]
    group_text = "\n".join(tg.texts(GROUP))
    for verdict in ("Strong yes", "solid answers", "communicator", "ayesha@example.com"):
        assert verdict not in group_text

    # a second tap on Submit changes nothing
    again = press(tg, HINA, "Submit", review_message)
    assert "already" in again
    with tg.hirebot.uow() as uow:
        assert len(uow.session.scalars(select(Feedback)).all()) == 1


# 2. A restart in the middle of the flow ------------------------------------------------------


def test_a_restart_mid_feedback_carries_on_where_it_stopped(harness: Harness) -> None:
    tg = harness.tg
    add_and_schedule(tg)
    run_at(tg, ENDS)
    request = find(tg, HINA, "Feedback, please")
    first = press(tg, HINA, "Start feedback", request)
    assert first.startswith("Interview feedback\nProgramming languages (1 of 6)")
    # the tap is handled and its next question queued, but the process dies before sending it
    rating = messages(tg, HINA)[-1]
    tg.tap(buttons(rating)["4 · Excellent"], user=HINA, chat=HINA, message_id=rating["message_id"])
    shown = len(tg.texts(HINA))

    tg = harness.restart()
    assert len(tg.texts(HINA)) == shown
    deliver(tg)  # the new process sends what the old one queued
    assert tg.last(HINA).startswith("Interview feedback\nAny comment on Programming languages?")
    # buttons drawn before the restart are still tied to their question
    assert press(tg, HINA, "Start feedback", request) == (
        "That question was already answered; nothing changed."
    )
    assert press(tg, HINA, "3 · Good", rating) == (
        "That question was already answered; nothing changed."
    )
    assert type_in(tg, HINA, "skip").startswith("Interview feedback\nDatabase management (2 of")
    (run,) = owner_runs(tg, "hina")
    assert run.state == "rate:1"
    assert run.data["ratings"] == {"programming": "4"}
    assert run.data["comments"] == {"programming": ""}

    # and on to the end in the new process
    rate_everything(tg, HINA, "2 · Mixed", first=1)
    press(tg, HINA, "No")
    type_in(tg, HINA, "fast learner")
    type_in(tg, HINA, "thin on distributed systems")
    assert press(tg, HINA, "Submit").startswith("✅ Thanks, your feedback for #1 is in")
    with tg.hirebot.uow() as uow:
        stored = uow.session.scalars(select(Feedback)).one()
    assert stored.ratings["programming"] == {"score": "4", "comment": ""}
    assert stored.ratings["security"]["score"] == "2"
    assert (stored.recommendation, stored.concerns) == ("no", "thin on distributed systems")
    assert "Feedback in from Hina Baig (Interview): 1 of 2" in tg.texts(GROUP)


# 3. Two open flows for one interviewer -------------------------------------------------------


def test_two_open_flows_each_get_their_own_answers(tg: Telegram) -> None:
    add_and_schedule(tg)
    tg.say("/add senior-backend Bilal email=bilal@example.com")
    tg.say("/schedule 2 2026-11-24 17:00 with=hina duration=30m stage=interview")
    deliver(tg)
    run_at(tg, ENDS)
    first = find(tg, HINA, "Feedback, please")
    run_at(tg, datetime(2026, 11, 24, 12, 30, tzinfo=UTC))
    second = find(tg, HINA, "Feedback, please")
    assert "Bilal" in second["plain_text"]
    assert "Ayesha" in first["plain_text"]
    assert first["message_id"] != second["message_id"]

    owed = type_in(tg, HINA, "/feedback")
    assert owed.startswith("You owe feedback for 2 interviews")
    # start the newer one, then the older one: typed text goes to the one asked last
    press(tg, HINA, "Start feedback", second)
    second_rating = messages(tg, HINA)[-1]
    tg.clock.advance(timedelta(seconds=5))
    press(tg, HINA, "Start feedback", first)
    first_rating = messages(tg, HINA)[-1]
    assert first_rating["message_id"] != second_rating["message_id"]
    tg.clock.advance(timedelta(seconds=5))
    assert type_in(tg, HINA, "2").startswith("Interview feedback\nAny comment on Programming")
    # a button reaches the other flow whatever was asked last, and makes it the latest
    tg.clock.advance(timedelta(seconds=5))
    press(tg, HINA, "4 · Excellent", second_rating)
    tg.clock.advance(timedelta(seconds=5))
    type_in(tg, HINA, "great on the second")
    older, newer = owner_runs(tg, "hina")
    assert (older.subject, newer.subject) == ("interview:1", "interview:2")
    assert older.data["ratings"] == {"programming": "2"}
    assert older.data["comments"] == {}
    assert newer.data["ratings"] == {"programming": "4"}
    assert newer.data["comments"] == {"programming": "great on the second"}
    assert (older.state, newer.state) == ("comment:0", "rate:1")

    # the owed list's button brings the older one back to the front
    tg.clock.advance(timedelta(seconds=5))
    resumed = press(tg, HINA, "Give feedback #1", find(tg, HINA, "You owe feedback"))
    assert "Any comment on Programming languages?" in resumed
    tg.clock.advance(timedelta(seconds=5))
    type_in(tg, HINA, "first one")
    older, newer = owner_runs(tg, "hina")
    assert older.data["comments"] == {"programming": "first one"}
    assert newer.data["comments"] == {"programming": "great on the second"}


# 4. Reminders and escalation ----------------------------------------------------------------


def test_reminders_are_batched_in_working_hours_then_the_manager_hears(tg: Telegram) -> None:
    add_and_schedule(tg)
    tg.say("/add senior-backend Bilal email=bilal@example.com")
    # ends 19:00 Karachi time, so its own reminder 24 h later is outside Hina's working hours
    tg.say("/schedule 2 2026-11-24 18:00 with=hina duration=1h")
    deliver(tg)
    run_at(tg, ENDS)
    run_at(tg, datetime(2026, 11, 24, 14, 0, tzinfo=UTC))  # the second one ends
    before = len(tg.texts(HINA))

    run_at(tg, ENDS + timedelta(hours=24))  # 16:00 in Karachi, 12:00 in Berlin
    assert len(tg.texts(HINA)) == before + 1  # one message, not one per interview
    reminder = find(tg, HINA, "Reminder: you owe feedback for 2 interviews")
    assert "Interview #1: Ayesha Khan, Interview" in reminder["plain_text"]
    assert "Interview #2: Bilal" in reminder["plain_text"]
    assert {"Give feedback #1", "Give feedback #2"} <= set(buttons(reminder))
    assert tg.last(LUCAS).startswith("Reminder: you owe feedback for 1 interview\n")
    # the second interview's own reminder, due at 19:00 Karachi, is already covered
    run_at(tg, datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    assert len(tg.texts(HINA)) == before + 1

    run_at(tg, ENDS + timedelta(hours=48))
    escalation = find(tg, OMAR, "Feedback overdue")
    assert "Hina Baig: interview #1" in escalation["plain_text"]
    assert "Lucas Meyer: interview #1" in escalation["plain_text"]
    assert not any(text.startswith("Feedback overdue") for text in tg.texts(GROUP))

    # the reminder's button still opens the feedback it names
    opened = press(tg, HINA, "Give feedback #2", reminder)
    assert opened.startswith("Feedback, please")
    assert "Bilal" in opened


# 5. Independence ------------------------------------------------------------------------------


def test_feedback_stays_hidden_until_you_have_given_yours(tg: Telegram) -> None:
    add_and_schedule(tg)
    run_at(tg, ENDS)
    refused = type_in(tg, LUCAS, "/panel 1")
    assert refused == (
        "⚠️ you will see the other interviewers' feedback once you have submitted yours"
    )
    assert give_feedback(tg, HINA).startswith("✅ Thanks, your feedback for #1 is in")

    assert type_in(tg, LUCAS, "/panel 1") == refused
    shown = type_in(tg, LUCAS, "/show 1")
    assert "feedback is hidden until you submit yours" in shown
    assert f"strengths from {HINA}" not in shown
    assert "Yes ×1" not in shown
    assert "Hina Baig · interview #1 · Yes" in type_in(tg, HINA, "/panel 1")

    type_in(tg, LUCAS, "/feedback 1")  # resumes the request the interview's end sent
    assert give_feedback(tg, LUCAS, rating="No signal", verdict="No").startswith("✅ Thanks")
    texts = tg.texts(LUCAS)
    tg.say("/panel 1", user=LUCAS)
    deliver(tg)
    panel = "\n".join(tg.texts(LUCAS)[len(texts) :])
    assert "Recommendations: Yes ×1, No ×1" in panel
    assert "Hina Baig · interview #1 · Yes" in panel
    assert f"Strengths: strengths from {HINA}" in panel
    assert "Outstanding: nobody" in panel
    assert "Panel · Recommendations: Yes ×1, No ×1" in type_in(tg, LUCAS, "/show 1")


# 6. A check-in with a hire --------------------------------------------------------------------


def test_a_hire_answers_a_checkin_in_their_private_chat(tg: Telegram) -> None:
    tg.say('/add senior-backend "Zara Hussain" email=zara@example.com')
    for stage in ("screening", "technical_assessment", "interview", "final_interview"):
        tg.say(f"/move 1 {stage}")
    tg.say("/offer 1 pay=12500 start=2026-11-23 terms=scope,ip,confidentiality", user=OMAR)
    tg.say("/offer accept 1")
    tg.say("/checkin start 1 as=zara milestones='Design doc:2026-12-15; API v1:2027-01-31'")
    deliver(tg)
    assert tg.last(SANA).startswith("✅ Check-in #1 started: weekly, plus at 30, 60, 90 days")
    assert "Tracking 2 milestone(s): Design doc by 2026-12-15; API v1 by 2027-01-31" in (
        tg.last(SANA)
    )
    assert tg.last(ZARA).startswith("Welcome aboard!")

    run_at(tg, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    run_at(tg, datetime(2026, 11, 27, 11, 0, tzinfo=UTC))  # Friday 16:00 Karachi
    prompt = find(tg, ZARA, "Check-in")
    assert list(buttons(prompt)) == ["Start", "Skip this one", "Snooze a day"]
    first = press(tg, ZARA, "Start", prompt)
    assert "How is progress against your milestones and deadlines? (1 of 4)" in first
    type_in(tg, ZARA, "design doc drafted, on track")
    # a /command in the middle runs the command; the check-in waits for the next answer
    assert type_in(tg, ZARA, "/whoami").startswith("Zara Hussain")
    type_in(tg, ZARA, "waiting on <staging> access & *keys*")
    press(tg, ZARA, "Nothing to report")
    done = type_in(tg, ZARA, "good, daily standups help")
    assert "Omar Farooq gets a summary" in done

    summary = find(tg, OMAR, "Check-in from Zara Hussain (weekly)")["plain_text"]
    assert "Is anything blocking you? — waiting on <staging> access & *keys*" in summary
    assert "Milestone: Design doc by 2026-12-15" in summary
    assert "zara@example.com" not in summary
    with tg.hirebot.uow() as uow:
        response = uow.session.scalars(select(CheckinResponse)).one()
    assert response.answers == {
        "progress": "design doc drafted, on track",
        "blockers": "waiting on <staging> access & *keys*",
        "scope": "",
        "communication": "good, daily standups help",
    }
