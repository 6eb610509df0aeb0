"""Erasure reaches what Telegram already shows: the card in the role's group and the private
messages delivered about the candidate are edited with editMessageText, through webhook
updates, `hirebot applicant erase` and the delivery loop with the real PTB client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from tests.channels.telegram.conftest import GROUP, HINA, SANA, SECRET, WEBHOOK_URL, Telegram
from tests.cli_runner import run_cli

ADD = "/add senior-backend 'Ayesha Khan' email=ayesha@example.com phone=0301-7654321"
SCHEDULE = "/schedule 1 2026-11-24 15:00 with=hina duration=1h stage=interview"
STARTS = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 15:00 in Karachi


def test_erasure_edits_her_card_and_the_private_messages_about_her(
    telegram: Telegram,
    clock: FrozenClock,
    database_url: str,
    telegram_config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    telegram.say(ADD)
    telegram.say("/advance 1")
    telegram.say("/advance 1")
    telegram.say(SCHEDULE)
    telegram.deliver()
    clock.set(STARTS - timedelta(minutes=30))
    telegram.hirebot.tasks.run_due(clock.now())  # the prep message
    telegram.deliver()
    about_her = [
        message_id
        for message_id, m in telegram.fake.messages[HINA].items()
        if "Ayesha Khan" in m["plain_text"]
    ]
    assert len(about_her) >= 2  # the interview notice and the prep message
    assert any("Ayesha Khan" in text for text in telegram.texts(GROUP))

    # the operator's CLI runs with the deployment's environment (Telegram on)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", telegram.fake.token)
    monkeypatch.setenv("TELEGRAM_API_URL", telegram.fake.base_url)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", WEBHOOK_URL)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    code, output = run_cli(
        database_url, clock, "applicant", "erase", "1", "--yes", config=telegram_config_path
    )
    assert code == 0, output
    telegram.deliver()

    edits = telegram.fake.calls_to("editMessageText")
    edited = {(int(c.params["chat_id"]), int(c.params["message_id"])) for c in edits}
    assert {(HINA, message_id) for message_id in about_her} <= edited
    for message_id in about_her:
        shown = telegram.fake.messages[HINA][message_id]["plain_text"]
        assert "personal data was erased" in shown
    for chat in (HINA, GROUP):
        for text in telegram.texts(chat):
            assert "Ayesha" not in text
            assert "7654321" not in text
    assert "Applicant #1: closed" in telegram.last(HINA)  # without her name


def test_erasure_edits_every_part_of_a_message_sent_in_parts(
    telegram: Telegram,
    clock: FrozenClock,
    database_url: str,
    telegram_config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    telegram.say(ADD)
    note = " ".join(f"Ayesha Khan answered question {n} well." for n in range(220))  # ~8,500
    telegram.say(f"/note 1 {note}")
    telegram.deliver()
    before = set(telegram.fake.messages[SANA])
    telegram.say("/notes 1")
    telegram.deliver()
    parts = sorted(set(telegram.fake.messages[SANA]) - before)
    assert len(parts) >= 3  # split at 4,096 characters
    before_erasure = [telegram.fake.messages[SANA][p]["plain_text"] for p in parts]
    assert all("Ayesha" in text for text in before_erasure[1:])  # the note, in every part

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", telegram.fake.token)
    monkeypatch.setenv("TELEGRAM_API_URL", telegram.fake.base_url)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", WEBHOOK_URL)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    code, output = run_cli(
        database_url, clock, "applicant", "erase", "1", "--yes", config=telegram_config_path
    )
    assert code == 0, output
    telegram.deliver()

    edited = {int(c.params["message_id"]) for c in telegram.fake.calls_to("editMessageText")}
    assert set(parts) <= edited
    shown = [telegram.fake.messages[SANA][p]["plain_text"] for p in parts]
    assert "personal data was erased" in shown[0]
    assert shown[1:] == ["(continued above)"] * (len(parts) - 1)
    for text in telegram.texts(SANA):
        assert "Ayesha" not in text
