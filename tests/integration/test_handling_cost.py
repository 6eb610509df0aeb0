"""What a command costs the database, held to what docs/benchmarks.md ("Handling cost")
promises: no reply part is read only to be thrown away, and the answers stay the same."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from bot.bootstrap import Hirebot
from tests.helpers import only, say

ADD = 'add senior-backend "Ayesha Khan" email=ayesha@example.com source=referral'


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def listener(_c: Any, _cur: Any, statement: str, _p: Any, _ctx: Any, _many: bool) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def test_add_answers_with_the_cards_buttons_without_reading_the_details(app: Hirebot) -> None:
    with statements(app.engine) as seen:
        added = only(say(app, ADD))
    assert added.kind == "success"
    assert [a.id for a in added.actions] == ["advance", "schedule", "reject"]
    read = [s for s in seen if s.startswith("SELECT")]
    # the details' parts (notes, CVs, panel, trackers) are not read for an answer that keeps
    # only the buttons
    for table in ("notes", "applicant_files", "interviews", "feedback", "tracker_items"):
        assert not any(f"FROM {table}" in s for s in read), (table, read)
    # `show` still reads and shows them
    say(app, "note 1 strong on SQL")
    shown = only(say(app, "show 1"))
    assert "strong on SQL" in "\n".join(shown.lines)
    assert [a.id for a in shown.actions] == ["advance", "schedule", "reject"]
