"""Lists answered to a command (`interviews`, `home`, `offers`) show a page and, when there is
more, how many more (counted in the database) and the command for the next page. Console
commands, on both databases."""

from __future__ import annotations

from bot.bootstrap import Hirebot
from tests.helpers import only, say


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
