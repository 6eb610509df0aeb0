"""A hirebot with Telegram enabled, its server, and the fake Bot API it talks to.

Updates go in over HTTP to the real webhook route (or through getUpdates), replies come out
through the delivery loop and the real telegram.Bot, and assertions read what the fake saw.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import yaml
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot, bootstrap
from bot.channels.telegram.runtime import SECRET_HEADER, TelegramRuntime
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.runtime.server import Server, build_server
from tests.conftest import ROOT
from tests.fakes.telegram_api import FakeTelegramAPI, callback_update, message_update
from tests.helpers import handle_inbox

GROUP = -1001000000001  # senior-backend's Telegram group
SANA, OMAR, HINA, LUCAS, STRANGER = 1001, 1002, 1003, 1004, 9999
SECRET = "s3cret_Webhook-token"
WEBHOOK_URL = "https://hirebot.example.com/telegram/webhook"
T = TypeVar("T")


def telegram_config_dict() -> dict[str, Any]:
    """The shipped config with Telegram ids for sana, omar and hina and a role group (lucas is
    left unlinked, for the linking tests)."""
    raw: dict[str, Any] = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    ids = {"sana": SANA, "omar": OMAR, "hina": HINA}
    for person in raw["people"]:
        if person["key"] in ids:
            person["telegram_id"] = ids[person["key"]]
    for role in raw["roles"]:
        if role["key"] == "senior-backend":
            role["channels"]["telegram"] = GROUP
    return raw


@pytest.fixture(scope="session")
def telegram_config() -> HirebotConfig:
    return HirebotConfig.model_validate(telegram_config_dict())


@pytest.fixture
def telegram_config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(telegram_config_dict(), sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22's future behaviour (RetryAfter.retry_after as a timedelta); the int form is
    covered by the sender's unit test."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def fake() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI() as server:
        yield server


def telegram_env(fake: FakeTelegramAPI, *, webhook: bool = True, **extra: str) -> Environment:
    values = {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_URL": fake.base_url, **extra}
    if webhook:
        values |= {"TELEGRAM_WEBHOOK_URL": WEBHOOK_URL, "TELEGRAM_WEBHOOK_SECRET": SECRET}
    return Environment.model_validate(values)


def wait_until(check: Callable[[], T | None], timeout: float = 30.0) -> T:
    """Poll `check` until it returns something truthy; for work done by background threads."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {check}")
        time.sleep(0.02)


@dataclass
class Telegram:
    """hirebot serving Telegram, driven like Telegram drives it."""

    hirebot: Hirebot
    server: Server
    runtime: TelegramRuntime
    fake: FakeTelegramAPI
    clock: FrozenClock
    client: TestClient
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def post(self, update: dict[str, Any], *, secret: str | None = SECRET) -> httpx.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        response: httpx.Response = self.client.post(
            "/telegram/webhook", json=update, headers=headers
        )
        self.process()
        return response

    def process(self) -> int:
        """What the server's inbox loop does after an update: handle every recorded one."""
        return handle_inbox(self.hirebot)

    def say(
        self, text: str, *, user: int = SANA, chat: int | None = None, **extra: Any
    ) -> dict[str, Any]:
        """Send a message update through the webhook; returns the update."""
        chat = user if chat is None else chat
        chat_type = "private" if chat > 0 else "supergroup"
        update = message_update(
            next(self.ids), from_id=user, chat_id=chat, text=text, chat_type=chat_type, **extra
        )
        response = self.post(update)
        assert response.status_code == 200, response.text
        return update

    def answer(self, text: str, *, to: int, chat: int, user: int = SANA) -> dict[str, Any]:
        """Reply to the bot's message `to` in `chat` (how a forced reply is answered)."""
        chat_type = "private" if chat > 0 else "supergroup"
        update = message_update(
            next(self.ids), from_id=user, chat_id=chat, text=text, chat_type=chat_type
        )
        shown = self.fake.messages[chat][to]
        update["message"]["reply_to_message"] = {
            "message_id": to,
            "from": self.fake.bot_user,
            "chat": shown["chat"],
            "date": shown["date"],
            "text": shown["plain_text"],
        }
        response = self.post(update)
        assert response.status_code == 200, response.text
        return update

    def tap(self, data: str, *, user: int = SANA, chat: int = GROUP, message_id: int = 1) -> None:
        chat_type = "private" if chat > 0 else "supergroup"
        update = callback_update(
            next(self.ids),
            from_id=user,
            chat_id=chat,
            message_id=message_id,
            data=data,
            chat_type=chat_type,
        )
        response = self.post(update)
        assert response.status_code == 200, response.text

    def deliver(self) -> int:
        """Run the delivery loop until it has nothing left to send now."""
        total, idle = 0, 0
        for _ in range(20):  # a failed send may queue a notice: one more pass picks it up
            sent = self.server.delivery.run_pending()
            total += sent
            idle = idle + 1 if sent == 0 else 0
            if idle == 2:
                break
        return total

    def texts(self, chat: int) -> list[str]:
        """What the chat shows, oldest first, as Telegram renders it (tags gone)."""
        return [m["plain_text"] for _, m in sorted(self.fake.messages.get(chat, {}).items())]

    def last(self, chat: int) -> str:
        texts = self.texts(chat)
        assert texts, f"nothing was sent to {chat}"
        return texts[-1]


def start_telegram(
    database_url: str,
    config: HirebotConfig,
    fake: FakeTelegramAPI,
    clock: FrozenClock,
    *,
    webhook: bool = True,
) -> Telegram:
    hirebot = bootstrap(
        config=config,
        database_url=database_url,
        clock=clock,
        channels=("telegram",),
        env=telegram_env(fake, webhook=webhook),
    )
    server = build_server(hirebot)
    runtime = server.runtimes[0]
    assert isinstance(runtime, TelegramRuntime)
    runtime.start()  # the delivery loop is not started: tests deliver with run_pending()
    return Telegram(hirebot, server, runtime, fake, clock, TestClient(server.asgi()))


@pytest.fixture
def telegram(
    database_url: str, telegram_config: HirebotConfig, fake: FakeTelegramAPI, clock: FrozenClock
) -> Iterator[Telegram]:
    """Webhook mode, the runtime started, nothing delivered until a test says so."""
    harness = start_telegram(database_url, telegram_config, fake, clock)
    try:
        yield harness
    finally:
        harness.runtime.stop()
        harness.hirebot.close()
