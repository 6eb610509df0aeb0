"""The newcomer's path, end to end: `hirebot console` in a subprocess, driven through stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(
    args: list[str], database_url: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "HIREBOT_"))
    }
    environ.update(DATABASE_URL=database_url, HIREBOT_CONFIG=str(ROOT / "config.yaml"), **env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environ,
        timeout=60,
        check=False,
    )


SCRIPT = """\
help
add senior-backend "Ayesha <!channel> Khan" email=ayesha@example.com phone=03001234567 \
source=referral skills=python,postgres
1
move 1 technical-assessment take-home sent
note 1 strong on [bold]indexes[/bold] & <b>queries</b>
advance 1
3
not enough distributed-systems depth
history 1
show 999
quit
this line is never read
"""


@pytest.mark.slow
def test_a_newcomer_walks_an_applicant_through_the_pipeline(database_url: str) -> None:
    result = run_cli(["console"], database_url, SCRIPT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "you are Sana Mirza (admin, recruiter)" in out
    assert "[#hiring-senior-backend] New applicant card #1 Ayesha <!channel> Khan" in out
    assert "[1] Advance to Screening" in out
    assert "Moved #1 Ayesha <!channel> Khan: Applied → Screening." in out
    assert "Screening → Technical assessment" in out
    assert "Technical assessment → Interview" in out
    assert "Interview → Rejected" in out
    # markup typed by a person is shown literally, never interpreted
    assert "strong on [bold]indexes[/bold] & <b>queries</b>" in out
    assert (
        "moved Ayesha <!channel> Khan from Screening to Technical assessment: take-home sent" in out
    )
    assert "✗ no applicant #999" in out
    assert "this line is never read" not in out
    # the shared channel card never shows contact details
    card = out.split("New applicant card", 1)[1].split("Added #1", 1)[0]
    assert "ayesha@example.com" not in card
    assert "+923001234567" not in card


@pytest.mark.slow
def test_the_reply_under_a_new_card_numbers_its_actions_as_the_card_does(
    database_url: str,
) -> None:
    result = run_cli(
        ["console"],
        database_url,
        "add senior-backend 'Ayesha Khan' email=ayesha@example.com\n3\nsalary expectations\n",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    card, reply = out.split("Card posted to #hiring-senior-backend.\n", 1)
    assert "[1] Advance to Screening  [2] Schedule interview  [3] Reject  [4] Details" in card
    # the same three actions under the reply keep the card's numbers: one set on screen
    assert reply.startswith("  [1] Advance to Screening  [2] Schedule interview  [3] Reject")
    assert "[5]" not in out
    assert "Applied → Rejected" in out


def _a_weekday_afternoon_ahead() -> str:
    """15:00 in Karachi on a weekday at least two days from now (the console's real clock)."""
    day = datetime.now(ZoneInfo("Asia/Karachi")).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return f"{day:%Y-%m-%d} 15:00"


@pytest.mark.slow
def test_a_console_session_shows_its_person_only_their_own_messages(database_url: str) -> None:
    sana = run_cli(
        ["console"],
        database_url,
        "add senior-backend 'Ayesha Khan' email=ayesha@example.com\n"
        f"schedule 1 {_a_weekday_afternoon_ahead()} with=lucas stage=screening\n",
    )
    assert "Interview #1 scheduled" in sana.stdout, sana.stdout + sana.stderr
    assert "Interview #1: Ayesha Khan" not in sana.stdout  # Lucas's message is his

    hina = run_cli(["console", "--as", "hina"], database_url, "list\n")
    assert hina.returncode == 0, hina.stderr
    assert "#1 Ayesha Khan" in hina.stdout
    assert "Interview #1: Ayesha Khan" not in hina.stdout
    assert "lucas" not in hina.stdout.lower()

    lucas = run_cli(["console", "--as", "lucas"], database_url, "list\n")
    assert lucas.returncode == 0, lucas.stderr
    # it waited for him, and shows as his own message (no "[to …]" prefix)
    assert "\nInterview #1: Ayesha Khan (Senior Backend Engineer)" in lucas.stdout
    assert "You are on the panel for the screening interview." in lucas.stdout


@pytest.mark.slow
def test_console_state_survives_a_restart(database_url: str) -> None:
    run_cli(["console"], database_url, "add senior-backend Bilal email=b@example.com\n")
    second = run_cli(["console", "--as", "omar"], database_url, "list\nmove 1 screening\n")
    assert second.returncode == 0, second.stderr
    assert "you are Omar Farooq" in second.stdout
    assert "#1 Bilal — Applied" in second.stdout
    assert "Applied → Screening" in second.stdout


@pytest.mark.slow
def test_unknown_console_person_and_bad_config_fail_clearly(
    database_url: str, tmp_path: Path
) -> None:
    nobody = run_cli(["console", "--as", "mallory"], database_url)
    assert nobody.returncode == 2
    assert "unknown person 'mallory'" in nobody.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "config.yaml").read_text().replace("currency: USD", "currency: dollars"))
    checked = run_cli(["check-config", "--config", str(bad)], database_url)
    assert checked.returncode == 2
    assert "roles[0].pay.currency" in checked.stderr
    ok = run_cli(["check-config"], database_url)
    assert ok.returncode == 0
    assert "configuration OK" in ok.stdout


@pytest.mark.slow
def test_db_upgrade_is_idempotent(database_url: str) -> None:
    result = run_cli(["db", "upgrade"], database_url)
    assert result.returncode == 0, result.stderr
    head = sorted((ROOT / "storage" / "migrations" / "versions").glob("0*.py"))[-1].name[:4]
    assert f"database at revision {head}" in result.stdout
