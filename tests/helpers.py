"""Small helpers for driving the dispatcher the way a channel adapter does."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, event, select

from bot.bootstrap import Hirebot
from bot.handlers.dispatcher import ActionEvent, Inbound, Outcome
from bot.messages.reply import Reply
from storage import migrate
from storage.db import create_db_engine
from storage.models import OutboxMessage

T = TypeVar("T")


def say(app: Hirebot, text: str, *, who: str = "sana", dedup_key: str | None = None) -> Outcome:
    return app.dispatcher.handle(
        Inbound("console", who, f"console:{who}", text=text, dedup_key=dedup_key)
    )


def click(
    app: Hirebot, action: str, value: str, *, who: str = "sana", answer: str | None = None
) -> Outcome:
    return app.dispatcher.handle(
        Inbound("console", who, f"console:{who}", action=ActionEvent(action, value, answer))
    )


def only(outcome: Outcome) -> Reply:
    assert len(outcome.replies) == 1, outcome.replies
    return outcome.replies[0]


def text_of(outcome: Outcome) -> str:
    return "\n".join(r.plain_text() for r in outcome.replies)


def handle_inbox(app: Hirebot) -> int:
    """What the server's inbox loop does: passes until one handles nothing; how many were."""
    handled = 0
    while (done := app.inbox.run_pending().done) > 0:
        handled += done
    return handled


def wait_for(check: Callable[[], T | None], what: str, timeout: float = 60.0) -> T:
    """Poll `check` until it returns something truthy, or fail naming `what`: work done by
    another thread or process is waited for as a condition with a generous deadline (a loaded
    machine is slow, never wrong), not for a fixed time."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.02)
    return result


def inbox(app: Hirebot, who: str) -> list[Reply]:
    """Every message queued for `who`'s console, oldest first (what their session would show)."""
    with app.uow() as uow:
        rows = uow.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.destination == f"console:{who}")
            .order_by(OutboxMessage.id)
        ).all()
    return [Reply.model_validate(r.payload) for r in rows]


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement `engine` runs inside the block, white space folded: what a test
    that holds a command to its statement count reads."""
    seen: list[str] = []

    def listener(_c: Any, _cur: Any, statement: str, _p: Any, _ctx: Any, _many: bool) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


@contextmanager
def at_revision(database_url: str, revision: str) -> Iterator[Engine]:
    """An engine on the test's database at `revision`, for a migration's test with rows in the
    old shape: the suite's PostgreSQL (at head) is taken down to it, a new SQLite file up to it.
    The test brings it back to head; the engine is disposed of after."""
    engine = create_db_engine(database_url)
    try:
        if migrate.current_revision(engine) is not None:
            migrate.downgrade(engine, revision)
        migrate.upgrade(engine, revision)
        yield engine
    finally:
        engine.dispose()
