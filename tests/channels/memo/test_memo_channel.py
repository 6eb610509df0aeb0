"""A channel registered from outside the core gets everything the built-in ones do: commands,
cards in the role's room, conversational flows and reminders, through its own webhook and
sender, with no edit under `bot/` (tests/channels/memo/channel.py is the whole channel)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot, bootstrap
from bot.channels import registry
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.delivery.sender import OutgoingMessage
from bot.environment import Environment
from bot.runtime.server import Server, build_server
from tests.channels.memo.channel import PLUGIN, TOKEN, MemoRuntime, MemoSettings
from tests.cli_runner import run_cli
from tests.helpers import handle_inbox

ROOT = Path(__file__).resolve().parents[3]
ROOM = "room-hiring"


class Memo:
    def __init__(self, hirebot: Hirebot, server: Server) -> None:
        self.hirebot, self.server = hirebot, server
        self.http = TestClient(server.asgi())
        self._ids = itertools.count(1)
        runtime = server.runtimes[0]
        assert isinstance(runtime, MemoRuntime)
        self.runtime = runtime

    def post(self, event: dict[str, Any], token: str = TOKEN) -> int:
        event = {"id": next(self._ids), **event}
        response = self.http.post("/memo/events", json=event, headers={"X-Memo-Token": token})
        handle_inbox(self.hirebot)
        self.server.delivery.run_pending()
        status: int = response.status_code
        return status

    def say(self, user: str, text: str, chat: str | None = None) -> None:
        assert self.post({"user": user, "chat": chat or user, "text": text}) == 200

    def tap(self, user: str, action: str, value: str, chat: str | None = None) -> None:
        tap = {"action": action, "value": value}
        assert self.post({"user": user, "chat": chat or user, "tap": tap}) == 200

    def seen(self, chat: str) -> list[OutgoingMessage]:
        return self.runtime.memo_sender.to(chat)

    def last_text(self, chat: str) -> str:
        return self.seen(chat)[-1].reply.plain_text()


def _config() -> HirebotConfig:
    raw: dict[str, Any] = yaml.safe_load((ROOT / "config.yaml").read_text())
    ids = {"sana": "m-sana", "hina": "m-hina", "omar": "m-omar"}
    for person in raw["people"]:
        if person["key"] in ids:
            person["memo_id"] = ids[person["key"]]
    raw["roles"][0]["channels"]["memo"] = ROOM
    return HirebotConfig.model_validate(raw)


@pytest.fixture
def memo(database_url: str, clock: FrozenClock) -> Iterator[Memo]:
    registry.register(PLUGIN)
    try:
        hirebot = bootstrap(
            config=_config(),
            database_url=database_url,
            clock=clock,
            env=Environment.model_validate({"MEMO_TOKEN": TOKEN}),
        )
        assert "memo" in hirebot.channels
        yield Memo(hirebot, build_server(hirebot, scheduler=False))
        hirebot.close()
    finally:
        registry.unregister("memo")


def test_the_config_keys_are_the_channels_own() -> None:
    registry.register(PLUGIN)
    try:
        catalog = _config().catalog()
        assert catalog.person("sana").identities == {
            "slack": "U0SANAMRZ",
            "whatsapp": "+923001234501",
            "email": "sana.mirza@example.com",
            "memo": "m-sana",
        }
        assert catalog.role("senior-backend").channels["memo"] == ROOM
        raw: dict[str, Any] = yaml.safe_load((ROOT / "config.yaml").read_text())
        raw["people"][0]["memo_id"] = "sana"
        with pytest.raises(ValueError, match="not a memo user"):
            HirebotConfig.model_validate(raw)
    finally:
        registry.unregister("memo")
    raw["people"][0]["memo_id"] = "m-sana"
    with pytest.raises(ValueError, match="unknown key 'memo_id'"):
        HirebotConfig.model_validate(raw)  # without the channel, its key means nothing


def test_the_channel_reads_its_own_settings_from_the_environment_it_was_given(
    database_url: str, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEMO_TOKEN", "from-the-process")
    registry.register(PLUGIN)
    try:
        given = Environment.model_validate({"MEMO_TOKEN": TOKEN})
        assert given.channel_settings(MemoSettings).token == TOKEN  # the given mapping wins
        assert Environment().channel_settings(MemoSettings).token == "from-the-process"
        monkeypatch.delenv("MEMO_TOKEN")
        hirebot = bootstrap(
            config=_config(),
            database_url=database_url,
            clock=clock,
            env=Environment.model_validate({}),
        )
        hirebot.close()
        assert "memo" not in hirebot.channels  # no MEMO_TOKEN: the channel is off
    finally:
        registry.unregister("memo")


def test_a_bad_channel_setting_stops_the_cli_naming_the_variable(
    database_url: str, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEMO_TOKEN", "short")
    registry.register(PLUGIN)
    try:
        for command in (["jobs", "run-due"], ["outbox"]):
            code, output = run_cli(database_url, clock, *command)
            assert code == 2, output
            assert "invalid environment" in output
            assert "MEMO_TOKEN: String should have at least 8 characters" in output
    finally:
        registry.unregister("memo")


def test_commands_cards_and_identities(memo: Memo) -> None:
    assert memo.post({"user": "m-sana", "chat": "m-sana", "text": "help"}, token="wrong") == 403
    memo.say("m-sana", "whoami")
    assert "memo: m-sana; slack: U0SANAMRZ" in memo.last_text("m-sana")
    memo.say("m-zed", "list")
    assert "I don't know you yet" in memo.last_text("m-zed")

    memo.say("m-sana", "add senior-backend 'Ayesha Khan' email=ayesha@example.com")
    [card] = [m for m in memo.seen(ROOM) if m.kind == "card"]
    assert "Ayesha Khan" in card.reply.plain_text()
    assert "ayesha@example.com" not in card.reply.plain_text()  # a shared room: no contact data
    assert "Added #1 Ayesha Khan" in memo.last_text("m-sana")
    advance = next(a for a in card.reply.actions if a.label.startswith("Advance"))
    memo.tap("m-omar", advance.id, advance.value, chat=ROOM)
    memo.say("m-sana", "show 1")
    assert "Screening" in memo.last_text("m-sana")
    memo.tap("m-omar", advance.id, advance.value, chat=ROOM)  # a stale tap changes nothing twice
    memo.say("m-sana", "history 1")
    assert memo.last_text("m-sana").count("to Screening") == 1


def test_flows_and_reminders_reach_an_interviewer_on_the_channel(
    memo: Memo, clock: FrozenClock
) -> None:
    memo.say("m-sana", "add senior-backend 'Ayesha Khan' email=ayesha@example.com")
    memo.say("m-sana", "move 1 screening")
    memo.say("m-sana", "schedule 1 2026-11-24 15:00 with=hina stage=screening duration=30m")
    clock.set(datetime(2026, 11, 24, 10, 45, tzinfo=UTC))  # the interview (PKT) has ended
    memo.hirebot.tasks.run_due(clock.now())
    memo.server.delivery.run_pending()
    ask = memo.seen("m-hina")[-1].reply
    assert "How did the screening interview with Ayesha Khan" in ask.plain_text()
    start = next(a for a in ask.actions if a.label == "Start feedback")
    memo.tap("m-hina", start.id, start.value)
    question = memo.seen("m-hina")[-1].reply
    assert question.actions, question.plain_text()  # the first rating, with a button per score
    rating = question.actions[0]
    memo.tap("m-hina", rating.id, rating.value)
    assert memo.seen("m-hina")[-1].reply.plain_text() != question.plain_text()  # moved on

    clock.set(datetime(2026, 11, 25, 11, 0, tzinfo=UTC))  # a day later, still not submitted
    memo.hirebot.tasks.run_due(clock.now())
    memo.server.delivery.run_pending()
    assert "feedback" in memo.last_text("m-hina").lower()
    assert any("owe" in m.reply.plain_text().lower() for m in memo.seen("m-hina")[-2:])
