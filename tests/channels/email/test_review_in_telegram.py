"""The review step in Telegram, over the real webhook route against the fake Bot API: the draft
with its buttons, Edit asking for the new text with a forced reply, and Send delivering to the
real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from bot.bootstrap import bootstrap
from bot.channels.telegram.runtime import TelegramRuntime
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.runtime.server import build_server
from tests.channels.email.conftest import MAIL_FROM
from tests.channels.email.test_invitations import CANDIDATE, only_to, part
from tests.channels.telegram.conftest import SANA, Telegram, telegram_config_dict, telegram_env
from tests.fakes.smtp_server import SmtpServer
from tests.fakes.telegram_api import FakeTelegramAPI


@pytest.fixture
def fake() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI() as server:
        yield server


@pytest.fixture
def telegram_mail(
    database_url: str,
    fake: FakeTelegramAPI,
    clock: FrozenClock,
    smtp: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Telegram]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as the Telegram tests run it
    telegram_config = HirebotConfig.model_validate(telegram_config_dict())
    env = telegram_env(
        fake,
        HIREBOT_SMTP_URL=smtp.url,
        HIREBOT_MAIL_FROM=MAIL_FROM,
        HIREBOT_SMTP_PER_MINUTE="60000",
    )
    hirebot = bootstrap(
        config=telegram_config,
        database_url=database_url,
        clock=clock,
        channels=("telegram",),
        env=env,
    )
    server = build_server(hirebot)
    runtime = next(r for r in server.runtimes if isinstance(r, TelegramRuntime))
    runtime.start()
    try:
        yield Telegram(hirebot, server, runtime, fake, clock, TestClient(server.asgi()))
    finally:
        runtime.stop()
        hirebot.close()


def newest(telegram: Telegram, chat: int) -> tuple[int, dict[str, Any]]:
    message_id = max(telegram.fake.messages[chat])
    return message_id, telegram.fake.messages[chat][message_id]


def keyboard(message: dict[str, Any]) -> list[str]:
    return [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


def test_edit_by_forced_reply_then_send(telegram_mail: Telegram, smtp: SmtpServer) -> None:
    telegram = telegram_mail
    telegram.say(f"/add senior-backend 'Ayesha Khan' email={CANDIDATE}")
    telegram.say("/email 1 rejection")
    telegram.deliver()
    message_id, draft = newest(telegram, SANA)
    assert "Draft e-mail to #1 Ayesha Khan" in draft["plain_text"]
    assert CANDIDATE not in draft["plain_text"]
    buttons = keyboard(draft)
    edit = next(b for b in buttons if "mail_edit" in b)
    send = next(b for b in buttons if "mail_send" in b)

    telegram.tap(edit, user=SANA, chat=SANA, message_id=message_id)
    telegram.deliver()
    prompt_id, prompt = newest(telegram, SANA)
    assert prompt["reply_markup"]["force_reply"] is True
    telegram.answer("Dear Ayesha,\n\nThank you <b>so</b> much.", to=prompt_id, chat=SANA, user=SANA)
    telegram.deliver()
    assert "Thank you <b>so</b> much." in telegram.last(SANA)
    assert smtp.received == []

    telegram.tap(send, user=SANA, chat=SANA, message_id=message_id)
    telegram.deliver()
    assert "Sent to #1 Ayesha Khan" in telegram.last(SANA)
    text = part(only_to(smtp, CANDIDATE), "text/plain").get_content()
    assert "Thank you <b>so</b> much." in text
