"""The outbox against the fake Telegram Bot API answering 429 (retry_after) and 5xx, then
recovering: cards, the card edit and the thread reply go out through the real Telegram sender
and python-telegram-bot, each exactly once and in order.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from bot.bootstrap import bootstrap
from bot.channels.telegram.sender import TelegramSender
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.runtime.server import build_server
from tests.api.conftest import AUTH, TOKEN
from tests.api.delivery import DeliveryOnly
from tests.api.delivery import metric as _metric
from tests.api.delivery import rows as _rows
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.helpers import say

TELEGRAM_CHAT = -1001234567890


@pytest.fixture
def telegram() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI() as fake:
        yield fake


def test_telegram_outage_then_recovery_delivers_everything_once_in_order(
    telegram: FakeTelegramAPI,
    database_url: str,
    shipped_config: HirebotConfig,
    clock: FrozenClock,
) -> None:
    raw = shipped_config.model_dump(mode="json")
    raw["roles"][0]["channels"]["telegram"] = TELEGRAM_CHAT
    hirebot = bootstrap(
        config=HirebotConfig.model_validate(raw),
        database_url=database_url,
        clock=clock,
        channels=("telegram",),
        env=Environment.model_validate(
            {
                "HIREBOT_API_TOKEN": TOKEN,
                "TELEGRAM_BOT_TOKEN": telegram.token,
                "TELEGRAM_API_URL": telegram.base_url,
            }
        ),
    )
    sender = TelegramSender(hirebot)
    try:
        server = build_server(hirebot, runtimes=[DeliveryOnly("telegram", sender)])
        http = TestClient(server.asgi())
        ids = []
        for name in ("Ayesha Khan", "Bilal <b>Ahmed</b>"):
            response = http.post(
                "/api/applicants", json={"role": "senior-backend", "name": name}, headers=AUTH
            )
            ids.append(response.json()["id"])
        assert say(hirebot, f"advance {ids[0]}").replies[0].kind == "success"

        telegram.fail_next("sendMessage", status=429, retry_after=5)
        telegram.fail_next("sendMessage", status=502, times=2)
        server.delivery.run_pending()
        clock.advance(timedelta(seconds=4))
        server.delivery.run_pending()
        assert len(telegram.calls_to("sendMessage")) == 1  # retry_after honoured
        for _ in range(10):
            clock.advance(timedelta(minutes=1))
            server.delivery.run_pending()
            if all(r.status == "done" for r in _rows(hirebot, "telegram")):
                break

        rows = _rows(hirebot, "telegram")
        assert [r.kind for r in rows] == ["card", "card", "card_update", "message"]
        assert {r.status for r in rows} == {"done"}
        sent = [c for c in telegram.calls_to("sendMessage") if c.status == 200]
        assert len(sent) == 3  # two cards and one thread line, none twice
        refs = [f"{TELEGRAM_CHAT}:{c.response['result']['message_id']}" for c in sent]
        assert refs[:2] == [r.external_ref for r in rows if r.kind == "card"]  # in order
        first_card = sent[0].response["result"]["message_id"]
        assert f"#{ids[0]} " in sent[0].params["text"]
        assert "&lt;b&gt;Ahmed&lt;/b&gt;" in sent[1].params["text"]
        assert sent[2].params["reply_parameters"]["message_id"] == first_card
        edits = telegram.calls_to("editMessageText")
        assert [e.params["message_id"] for e in edits] == [first_card]
        metrics = http.get("/metrics").text
        retried = 'hirebot_delivery_failures_total{channel="telegram",outcome="retry"}'
        assert _metric(metrics, retried) == 3
    finally:
        sender.close()
        hirebot.close()
