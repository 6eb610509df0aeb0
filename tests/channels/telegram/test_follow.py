"""`follow ROLE` on Telegram: a follower's private chat gets the role's cards beside its group,
edited in place as the applicant moves (editMessageText) with a line naming them, and edited
to the placeholder by erasure. Webhook updates in, the real PTB client out to the fake."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import FrozenClock
from tests.channels.telegram.conftest import GROUP, HINA, OMAR, SECRET, WEBHOOK_URL, Telegram
from tests.cli_runner import run_cli

ADD = "/add senior-backend 'Ayesha Khan' email=ayesha@example.com phone=0301-7654321"


def _card_in(telegram: Telegram, chat: int) -> tuple[int, str]:
    found = [
        (message_id, m["plain_text"])
        for message_id, m in sorted(telegram.fake.messages.get(chat, {}).items())
        if m["plain_text"].startswith("#1 Ayesha Khan")
    ]
    assert found, telegram.texts(chat)
    return found[0]


def test_a_follower_gets_the_card_privately_and_its_edits(
    telegram: Telegram,
    clock: FrozenClock,
    database_url: str,
    telegram_config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    telegram.say("/follow senior-backend", user=OMAR)
    telegram.say("/follow senior-backend", user=HINA)
    telegram.deliver()
    assert "You now follow Senior Backend Engineer" in telegram.last(OMAR)

    telegram.say(ADD)
    telegram.deliver()
    omar_card, omar_text = _card_in(telegram, OMAR)
    _, hina_text = _card_in(telegram, HINA)
    _, group_text = _card_in(telegram, GROUP)
    assert "ayesha@example.com" in omar_text  # the hiring manager may see contact details
    assert "ayesha@" not in hina_text
    assert "7654321" not in hina_text
    assert "ayesha@" not in group_text
    assert "7654321" not in group_text

    telegram.say("/advance 1")
    telegram.deliver()
    edits = telegram.fake.calls_to("editMessageText")
    assert any(
        (int(c.params["chat_id"]), int(c.params["message_id"])) == (OMAR, omar_card) for c in edits
    )
    assert "Screening" in telegram.fake.messages[OMAR][omar_card]["plain_text"]
    assert any(t.startswith("#1 Ayesha Khan: ") for t in telegram.texts(OMAR))

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", telegram.fake.token)
    monkeypatch.setenv("TELEGRAM_API_URL", telegram.fake.base_url)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", WEBHOOK_URL)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    code, output = run_cli(
        database_url, clock, "applicant", "erase", "1", "--yes", config=telegram_config_path
    )
    assert code == 0, output
    telegram.deliver()
    shown = telegram.fake.messages[OMAR][omar_card]["plain_text"]
    assert "erased" in shown
    assert "Ayesha" not in shown
    assert not any("ayesha@example.com" in t or "Ayesha Khan" in t for t in telegram.texts(OMAR))
