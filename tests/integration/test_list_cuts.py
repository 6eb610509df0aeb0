"""Lists answered to a command (`interviews`, `home`, `offers`) show a page and, when there is
more, how many more (counted in the database) and the command for the next page; lists of owed
feedback name every interview and say which have no button. Console commands and `hirebot jobs
run-due --at`, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.bootstrap import Hirebot
from bot.clock import FrozenClock
from tests.cli_runner import run_cli
from tests.helpers import inbox, only, say

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def run_due(app: Hirebot, database_url: str, at: str) -> None:
    code, output = run_cli(database_url, app.clock, "jobs", "run-due", "--at", at)
    assert code == 0, output


def add_and_screen(app: Hirebot, count: int) -> None:
    for n in range(1, count + 1):
        added = only(say(app, f"add senior-backend 'Person {n:02}' email=p{n}@example.com"))
        assert added.kind != "error", added.text
        assert only(say(app, f"advance {n}")).kind == "success"


def test_interviews_past_a_page_say_how_many_more_and_where(app: Hirebot) -> None:
    add_and_screen(app, 21)
    for n in range(1, 22):
        day, hour = 24 + (n - 1) // 7, 10 + (n - 1) % 7
        scheduled = say(app, f"schedule {n} 2026-11-{day} {hour}:00 with=hina duration=30m")
        assert scheduled.replies[0].kind == "success", scheduled.replies[0].text
    first = only(say(app, "interviews", who="hina"))
    assert len(first.lines) == 21
    assert first.lines[-1] == "… and 1 more — see: interviews page=2"
    assert "Person 21" not in "\n".join(first.lines)
    second = only(say(app, "interviews page=2", who="hina"))
    assert len(second.lines) == 1
    assert "Person 21" in second.lines[0]
    home = say(app, "home", who="hina").replies
    upcoming = next(r for r in home if r.title == "My upcoming interviews")
    assert upcoming.lines[-1] == "… and 1 more — see: interviews page=2"


def test_open_offers_past_a_page_say_how_many_more_and_where(app: Hirebot) -> None:
    for n in range(1, 22):
        added = only(say(app, f"add senior-backend 'Person {n:02}' email=p{n}@example.com"))
        assert added.kind != "error", added.text
        for _ in range(4):  # applied -> final interview
            assert only(say(app, f"advance {n}")).kind == "success"
        drafted = say(app, f"offer {n} pay=12500 start=2027-01-10 terms=scope,ip,confidentiality")
        assert drafted.replies[0].kind == "success", drafted.replies[0].text
    first = only(say(app, "offers"))
    assert len(first.lines) == 21
    assert first.lines[-1] == "… and 1 more — see: offers page=2"
    second = only(say(app, "offers page=2"))
    assert [line.split(":")[0] for line in second.lines] == ["#21 to #21 Person 21"]


def test_feedback_owed_past_the_button_limit_names_the_command_for_the_rest(
    app: Hirebot, clock: FrozenClock, database_url: str
) -> None:
    clock.set(MONDAY)
    add_and_screen(app, 21)
    for n in range(1, 22):  # back to back on Tuesday from 09:00 Karachi, 15 minutes each
        minutes = 9 * 60 + 15 * (n - 1)
        at = f"2026-11-24 {minutes // 60:02}:{minutes % 60:02}"
        scheduled = say(app, f"schedule {n} {at} with=hina duration=15m")
        assert scheduled.replies[0].kind == "success", scheduled.replies[0].text
    run_due(app, database_url, "2026-11-24T14:30+05:00")  # the last one ended: feedback asked
    run_due(app, database_url, "2026-11-25T14:30+05:00")  # a day later, in working hours
    [reminder] = [r for r in inbox(app, "hina") if r.title.startswith("Reminder")]
    assert reminder.title == "Reminder: you owe feedback for 21 interviews"
    assert len(reminder.lines) == 21
    assert [a.label for a in reminder.actions][-2:] == ["Snooze a day", "I didn't attend"]
    assert len(reminder.actions) == 20
    assert reminder.footer == "Buttons for the first 18; for the other 3: feedback <interview id>"

    clock.set(datetime(2026, 11, 25, 9, 30, tzinfo=UTC))
    owed = only(say(app, "feedback", who="hina"))
    assert len(owed.lines) == 21
    assert len(owed.actions) == 20
    assert owed.footer == "Buttons for the first 20; for the other 1: feedback <interview id>"
