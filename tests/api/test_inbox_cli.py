"""`hirebot inbox` through the real CLI entry point, on both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.bootstrap import Hirebot
from tests.cli_runner import run_cli

ROOT = Path(__file__).resolve().parents[2]


def _run(app: Hirebot, database_url: str, *args: str) -> tuple[int, str]:
    return run_cli(database_url, app.clock, "inbox", *args)


def test_lists_waiting_and_failed_events_and_retries_a_failed_one(
    app: Hirebot, database_url: str
) -> None:
    def broken(payload: dict[str, Any]) -> None:
        raise RuntimeError("database said [bold]no[/bold]")

    assert _run(app, database_url) == (0, "nothing waiting: every event was handled\n")
    app.inbox.receive("slack", "slack:cmd:1", "slack:U0SANA", {"text": "list"})
    app.inbox.processors["slack"] = broken
    app.inbox.max_attempts = 1
    app.inbox.run_pending()  # fails for good
    app.inbox.receive("telegram", "telegram:update:2", "telegram:1001", {"update_id": 2})

    code, listed = _run(app, database_url)
    assert code == 0
    assert "failed" in listed
    assert "pending" in listed
    assert "database said [bold]no[/bold]" in listed  # errors are shown literally
    assert "slack:U0SANA" in listed
    code, only_failed = _run(app, database_url, "--status", "failed")
    assert "telegram" not in only_failed
    assert "slack:U0SANA" in only_failed

    [failed] = app.inbox.listing(("failed",))
    code, out = _run(app, database_url, "retry", str(failed.id), "999")
    assert code == 1
    assert f"{failed.id}: back in line" in out
    assert "999: no failed event with that id" in out
    assert app.inbox.counts() == {"pending": 2}
    seen: list[dict[str, Any]] = []
    app.inbox.processors["slack"] = seen.append
    app.inbox.run_pending()
    assert seen == [{"text": "list"}]  # handled once the cause was fixed

    assert _run(app, database_url, "retry") == (
        2,
        "error: name the event ids to retry, or pass --all-failed\n",
    )
    # the telegram event failed meanwhile: no telegram channel is served in this test
    assert _run(app, database_url, "retry", "--all-failed") == (0, "2: back in line\n")
    assert _run(app, database_url, "retry", "--all-failed") == (0, "no failed events\n")
    assert _run(app, database_url, "--status", "done")[0] == 2
