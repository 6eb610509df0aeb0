"""Migration 0020: a task being run is stored as `working`, the inbox's word, and back."""

from __future__ import annotations

from sqlalchemy import Engine, text

from storage import migrate
from storage.queue import INBOX, TASKS
from tests.helpers import at_revision


def _statuses(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT key, status FROM scheduled_tasks ORDER BY key")).all()
    return [(r[0], r[1]) for r in rows]


def test_tasks_and_the_inbox_store_the_same_words(database_url: str) -> None:
    assert TASKS.states == INBOX.states
    with at_revision(database_url, "0019") as engine:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM scheduled_tasks"))
            conn.execute(
                text(
                    "INSERT INTO scheduled_tasks (kind, subject, key, due_at, status, attempts,"
                    " created_at) VALUES ('k', 's', 'a', :t, 'running', 1, :t),"
                    " ('k', 's', 'b', :t, 'pending', 0, :t), ('k', 's', 'c', :t, 'done', 1, :t)"
                ),
                {"t": "2026-01-01 00:00:00"},
            )
        migrate.upgrade(engine)
        assert _statuses(engine) == [("a", "working"), ("b", "pending"), ("c", "done")]
        migrate.downgrade(engine, "0019")
        assert _statuses(engine) == [("a", "running"), ("b", "pending"), ("c", "done")]
        migrate.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM scheduled_tasks"))
