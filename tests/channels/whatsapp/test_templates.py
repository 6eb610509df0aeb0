"""The invitation templates from config.yaml's `channels: whatsapp:` section: validated with a
clear error, chosen per purpose (reminder, digest, prompt) with the environment as the
fallback, and sent through pywa to the fake Cloud API, which knows only approved ones."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.channels.whatsapp.sender import purpose_of
from bot.channels.whatsapp.settings import WhatsAppConfig, WhatsAppSettings
from bot.clock import FrozenClock
from bot.config import ConfigError, HirebotConfig, load_config
from bot.messages.reply import Action, Reply
from tests.channels.whatsapp.conftest import WhatsApp, start_whatsapp, whatsapp_config_dict
from tests.fakes.whatsapp_api import FakeWhatsAppAPI

TEMPLATES = {
    "default": {"name": "hirebot_waiting", "language": "en"},
    "digest": {"name": "hirebot_digest", "language": "en_US"},
    "prompt": {"name": "hirebot_question"},
}


def _config(section: Any) -> dict[str, Any]:
    raw = whatsapp_config_dict()
    raw["channels"] = section
    return raw


@pytest.mark.parametrize(
    ("section", "error"),
    [
        (
            {"whatsapp": {"templates": {"reminder": {"name": "Hirebot Reminder"}}}},
            "channels: whatsapp.templates.reminder.name: String should match pattern",
        ),
        (
            {"whatsapp": {"templates": {"digest": {"language": "english"}}}},
            "channels: whatsapp.templates.digest.language: String should match pattern",
        ),
        (
            {"whatsapp": {"templates": {"nudge": {"name": "x"}}}},
            "channels: whatsapp.templates.nudge: Extra inputs are not permitted",
        ),
        ({"whatsap": {}}, "channels: unknown channel 'whatsap' — did you mean 'whatsapp'?"),
        ({"console": {"x": 1}}, "channels: console: the channel has no settings in config.yaml"),
    ],
)
def test_a_bad_section_is_refused_naming_the_key(section: Any, error: str, tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(_config(section)), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert f"{path}: {error}" in str(caught.value)


def test_the_shipped_config_names_the_default_template() -> None:
    config = HirebotConfig.model_validate(whatsapp_config_dict())
    templates = config.channel_config("whatsapp", WhatsAppConfig)
    assert templates.template("reminder", WhatsAppSettings()) == ("hirebot_waiting", "en")


def test_precedence_purpose_then_default_then_environment_then_built_in() -> None:
    env = WhatsAppSettings(template="from_env", template_language="de")
    assert WhatsAppConfig().template("digest", env) == ("from_env", "de")
    assert WhatsAppConfig().template("digest", WhatsAppSettings()) == ("hirebot_waiting", "en")
    config = WhatsAppConfig.model_validate({"templates": TEMPLATES})
    assert config.template("digest", env) == ("hirebot_digest", "en_US")
    assert config.template("prompt", env) == ("hirebot_question", "en")  # language: default's
    assert config.template("reminder", env) == ("hirebot_waiting", "en")
    only_language = WhatsAppConfig.model_validate({"templates": {"reminder": {"language": "ur"}}})
    assert only_language.template("reminder", env) == ("from_env", "ur")


def test_what_waits_decides_the_purpose() -> None:
    snooze = Action(id="feedback_snooze", label="Snooze a day", value="1")
    choose = Action(id="flow", label="Yes", value="1:1:yes")
    assert purpose_of(Reply(title="Reminder: you owe feedback", actions=[snooze])) == "reminder"
    assert purpose_of(Reply(text="Strong hire?", actions=[choose])) == "prompt"
    assert purpose_of(Reply(kind="card", title="#1 A", actions=[choose])) == "digest"
    assert purpose_of(Reply(title="Hiring digest for Omar")) == "digest"


@pytest.fixture
def wa(database_url: str, fake: FakeWhatsAppAPI, clock: FrozenClock) -> Iterator[WhatsApp]:
    fake.templates.known[("hirebot_digest", "en_US")] = 1
    fake.templates.known[("hirebot_question", "en")] = 1
    config = HirebotConfig.model_validate(_config({"whatsapp": {"templates": TEMPLATES}}))
    harness = start_whatsapp(database_url, config, fake, clock)
    try:
        yield harness
    finally:
        harness.runtime.stop()
        harness.hirebot.close()


def test_a_card_outside_the_window_invites_with_the_digest_template(wa: WhatsApp) -> None:
    wa.type_in("follow senior-backend", wa.omar)
    wa.clock.advance(timedelta(hours=30))  # Omar's window has closed
    wa.say("add senior-backend 'Ayesha Khan'")
    wa.deliver()
    invitation = wa.last(wa.omar)
    assert invitation.type == "template"
    assert invitation.body["template"]["name"] == "hirebot_digest"
    assert invitation.body["template"]["language"]["code"] == "en_US"
    assert wa.fake.refused == []

    response = wa.post(wa.fake.quick_reply(wa.omar, invitation, "open", "Show me"))
    assert response.status_code == 200
    wa.deliver()
    assert wa.last(wa.omar).text.startswith("*#1 Ayesha Khan*")
