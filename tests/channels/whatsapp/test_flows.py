"""Interviews and feedback driven end to end through WhatsApp's real entry point.

The scenarios the other channels replay, as a person on WhatsApp lives them: commands typed
in the private chat, choices tapped on the interactive messages the fake Cloud API accepted
(reply buttons, list rows), typed answers, a restart in the middle, and time moved with the
FrozenClock, so that the 24-hour window opens and closes as it would.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.channels.whatsapp.render import plain
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from storage.models import Feedback, OutboxMessage
from tests.channels.whatsapp.conftest import WhatsApp, start_whatsapp
from tests.fakes.whatsapp_api import FakeWhatsAppAPI

SCHEDULE = (
    "schedule 1 2026-11-24 15:00 with=hina,omar duration=1h stage=interview "
    "at=https://meet.example/abc"
)
STARTS = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 15:00 in Karachi
ENDS = STARTS + timedelta(hours=1)
COMPETENCIES = (
    "Programming languages",
    "Database management",
    "API design",
    "System design and scalability",
    "Cloud and DevOps",
    "Security practices",
)
STRENGTHS = "*clear* _communicator_ ~x~ `code` > quoted @everyone"


class Harness:
    """The running app, which a test may restart on the same database and fake API."""

    def __init__(
        self,
        database_url: str,
        config: HirebotConfig,
        fake: FakeWhatsAppAPI,
        clock: FrozenClock,
    ) -> None:
        self.database_url, self.config, self.fake, self.clock = database_url, config, fake, clock
        self.wa = start_whatsapp(database_url, config, fake, clock)

    def restart(self) -> WhatsApp:
        self.stop()
        self.wa = start_whatsapp(self.database_url, self.config, self.fake, self.clock)
        return self.wa

    def stop(self) -> None:
        self.wa.runtime.stop()
        self.wa.hirebot.close()


@pytest.fixture
def harness(
    database_url: str, whatsapp_config: HirebotConfig, fake: FakeWhatsAppAPI, clock: FrozenClock
) -> Iterator[Harness]:
    running = Harness(database_url, whatsapp_config, fake, clock)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def wa(harness: Harness) -> WhatsApp:
    return harness.wa


def add_and_schedule(wa: WhatsApp) -> None:
    """Sana adds Ayesha, moves her on and schedules the interview, all in her private chat;
    Hina and Omar have written to the business this morning, so their window is open."""
    wa.say('add senior-backend "Ayesha Khan" email=ayesha@example.com phone=+923001234567')
    wa.say("advance 1")
    wa.say("advance 1")
    wa.clock.set(STARTS - timedelta(hours=2))
    for person in (wa.hina, wa.omar):
        wa.say("whoami", person)
    wa.say(SCHEDULE)
    wa.deliver()


def run_at(wa: WhatsApp, moment: datetime) -> None:
    wa.clock.set(moment)
    wa.hirebot.tasks.run_due(moment)
    wa.deliver()


def rate_everything(wa: WhatsApp, rating: str = "3 · Good") -> None:
    hina = wa.hina
    for index, name in enumerate(COMPETENCIES):
        assert plain(wa.last(hina).text).startswith(
            f"Interview feedback\n{name} ({index + 1} of 6)"
        )
        wa.press(rating, hina)
        if index == 0:
            wa.type_in("solid answers on indexing", hina)
        else:
            wa.press("No comment", hina)


def test_schedule_feedback_with_an_edit_through_buttons_and_lists(wa: WhatsApp) -> None:
    add_and_schedule(wa)
    scheduled = wa.find("✅ Interview #1 scheduled")
    assert "Hina Baig: 24 Nov 2026 15:00 PKT" in scheduled.text
    assert "ayesha@example.com" not in plain(wa.last(wa.hina).text)

    run_at(wa, ENDS)
    request = wa.find("Feedback, please", wa.hina)
    # three short choices: reply buttons
    assert request.body["interactive"]["type"] == "button"
    assert request.labels() == ["Start feedback", "I didn't attend", "Snooze a day"]
    first = wa.press("Start feedback", wa.hina, request)
    assert first.startswith("Interview feedback\nProgramming languages (1 of 6)")
    # five ratings: a list message
    assert wa.last(wa.hina).body["interactive"]["type"] == "list"
    rate_everything(wa)
    assert plain(wa.last(wa.hina).text).startswith(
        "Interview feedback\nYour overall recommendation?"
    )
    wa.press("Yes", wa.hina)
    wa.type_in(STRENGTHS, wa.hina)
    review = wa.press("Nothing to add", wa.hina)
    assert "Review your feedback, then submit." in review
    shown = wa.last(wa.hina).text
    # user text is shown as typed: no mark of it can style the message
    assert "∗clear∗ ˍcommunicatorˍ ∼x∼ ˋcodeˋ > quoted @everyone" in shown
    assert "*clear*" not in shown

    wa.press("Change recommendation", wa.hina)
    review = wa.press("Strong yes", wa.hina)
    assert "Recommendation: Strong yes" in review
    wa.press("Change Database management", wa.hina)  # a long label: a list row
    wa.press("4 · Excellent", wa.hina)
    review = wa.type_in("normalisation & indexes", wa.hina)
    assert "Database management: 4 · Excellent — normalisation & indexes" in review
    review_message = wa.last(wa.hina)

    done = wa.press("Submit", wa.hina, review_message)
    assert done.startswith("✅ Thanks, your feedback for #1 is in")
    with wa.hirebot.uow() as uow:
        stored = uow.session.scalars(select(Feedback)).one()
    assert stored.recommendation == "strong_yes"
    assert stored.ratings["databases"]["score"] == "4"
    # a second tap on the stale Submit changes nothing
    again = wa.press("Submit", wa.hina, review_message)
    assert "already" in again
    with wa.hirebot.uow() as uow:
        assert len(uow.session.scalars(select(Feedback)).all()) == 1


def test_a_restart_mid_feedback_carries_on_where_it_stopped(harness: Harness) -> None:
    wa = harness.wa
    add_and_schedule(wa)
    run_at(wa, ENDS)
    wa.press("Start feedback", wa.hina, wa.find("Feedback, please", wa.hina))
    rating = wa.last(wa.hina)
    title = {label: t for label, (t, _) in zip(rating.labels(), rating.choices, strict=True)}
    wa.tap(rating, title["4 · Excellent"], wa.hina)  # handled, its next question not yet sent
    shown = len(wa.shown(wa.hina))

    wa = harness.restart()
    assert len(wa.shown(wa.hina)) == shown
    wa.deliver()
    assert plain(wa.last(wa.hina).text).startswith(
        "Interview feedback\nAny comment on Programming languages?"
    )
    assert wa.press("3 · Good", wa.hina, rating) == (
        "That question was already answered; nothing changed."
    )
    assert wa.type_in("skip", wa.hina).startswith("Interview feedback\nDatabase management (2 of")


def test_a_reminder_outside_the_window_goes_as_the_template_first(wa: WhatsApp) -> None:
    add_and_schedule(wa)
    # Lucas-free panel; Hina last wrote two hours before the interview. A day and a half
    # later her window is closed when the feedback reminder is due.
    late = ENDS + timedelta(hours=30)
    wa.clock.set(late)
    wa.hirebot.tasks.run_due(late)
    wa.deliver()
    shown = wa.shown(wa.hina)
    assert shown[-1].type == "template"
    template = shown[-1].body["template"]
    assert template["name"] == "hirebot_waiting"
    assert template["components"][0]["parameters"] == [{"type": "text", "text": "Hina"}]
    assert template["components"][1]["parameters"] == [{"type": "payload", "payload": "open"}]
    assert not any(code == 131047 for code, _ in wa.fake.refused)
    # nothing more is sent while she has not answered, however often delivery runs
    templates = len([m for m in shown if m.type == "template"])
    wa.clock.advance(timedelta(hours=1))
    wa.deliver()
    assert len(wa.shown(wa.hina)) == len(shown)

    response = wa.post(wa.fake.quick_reply(wa.hina, shown[-1], "open", "Show me"))
    assert response.status_code == 200
    wa.deliver()
    after = wa.shown(wa.hina)[len(shown) :]
    assert after, "the waiting messages did not follow the answer"
    assert any("Feedback" in plain(m.text) for m in after)
    assert len([m for m in wa.shown(wa.hina) if m.type == "template"]) == templates
    with wa.hirebot.uow() as uow:
        stuck = uow.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.channel == "whatsapp", OutboxMessage.status != "done"
            )
        ).all()
    # only Omar's messages wait: his window is closed too, and he has been invited
    assert {(m.destination, m.status) for m in stuck} <= {("+923001234502", "pending")}
    assert wa.shown(wa.omar)[-1].type == "template"
