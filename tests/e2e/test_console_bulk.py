"""Bulk actions in `hirebot console`, driven through stdin: a command for several applicants
with one already closed, and "Reject all…" under a list picked by number, confirmed once."""

from __future__ import annotations

import pytest

from tests.e2e.test_console import run_cli

SCRIPT = """\
add senior-backend "Ayesha Khan" email=a1@example.com
add senior-backend "Bilal Ahmed" email=a2@example.com
add senior-backend "Chen Wei" email=a3@example.com
add senior-backend "Dara Noor" email=a4@example.com
reject 2 reason=withdrew
advance 1 2 3
list senior-backend screening
2
3
list senior-backend
quit
"""


@pytest.mark.slow
def test_bulk_commands_and_reject_all_from_the_console(database_url: str) -> None:
    result = run_cli(["console"], database_url, SCRIPT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Advanced 2 of 3 applicants" in out
    assert "#1 Ayesha Khan: Applied → Screening" in out
    assert "not changed: #2 Bilal Ahmed — " in out
    # the list of the two in Screening offers both buttons; [2] rejects, after a confirmation
    assert "[1] Advance all 2…  [2] Reject all 2…" in out
    confirm = out.split("Reject 2 applicants (Senior Backend Engineer, screening)", 1)[1]
    assert "#3 Chen Wei — Screening" in confirm
    assert "#1 Ayesha Khan — Screening" in confirm
    assert "[3] role filled" in confirm
    assert "Rejected 2 of 2 applicants (role filled)" in out
    # afterwards only Dara is open
    last = out.rsplit("Applicants (Senior Backend Engineer, open)", 1)[1]
    assert "#4 Dara Noor" in last
    assert "#1 Ayesha" not in last
