"""`hirebot outbox` through the real CLI entry point, on both databases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from starlette.testclient import TestClient

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


def test_lists_pending_retrying_and_failed_and_retries_a_failed_one(
    app: Hirebot, database_url: str
) -> None:
    """The queue's words, as `hirebot inbox` and `hirebot jobs` say them, plus `retrying`."""
    waiting = _queue(app, "C0HIRESBE", "waiting")
    failing = _queue(app, "C0HIRESBE", "failing", attempts=2, last_error="slack server error 503")
    sending = _queue(app, "C0BUSY", "on its way", status="working", attempts=1)
    dead = _queue(
        app,
        "C0GONE",
        "[bold]gone[/bold]",
        status="failed",
        attempts=1,
        last_error="channel_not_found",
    )
    sent = _queue(app, "C0HIRESBE", "delivered", status="done", attempts=1)

    code, output = _run(app, database_url)
    assert code == 0, output
    shown = ((waiting, "pending"), (failing, "retrying"), (sending, "working"), (dead, "failed"))
    for row_id, state in shown:
        row_line = next(line for line in output.splitlines() if line.split()[1:2] == [str(row_id)])
        assert state in row_line
    assert "slack server error 503" in output
    assert "channel_not_found" in output
    assert "[bold]gone[/bold]" in output  # shown literally, not as rich markup
    assert "delivered" not in output

    for view in ("failed", "dead"):  # dead: the outbox's word before, still understood
        code, output = _run(app, database_url, "--status", view)
        assert "channel_not_found" in output
        assert "failing" not in output
    code, output = _run(app, database_url, "--status", "retrying")
    assert "failing" in output
    assert "channel_not_found" not in output
    assert "waiting" not in output
    for view in ("done", "sent"):
        code, output = _run(app, database_url, "--status", view)
        assert "delivered" in output
        assert "failing" not in output
    code, output = _run(app, database_url, "--all")
    assert "delivered" in output

    code, output = _run(app, database_url, "stats")
    assert code == 0
    slack_line = next(line for line in output.splitlines() if "slack" in line)
    cells = [cell.strip() for cell in slack_line.split("│")[2:7]]
    assert cells == ["1", "1", "1", "1", "1"]  # pending, retrying, working, failed, done

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
    assert "is pending; only failed messages can be retried" in output
    assert "no outbox message 999999" in output

    code, output = _run(app, database_url, "retry")
    assert code == 2
    assert "--all-failed" in output


def test_retry_all_failed_of_a_channel(app: Hirebot, database_url: str) -> None:
    ids = [_queue(app, f"C0ROOM{n}", f"m{n}", status="failed", attempts=8) for n in range(3)]
    code, output = _run(app, database_url, "retry", "--all-failed", "--channel", "slack")
    assert code == 0, output
    with app.uow() as uow:
        rows = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))
        assert {r.status for r in rows} == {"pending"}
    code, output = _run(app, database_url, "retry", "--all-dead")  # the option's old name
    assert code == 0, output
    assert "no failed messages" in output


def test_metrics_count_the_outbox_in_the_queue_words(
    api_hirebot: Hirebot, client: TestClient
) -> None:
    """/metrics labels the outbox's rows with the words `hirebot outbox` shows: a pending row
    that failed an attempt is `retrying`, one given up on is `failed`, as in the tasks' gauge."""
    _queue(api_hirebot, "C0HIRESBE", "waiting")
    _queue(api_hirebot, "C0HIRESBE", "again", attempts=1, last_error="slack server error 503")
    _queue(api_hirebot, "C0BUSY", "on its way", status="working", attempts=1)
    for n in range(2):
        _queue(api_hirebot, f"C0GONE{n}", "gone", status="failed", last_error="channel_not_found")
    _queue(api_hirebot, "C0HIRESBE", "delivered", status="done", attempts=1)
    metrics = client.get("/metrics").text
    gauges = {
        line.split("state=")[1].split('"')[1]: float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith('hirebot_outbox_messages{channel="slack"')
    }
    assert gauges == {"pending": 1, "retrying": 1, "working": 1, "failed": 2}
    assert 'hirebot_scheduled_tasks{state="failed"}' in metrics  # the same word for given up
