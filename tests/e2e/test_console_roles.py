"""Roles from chat in `hirebot console`, a subprocess driven through stdin: a role opened from
another gets a card for its first applicant at once, closing it lists who is still open and
refuses the next one, and a second console started afterwards on the same database has it."""

from __future__ import annotations

import pytest

from tests.e2e.test_console import run_cli

SCRIPT = """\
role open backend-lead from=senior-backend title="Backend Lead <b>now</b>" type=contract
add backend-lead "Ayesha Khan" email=ayesha@example.com
role close backend-lead
add backend-lead "Bilal Ahmed" email=bilal@example.com
role open x-lead from=senior-backend title=X pay=12-9
quit
"""


@pytest.mark.slow
def test_a_role_opened_in_the_console_gets_cards_and_closes(database_url: str) -> None:
    result = run_cli(["console"], database_url, SCRIPT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Opened Backend Lead <b>now</b> (backend-lead), contract" in out
    assert "[#hiring-senior-backend] New applicant card #1 Ayesha Khan" in out
    assert "Closed Backend Lead <b>now</b> (backend-lead) to new applications" in out
    assert "#1 Ayesha Khan — Applied" in out
    assert "is closed to new applications (role reopen backend-lead)" in out
    assert "the pay range starts above its end (12 > 9)" in out

    again = run_cli(["console", "--as", "omar"], database_url, "roles\nrole reopen backend-lead\n")
    assert again.returncode == 0, again.stderr
    assert "backend-lead — Backend Lead <b>now</b>" in again.stdout
    assert "(closed)" in again.stdout
    assert "Backend Lead <b>now</b> (backend-lead) takes applications again." in again.stdout
