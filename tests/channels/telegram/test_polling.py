"""The runtime: long polling (no TELEGRAM_WEBHOOK_URL), and starting when Telegram is down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.bootstrap import bootstrap
from bot.channels.telegram.runtime import TelegramRuntime
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.runtime.server import build_server
from storage.models import OutboxMessage
from tests.channels.telegram.conftest import (
    GROUP,
    SANA,
    Telegram,
    start_telegram,
    telegram_env,
    wait_until,
)
from tests.fakes.telegram_api import FakeTelegramAPI, callback_update, message_update


@pytest.fixture
def polling(
    database_url: str, telegram_config: HirebotConfig, fake: FakeTelegramAPI, clock: FrozenClock
) -> Iterator[Telegram]:
    harness = start_telegram(database_url, telegram_config, fake, clock, webhook=False)
    try:
        yield harness
    finally:
        harness.runtime.stop()
        harness.hirebot.close()


def queued(telegram: Telegram, count: int) -> list[OutboxMessage]:
    """The outbox once it holds `count` rows, after the inbox loop's pass (polled updates are
    recorded in the inbox, as the webhook's are)."""
    telegram.process()
    with telegram.hirebot.uow() as uow:
        rows = list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    return rows if len(rows) >= count else []


def test_updates_arrive_by_long_polling(polling: Telegram, fake: FakeTelegramAPI) -> None:
    assert polling.runtime.health() == {"mode": "polling", "ready": True, "bot": fake.username}
    assert polling.client.post("/telegram/webhook", json={}).status_code == 404  # no route
    assert fake.webhook == {}

    fake.push_update(
        message_update(
            1, from_id=SANA, chat_id=SANA, text='/add senior-backend "Ayesha Khan" skills=go'
        )
    )
    wait_until(lambda: queued(polling, 2))  # the card and the reply
    polling.deliver()
    assert "✅ Added #1 Ayesha Khan" in polling.last(SANA)

    fake.push_update(
        callback_update(2, from_id=SANA, chat_id=GROUP, message_id=1, data="a:advance:1:applied")
    )
    wait_until(lambda: queued(polling, 5))  # card edit, thread line, reply to the tap
    wait_until(lambda: not fake.pending_updates)
    polling.deliver()

    assert "Stage: Screening" in polling.texts(GROUP)[0]
    wait_until(lambda: fake.calls_to("answerCallbackQuery"))


def test_starting_is_retried_until_telegram_answers(
    database_url: str, telegram_config: HirebotConfig, fake: FakeTelegramAPI, clock: FrozenClock
) -> None:
    fake.fail_next("getMe", status=502, times=3)
    hirebot = bootstrap(
        config=telegram_config,
        database_url=database_url,
        clock=clock,
        channels=("telegram",),
        env=telegram_env(fake),
    )
    runtime = build_server(hirebot).runtimes[0]
    assert isinstance(runtime, TelegramRuntime)
    runtime.retry_pause = 0.05
    try:
        runtime.start()  # returns after the first failed attempt
        wait_until(lambda: runtime.health()["ready"])
        assert [c.status for c in fake.calls_to("getMe")][:4] == [502, 502, 502, 200]
        assert fake.webhook["url"] == "https://hirebot.example.com/telegram/webhook"
        assert "error" not in runtime.health()
    finally:
        runtime.stop()
        hirebot.close()
