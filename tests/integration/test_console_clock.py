"""After `hirebot jobs run-due --at LATER`, `hirebot console --at LATER` acts as of that
instant: feedback asked for by the run can be given, instead of "not started yet"."""

from __future__ import annotations

from typer.testing import CliRunner

from bot.bootstrap import Hirebot
from bot.cli import app as cli
from tests.cli_runner import cli_env
from tests.helpers import say

AFTER_THE_INTERVIEW = "2026-11-24T12:00:00+00:00"  # it runs 10:00-11:00 UTC (15:00 in Karachi)


def test_the_console_can_start_at_the_instant_a_run_acted_as_of(
    app: Hirebot, database_url: str
) -> None:
    say(app, 'add senior-backend "Ayesha Khan" email=ayesha@example.com')
    say(app, "advance 1")
    say(app, "advance 1")
    say(app, "schedule 1 2026-11-24 15:00 with=hina duration=1h stage=interview")
    env = cli_env(database_url, app.clock)
    runner = CliRunner()

    ran = runner.invoke(cli, ["jobs", "run-due", "--at", AFTER_THE_INTERVIEW], env=env)
    assert ran.exit_code == 0, ran.output
    assert "interview.feedback_request" in ran.output
    assert f"hirebot console --at {AFTER_THE_INTERVIEW}" in ran.output

    today = runner.invoke(cli, ["console", "--as", "hina"], input="feedback 1\n", env=env)
    assert "interview #1 has not started yet" in today.output  # the clock of today

    then = runner.invoke(
        cli, ["console", "--as", "hina", "--at", AFTER_THE_INTERVIEW], input="feedback 1\n", env=env
    )
    assert then.exit_code == 0, then.output
    assert "has not started yet" not in then.output
    answer = then.output.split("hina> feedback 1", 1)[1]
    assert "Ayesha Khan" in answer  # her feedback starts
    assert "[1] Start feedback" in answer
