"""`hirebot jobs run-due --at LATER` on a live database: `--at` decides what is due, not when
what it produces is sent, so later replies to the same people are not held behind it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app as cli
from storage.models import OutboxMessage
from tests.channels.telegram.conftest import GROUP, HINA, SECRET, WEBHOOK_URL, Telegram
from tests.cli_runner import cli_env

LATER = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def test_messages_from_a_run_at_a_later_instant_are_due_now(
    telegram: Telegram, database_url: str, telegram_config_path: Path
) -> None:
    telegram.say('/add senior-backend "Ayesha Khan" email=ayesha@example.com')
    telegram.say("/advance 1")
    telegram.say("/advance 1")
    telegram.say("/schedule 1 2026-11-24 15:00 with=hina duration=1h stage=interview", chat=GROUP)
    telegram.deliver()
    before = len(telegram.texts(HINA))
    env = cli_env(database_url, telegram.clock, telegram_config_path) | {
        "TELEGRAM_BOT_TOKEN": telegram.fake.token,
        "TELEGRAM_API_URL": telegram.fake.base_url,
        "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }

    result = CliRunner().invoke(cli, ["jobs", "run-due", "--at", LATER.isoformat()], env=env)

    assert result.exit_code == 0, result.output
    assert "interview.feedback_request" in result.output
    with telegram.hirebot.uow() as uow:
        queued = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "pending")
        ).all()
    assert queued  # the feedback request and the others the run produced
    assert {row.next_attempt_at for row in queued} == {telegram.clock.now()}
    telegram.deliver()
    feedback_asked = telegram.texts(HINA)[before:]
    assert any("Feedback, please" in text for text in feedback_asked), feedback_asked

    # Hina's own command is answered at once, not after 2030.
    telegram.say("/whoami", user=HINA)
    telegram.deliver()
    assert "Hina Baig" in telegram.last(HINA)
