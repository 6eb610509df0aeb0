"""Migration 0021: the outbox stores the queue's words, as the inbox and the tasks do, and rows
an older version left `inline` are given up with a reason instead of lying unseen; and back."""

from __future__ import annotations

import json

from sqlalchemy import Engine, text

from bot.clock import FrozenClock
from storage import migrate
from storage.queue import INBOX, OUTBOX
from tests.cli_runner import run_cli
from tests.helpers import at_revision

# One row in each state the outbox stored before 0021, the e-mail draft's own words included.
BEFORE = ("pending", "sending", "sent", "dead", "inline", "draft", "discarded")
AFTER = ("pending", "working", "done", "failed", "failed", "draft", "discarded")


def _rows(engine: Engine) -> list[tuple[str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, last_error FROM outbox ORDER BY id")).all()
    return [(r[0], r[1]) for r in rows]


def _insert_old_rows(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox"))
        for n, status in enumerate(BEFORE, start=1):
            conn.execute(
                text(
                    "INSERT INTO outbox (id, created_at, channel, destination, kind, payload,"
                    " status, attempts, next_attempt_at, last_error, correlation_id)"
                    " VALUES (:id, :t, 'slack', 'C0HIRESBE', 'message', :payload, :status,"
                    " :attempts, :t, :error, 'cid')"
                ),
                {
                    "id": n,
                    "t": "2026-11-20 09:00:00",
                    "payload": json.dumps({"text": f"answer {status}"}),
                    "status": status,
                    "attempts": 0 if status in ("pending", "inline", "draft") else 1,
                    "error": "channel_not_found" if status == "dead" else None,
                },
            )


def test_the_outbox_stores_the_queue_words_and_gives_up_on_inline_rows(
    database_url: str, clock: FrozenClock
) -> None:
    assert OUTBOX.states == INBOX.states
    with at_revision(database_url, "0020") as engine:
        _insert_old_rows(engine)

        migrate.upgrade(engine)
        rows = _rows(engine)
        assert [status for status, _ in rows] == list(AFTER)
        assert rows[3] == ("failed", "channel_not_found")  # a dead row keeps its own error
        inline_error = rows[4][1]
        assert inline_error is not None
        assert "left 'inline'" in inline_error
        assert [error for _, error in rows if error] == ["channel_not_found", inline_error]

        # An operator sees the row and its reason, and can send it after all.
        code, output = run_cli(database_url, clock, "outbox", "--status", "failed")
        assert code == 0, output
        assert "answer inline" in output
        assert "left 'inline' before the upgrade" in output
        code, output = run_cli(database_url, clock, "outbox", "retry", "5")
        assert code == 0, output
        assert _rows(engine)[4] == ("pending", inline_error)
        with engine.begin() as conn:  # as it stood after the upgrade, for the way back
            conn.execute(text("UPDATE outbox SET status = 'failed' WHERE id = 5"))

        migrate.downgrade(engine, "0020")
        assert _rows(engine) == [
            ("pending", None),
            ("sending", None),
            ("sent", None),
            ("dead", "channel_not_found"),
            ("inline", None),
            ("draft", None),
            ("discarded", None),
        ]
        migrate.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM outbox"))
            conn.execute(text("DELETE FROM audit_events"))
