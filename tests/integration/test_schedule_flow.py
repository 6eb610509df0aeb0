"""`schedule <id>` alone: the guided scheduling flow through the dispatcher."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.bootstrap import Hirebot
from bot.handlers.dispatcher import Inbound
from bot.messages.reply import Reply
from storage.models import Interview
from tests.helpers import click, only, say


def tap(app: Hirebot, reply: Reply, label: str) -> Reply:
    value = next(a.value for a in reply.actions if a.label == label)
    return click(app, "flow", value).replies[-1]


def test_guided_schedule_asks_step_by_step(app: Hirebot) -> None:
    say(app, "add senior-backend 'Ayesha Khan' email=ayesha@example.com")
    prompt = only(say(app, "schedule 1"))
    assert prompt.text.startswith("Which day? (YYYY-MM-DD, your timezone is Asia/Karachi)")
    bad = say(app, "2026-02-30").replies
    assert "is not a date" in bad[0].text
    assert only(say(app, "2026-11-24")).text.startswith("What time")
    assert "is not a time" in say(app, "3pm").replies[0].text
    who = only(say(app, "15:00"))
    assert [a.label for a in who.actions] == ["Omar Farooq", "Hina Baig", "Lucas Meyer"]
    who = tap(app, who, "Hina Baig")
    assert "so far: Hina Baig" in who.text
    who = tap(app, who, "Lucas Meyer")
    duration = tap(app, who, "Done")
    assert duration.text == "How long?"
    where = tap(app, duration, "45m")
    confirm = only(say(app, "https://meet.example/abc"))
    assert "When: 24 Nov 2026 15:00 PKT" in confirm.lines
    assert "Interviewers: Hina Baig, Lucas Meyer" in confirm.lines
    done = tap(app, confirm, "Schedule")
    assert done.text.startswith("Interview #1 scheduled for 24 Nov 2026 15:00 PKT")
    with app.uow() as uow:
        interview = uow.session.scalars(select(Interview)).one()
        assert interview.starts_at == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
        assert interview.duration_minutes == 45
        assert interview.location == "https://meet.example/abc"
        assert len(interview.panelists) == 2
    assert where.text.startswith("Where?")


def test_guided_schedule_needs_a_private_conversation_and_a_real_applicant(app: Hirebot) -> None:
    assert only(say(app, "schedule 5")).text == "no applicant #5"
    say(app, "add senior-backend Bilal email=bilal@example.com")
    shared = app.dispatcher.handle(
        Inbound("console", "sana", "#room", text="schedule 1", shared_conversation=True)
    )
    assert "direct message" in only(shared).text
    assert "you need permission" in only(say(app, "schedule 1", who="hina")).text
