"""`people off|back` and `people add … email=…` through `hirebot console` with piped stdin:
the same answers as every channel, a refusal for a non-admin, the absence shown to the person
in a later session. The clock is pinned (HIREBOT_CLOCK) so "a day already over" is stable."""

from __future__ import annotations

import pytest

from tests.e2e.test_console import run_cli

NOW = "2026-11-23T09:00:00+00:00"  # 14:00 in Karachi


def console(database_url: str, person: str, script: str) -> str:
    result = run_cli(
        ["console", "--as", person], database_url, script, COLUMNS="200", HIREBOT_CLOCK=NOW
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
def test_absence_and_an_added_email_through_the_console(database_url: str) -> None:
    admin = console(
        database_url,
        "sana",
        "people off hina until=2026-11-22\n"
        "people off hina until=23/12/2026\n"
        "people off hina until=2026-12-24\n"
        "people\n"
        "people add Zara Hussain email=zara@example.com roles=interviewer\n",
    )
    assert "2026-11-22 has passed (Asia/Karachi is on 2026-11-23)" in admin
    assert "until= takes a date like 2026-12-24 (year-month-day), not '23/12/2026'" in admin
    assert "Hina Baig (hina) is away until 24 Dec 2026 (Asia/Karachi)" in admin
    assert "hina — Hina Baig: interviewer · Asia/Karachi · away until 24 Dec 2026" in admin
    assert "Added Zara Hussain as interviewer (Asia/Karachi); their key is 'zara'" in admin
    assert "Found in" not in admin  # the console keeps no directory: nothing looked up

    refused = console(database_url, "lucas", "people back hina\n")
    assert "you need permission to administer hirebot" in refused

    hina = console(database_url, "hina", "whoami\n")
    assert "Away: until 24 Dec 2026" in hina
    zara = console(database_url, "zara", "whoami\n")
    assert "email: zara@example.com" in zara

    back = console(database_url, "sana", "people back hina\npeople\n")
    assert "Hina Baig (hina) is back: prompts and digests resume." in back
    assert "away until" not in back
