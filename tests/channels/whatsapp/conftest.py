"""A hirebot serving WhatsApp, its server, and the fake Cloud API it talks to.

Notifications go in as Meta sends them, signed, to the real webhook route; replies come out
through the delivery loop and the real pywa client; assertions read what the fake accepted.
The shipped config.yaml gives sana, omar and hina their numbers; lucas's is taken out here,
for the linking tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot, bootstrap
from bot.channels.whatsapp.render import plain
from bot.channels.whatsapp.runtime import SIGNATURE_HEADER, WhatsAppRuntime
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.runtime.server import Server, build_server
from tests.cli_runner import run_cli
from tests.conftest import ROOT
from tests.fakes.whatsapp_api import FakeWhatsAppAPI, SentMessage, User
from tests.helpers import handle_inbox

VERIFY_TOKEN = "verify-me-0123"
NUMBERS = {"sana": "+923001234501", "omar": "+923001234502", "hina": "+923001234503"}
LUCAS_NUMBER = "+4915123456704"
STRANGER_NUMBER = "+923001234599"


def whatsapp_config_dict() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    for person in raw["people"]:
        if person["key"] == "lucas":
            person.pop("whatsapp", None)
    return raw


@pytest.fixture(scope="session")
def whatsapp_config() -> HirebotConfig:
    return HirebotConfig.model_validate(whatsapp_config_dict())


@pytest.fixture
def fake(clock: FrozenClock) -> Iterator[FakeWhatsAppAPI]:
    with FakeWhatsAppAPI(now=clock.now) as server:
        yield server


def whatsapp_env(fake: FakeWhatsAppAPI, **extra: str) -> Environment:
    """The channel's settings pointing at the fake. Pacing per person is off unless a test
    turns it on (`WHATSAPP_PAIR_INTERVAL_SECONDS`): the frozen clock only moves when a test
    moves it, and most tests send several messages to one person at one instant."""
    return Environment.model_validate(
        {
            "HIREBOT_DELIVERY_PACING": "on",
            "WHATSAPP_PAIR_INTERVAL_SECONDS": "0",
            "WHATSAPP_TOKEN": fake.token,
            "WHATSAPP_PHONE_NUMBER_ID": fake.phone_number_id,
            "WHATSAPP_APP_SECRET": fake.app_secret,
            "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
            "WHATSAPP_API_URL": fake.base_url,
            **extra,
        }
    )


@dataclass
class WhatsApp:
    """hirebot serving WhatsApp, driven the way Meta drives it."""

    hirebot: Hirebot
    server: Server
    runtime: WhatsAppRuntime
    fake: FakeWhatsAppAPI
    clock: FrozenClock
    client: TestClient

    def __post_init__(self) -> None:
        self.sana = self.fake.user(NUMBERS["sana"], "PK.1001", "Sana")
        self.omar = self.fake.user(NUMBERS["omar"], "PK.1002", "Omar")
        self.hina = self.fake.user(NUMBERS["hina"], "PK.1003", "Hina")
        self.lucas = self.fake.user(LUCAS_NUMBER, "DE.1004", "Lucas")
        self.stranger = self.fake.user(STRANGER_NUMBER, "PK.1999", "Stranger")

    def post(
        self, notification: dict[str, Any], *, signature: str | None = "sign"
    ) -> httpx.Response:
        body = json.dumps(notification).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            headers[SIGNATURE_HEADER] = self.fake.sign(body)
        elif signature is not None:
            headers[SIGNATURE_HEADER] = signature
        response: httpx.Response = self.client.post(
            "/whatsapp/webhook", content=body, headers=headers
        )
        handle_inbox(self.hirebot)
        return response

    def say(
        self, text: str, user: User | None = None, *, quoting: str | None = None
    ) -> dict[str, Any]:
        notification = self.fake.message(user or self.sana, text, quoting=quoting)
        response = self.post(notification)
        assert response.status_code == 200, response.text
        return notification

    def tap(self, sent: SentMessage, title: str, user: User | None = None) -> dict[str, Any]:
        notification = self.fake.tap(user or self.sana, sent, title)
        response = self.post(notification)
        assert response.status_code == 200, response.text
        return notification

    def press(self, label: str, user: User | None = None, sent: SentMessage | None = None) -> str:
        """Tap the choice saying `label` on `sent` (default: the newest message offering it);
        returns the text of the next message shown."""
        user = user or self.sana
        if sent is None:
            offering = [m for m in self.shown(user) if label in m.labels()]
            assert offering, f"no choice {label!r}: {[m.text[:60] for m in self.shown(user)[-3:]]}"
            sent = offering[-1]
        title = sent.choices[sent.labels().index(label)][0]
        before = len(self.shown(user))
        self.tap(sent, title, user)
        self.deliver()
        shown = self.shown(user)
        assert len(shown) > before, f"nothing came after tapping {label!r}"
        return plain(shown[-1].text)

    def type_in(self, text: str, user: User | None = None) -> str:
        before = len(self.shown(user))
        self.say(text, user)
        self.deliver()
        shown = self.shown(user)
        assert len(shown) > before, f"nothing came after typing {text!r}"
        return plain(shown[-1].text)

    def find(self, starts: str, user: User | None = None) -> SentMessage:
        found = [m for m in self.shown(user) if plain(m.text).startswith(starts)]
        assert found, f"no message starting {starts!r}: {[m.text[:60] for m in self.shown(user)]}"
        return found[-1]

    def deliver(self) -> int:
        """Run the delivery loop until it has nothing left to send now."""
        total, idle = 0, 0
        for _ in range(30):
            sent = self.server.delivery.run_pending()
            total += sent
            idle = idle + 1 if sent == 0 else 0
            if idle == 2:
                break
        return total

    def shown(self, user: User | None = None) -> list[SentMessage]:
        return self.fake.to(user or self.sana)

    def texts(self, user: User | None = None) -> list[str]:
        return [m.text for m in self.shown(user)]

    def last(self, user: User | None = None) -> SentMessage:
        shown = self.shown(user)
        assert shown, "nothing was sent"
        return shown[-1]


def start_whatsapp(
    database_url: str, config: HirebotConfig, fake: FakeWhatsAppAPI, clock: FrozenClock, **env: str
) -> WhatsApp:
    hirebot = bootstrap(
        config=config,
        database_url=database_url,
        clock=clock,
        channels=("whatsapp",),
        env=whatsapp_env(fake, **env),
    )
    server = build_server(hirebot)
    runtime = server.runtimes[0]
    assert isinstance(runtime, WhatsAppRuntime)
    runtime.start()
    return WhatsApp(hirebot, server, runtime, fake, clock, TestClient(server.asgi()))


@pytest.fixture
def whatsapp(
    database_url: str, whatsapp_config: HirebotConfig, fake: FakeWhatsAppAPI, clock: FrozenClock
) -> Iterator[WhatsApp]:
    harness = start_whatsapp(database_url, whatsapp_config, fake, clock)
    try:
        yield harness
    finally:
        harness.runtime.stop()
        harness.hirebot.close()


def erase_through_cli(
    wa: WhatsApp,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    config: dict[str, Any],
    applicant: str = "1",
) -> None:
    """`hirebot applicant erase` as an operator runs it, in its own process with the channel's
    settings and `config` written as config.yaml, then the edits it queues delivered."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    for key, value in {
        "WHATSAPP_TOKEN": wa.fake.token,
        "WHATSAPP_PHONE_NUMBER_ID": wa.fake.phone_number_id,
        "WHATSAPP_APP_SECRET": wa.fake.app_secret,
        "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        "WHATSAPP_API_URL": wa.fake.base_url,
    }.items():
        monkeypatch.setenv(key, value)
    code, output = run_cli(
        database_url, wa.clock, "applicant", "erase", applicant, "--yes", config=path
    )
    assert code == 0, output
    wa.deliver()
