"""`hirebot outbox` through the real CLI entry point, on both databases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.bootstrap import Hirebot
from bot.messages.reply import Reply
from bot.services import outbox
from bot.services.context import Actor, Context
from storage.models import AuditEvent, OutboxMessage
from tests.cli_runner import run_cli

ROOT = Path(__file__).resolve().parents[2]


def _queue(app: Hirebot, destination: str, text: str, **state: object) -> int:
    with app.uow() as uow:
        ctx = Context(uow, app.catalog, app.clock, Actor("system", "test"), "cid", app.channels)
        row = outbox.enqueue(
            ctx, outbox.Destination("slack", destination, shared=True), Reply(text=text)
        )
        for key, value in state.items():
            setattr(row, key, value)
        uow.commit()
        return row.id


def _run(app: Hirebot, database_url: str, *args: str) -> tuple[int, str]:
    return run_cli(database_url, app.clock, "outbox", *args)


def test_lists_pending_failed_and_dead_and_retries_a_dead_one(
    app: Hirebot, database_url: str
) -> None:
    waiting = _queue(app, "C0HIRESBE", "waiting")
    failing = _queue(app, "C0HIRESBE", "failing", attempts=2, last_error="slack server error 503")
    dead = _queue(
        app,
        "C0GONE",
        "[bold]gone[/bold]",
        status="dead",
        attempts=1,
        last_error="channel_not_found",
    )
    sent = _queue(app, "C0HIRESBE", "delivered", status="sent", attempts=1)

    code, output = _run(app, database_url)
    assert code == 0, output
    for row_id, state in ((waiting, "pending"), (failing, "failed"), (dead, "dead")):
        row_line = next(line for line in output.splitlines() if line.split()[1:2] == [str(row_id)])
        assert state in row_line
    assert "slack server error 503" in output
    assert "channel_not_found" in output
    assert "[bold]gone[/bold]" in output  # shown literally, not as rich markup
    assert "delivered" not in output

    code, output = _run(app, database_url, "--status", "dead")
    assert "channel_not_found" in output
    assert "failing" not in output
    code, output = _run(app, database_url, "--all")
    assert "delivered" in output

    code, output = _run(app, database_url, "stats")
    assert code == 0
    slack_line = next(line for line in output.splitlines() if "slack" in line)
    cells = [cell.strip() for cell in slack_line.split("│")[2:7]]
    assert cells == ["1", "0", "1", "1", "1"]  # pending, sending, failed, dead, sent

    code, output = _run(app, database_url, "retry", str(dead))
    assert code == 0, output
    assert f"{dead}: back in the queue" in output
    with app.uow() as uow:
        row = uow.session.get(OutboxMessage, dead)
        assert row is not None
        assert (row.status, row.attempts) == ("pending", 0)
        retried = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "outbox.retry")
        ).one()
        assert retried.payload == {"outbox_id": dead}
        assert sent  # untouched

    code, output = _run(app, database_url, "retry", str(waiting), "999999")
    assert code == 1
    assert "only dead messages can be retried" in output
    assert "no outbox message 999999" in output

    code, output = _run(app, database_url, "retry")
    assert code == 2
    assert "--all-dead" in output


def test_retry_all_dead_of_a_channel(app: Hirebot, database_url: str) -> None:
    ids = [_queue(app, f"C0ROOM{n}", f"m{n}", status="dead", attempts=8) for n in range(3)]
    code, output = _run(app, database_url, "retry", "--all-dead", "--channel", "slack")
    assert code == 0, output
    with app.uow() as uow:
        rows = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))
        assert {r.status for r in rows} == {"pending"}
    code, output = _run(app, database_url, "retry", "--all-dead")
    assert "no dead messages" in output
