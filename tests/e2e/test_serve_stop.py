"""`hirebot serve` with Telegram stops cleanly on SIGTERM: exit status 0, no traceback."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.channels.telegram.conftest import SANA
from tests.e2e.serving import hirebot_serve, write_config
from tests.fakes.telegram_api import FakeTelegramAPI, message_update
from tests.helpers import wait_for


@pytest.fixture
def fake() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI() as server:
        yield server


@pytest.mark.parametrize("mode", ["webhook", "polling"])
def test_sigterm_after_a_delivered_reply_exits_0_without_a_traceback(
    mode: str, database_url: str, fake: FakeTelegramAPI, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "config.yaml")
    with hirebot_serve(
        database_url, config, fake, tmp_path / "serve.log", webhook=mode == "webhook"
    ) as served:
        update = message_update(1, from_id=SANA, chat_id=SANA, text="/whoami")
        if mode == "webhook":
            served.post(update)
        else:
            fake.push_update(update)
        # The sender's client has been used, so stopping has a client to close.
        wait_for(lambda: fake.messages.get(SANA), "the answer to /whoami")

        status = served.stop(signal.SIGTERM)

        log = served.stderr()
    assert status == 0, log
    assert "Traceback" not in log
    assert "shutdown failed" not in log
    assert "another loop is running" not in log
    assert "Sana Mirza" in next(iter(fake.messages[SANA].values()))["plain_text"]
