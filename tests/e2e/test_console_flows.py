"""Interview feedback through `hirebot console` subprocesses, with time moved by `jobs run-due`.

The console runs on the real clock, so the interview is scheduled a few days ahead and each
later instant is reached with `hirebot jobs run-due --at <ISO time>` between sessions. Every
session is a new process on the same database: answering across two sessions is a restart in
the middle of the flow. Numbers pick the actions of the last thing printed, so each session
starts with a typed answer and only then uses numbers from the prompt that answer printed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_console import run_cli

KARACHI = ZoneInfo("Asia/Karachi")


def next_tuesday_afternoon() -> datetime:
    """15:00 in Karachi on a Tuesday at least two days away: scheduling needs a future time, and
    the reminder a day after the end (Wednesday 16:00) falls in working hours."""
    today = datetime.now(KARACHI).date()
    ahead = (1 - today.weekday()) % 7
    ahead += 7 if ahead < 2 else 0
    day = today + timedelta(days=ahead)
    return datetime(day.year, day.month, day.day, 15, 0, tzinfo=KARACHI)


def run_due(database_url: str, moment: datetime) -> str:
    ran = run_cli(["jobs", "run-due", "--at", moment.astimezone(UTC).isoformat()], database_url)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return ran.stdout


def console(database_url: str, person: str, script: str) -> str:
    result = run_cli(["console", "--as", person], database_url, script, COLUMNS="200")
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
def test_feedback_across_two_console_sessions_with_a_reminder_between(
    database_url: str,
) -> None:
    starts = next_tuesday_afternoon()
    ends = starts + timedelta(hours=1)
    when = f"{starts:%Y-%m-%d} 15:00"
    scheduled = console(
        database_url,
        "sana",
        "add senior-backend 'Ayesha Khan' email=ayesha@example.com\n"
        "advance 1\nadvance 1\n"
        f"schedule 1 {when} with=hina duration=1h stage=interview\n",
    )
    assert f"Interview #1 scheduled for {starts:%d %b %Y} 15:00 PKT (60 min)" in scheduled

    assert "interview.prep ×1" in run_due(database_url, starts - timedelta(minutes=30))
    assert "interview.feedback_request ×1" in run_due(database_url, ends)

    # session 1: the prep and the request are waiting; start by typing, rate by number, comment
    first = console(
        database_url,
        "hina",
        "go\n"  # Start feedback, typed
        "3\n"  # [3] 3 · Good
        "solid on indexing [bold]x[/bold] <!channel>\n"
        "quit\n",
    )
    assert "Prep: interview with Ayesha Khan" in first
    assert "Feedback, please" in first
    assert "Programming languages (1 of 6)" in first
    assert "[3] 3 · Good" in first
    assert "Database management (2 of 6)" in first
    assert "ayesha@example.com" not in first

    assert "feedback.reminder ×1" in run_due(database_url, ends + timedelta(hours=24))

    # session 2 (a new process): the reminder, then the flow where it stopped
    ratings = "4\n1\n" * 4  # competencies 3-6: [4] Excellent, then [1] No comment
    second = console(
        database_url,
        "hina",
        "skip\n"  # Database management: no signal, typed
        "1\n"  # [1] No comment
        f"{ratings}"
        "3\n"  # [3] Yes
        "clear communicator\n"
        "skip\n"  # concerns
        "8\n"  # review: [8] Change recommendation
        "4\n"  # [4] Strong yes, back to the review
        "1\n"  # [1] Submit
        "quit\n",
    )
    assert "Reminder: you owe feedback for 1 interview" in second
    review = second.rsplit("Review your feedback, then submit.", 1)[1]
    assert "Programming languages: 3 · Good — solid on indexing [bold]x[/bold] <!channel>" in review
    assert "Database management: No signal" in review
    assert "Recommendation: Strong yes" in review
    assert "Strengths: clear communicator" in review
    assert "[1] Submit" in review
    assert "Thanks, your feedback for #1 is in" in second
    # the summaries for the hiring manager and the recruiter are theirs, not shown to Hina
    assert "Feedback: Hina Baig on Ayesha Khan" not in second
    thread = "[#hiring-senior-backend]   ↳ Feedback in from Hina Baig (Interview): 1 of 1"
    assert thread in second
    assert "Strong yes" not in second.split(thread, 1)[1].split("\n", 1)[0]

    panel = console(database_url, "omar", "panel 1\n")
    assert "\nFeedback: Hina Baig on Ayesha Khan (Interview)" in panel  # waited for Omar
    assert "Hina Baig · interview #1 · Strong yes" in panel
    assert "solid on indexing [bold]x[/bold] <!channel>" in panel
