"""Rules that must hold whichever way a person tries to walk around them, driven through the
dispatcher as a channel does, on both databases: refusals name the permission actually missing."""

from __future__ import annotations

from bot.bootstrap import Hirebot
from tests.helpers import click, only, say


def test_an_interviewer_is_told_the_permission_each_action_needs(app: Hirebot) -> None:
    say(app, "add senior-backend 'Ayesha Khan' email=ayesha@example.com")
    typed = only(say(app, "schedule 1 2026-11-25 15:00 with=hina", who="hina"))
    assert typed.kind == "error"
    assert typed.text == (
        "you need permission to schedule, reschedule or cancel interviews (your roles: "
        "interviewer; roles that have it: admin, recruiter, hiring_manager)"
    )
    guided = only(say(app, "schedule 1", who="hina"))
    assert "you need permission to schedule, reschedule or cancel interviews" in guided.text
    tapped = only(click(app, "schedule", "1", who="hina", answer="2026-11-25 15:00 with=hina"))
    assert "you need permission to schedule, reschedule or cancel interviews" in tapped.text
    asked = only(click(app, "ask", "schedule:1", who="hina"))
    assert "you need permission to schedule, reschedule or cancel interviews" in asked.text
    drafted = only(
        say(app, "offer 1 pay=12500 start=2027-01-10 terms=scope,ip,confidentiality", who="hina")
    )
    assert "you need permission to draft offers and record the candidate's answer" in drafted.text
    moved = only(say(app, "move 1 screening", who="hina"))
    assert "you need permission to move, reject or withdraw applicants" in moved.text
    for reply in (typed, guided, tapped, asked, drafted):
        assert "move, reject or withdraw" not in reply.text
