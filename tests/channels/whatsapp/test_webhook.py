"""The webhook: Meta's handshake, signatures, commands in and replies out, redeliveries."""

from __future__ import annotations

import json

from bot.channels.whatsapp.runtime import SIGNATURE_HEADER
from bot.runtime.body_limit import MAX_WEBHOOK_BODY
from tests.channels.whatsapp.conftest import VERIFY_TOKEN, WhatsApp


def test_the_handshake_echoes_the_challenge_for_the_right_token(whatsapp: WhatsApp) -> None:
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    response = whatsapp.client.get("/whatsapp/webhook", params=params)
    assert response.status_code == 200
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")
    wrong = whatsapp.client.get("/whatsapp/webhook", params=params | {"hub.verify_token": "nope"})
    assert wrong.status_code == 403


def test_a_command_gets_its_answer_in_the_private_chat(whatsapp: WhatsApp) -> None:
    whatsapp.say("help")
    assert whatsapp.deliver() >= 1
    # longer than one message: split between lines, the footer last
    assert any("list [role]" in m.text for m in whatsapp.shown())
    assert "help <command>" in whatsapp.last().text


def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(whatsapp: WhatsApp) -> None:
    notification = whatsapp.fake.message(whatsapp.sana, "help")
    assert whatsapp.post(notification, signature=None).status_code == 401
    assert whatsapp.post(notification, signature="sha256=" + "0" * 64).status_code == 401
    forged = json.dumps(notification).encode()
    assert (
        whatsapp.post(notification, signature=whatsapp.fake.sign(forged + b" ")).status_code == 401
    )
    assert (
        whatsapp.hirebot.inbox.counts() == {} or sum(whatsapp.hirebot.inbox.counts().values()) == 0
    )
    whatsapp.deliver()
    assert whatsapp.shown() == []


def test_huge_or_unreadable_bodies_are_refused_and_change_nothing(whatsapp: WhatsApp) -> None:
    """Signed or not, a body over the webhooks' limit is a 413 before its signature is even
    checked, and a signed body that is not a JSON object is a 400."""
    huge = b"{" + b" " * MAX_WEBHOOK_BODY + b"}"
    headers = {SIGNATURE_HEADER: whatsapp.fake.sign(huge)}
    assert (
        whatsapp.client.post("/whatsapp/webhook", content=huge, headers=headers).status_code == 413
    )
    for body in (b"[1]", b"{", b"\xff"):
        signed = {SIGNATURE_HEADER: whatsapp.fake.sign(body)}
        response = whatsapp.client.post("/whatsapp/webhook", content=body, headers=signed)
        assert response.status_code == 400, body
    assert sum(whatsapp.hirebot.inbox.counts().values()) == 0


def test_a_redelivered_notification_is_handled_once(whatsapp: WhatsApp) -> None:
    notification = whatsapp.say("roles")
    assert whatsapp.post(notification).status_code == 200
    whatsapp.deliver()
    assert len(whatsapp.shown()) == 1


def test_a_number_nobody_linked_gets_a_polite_refusal(whatsapp: WhatsApp) -> None:
    whatsapp.say("list", whatsapp.stranger)
    whatsapp.deliver()
    texts = whatsapp.texts(whatsapp.stranger)
    assert len(texts) == 1
    assert "don't know you" in texts[0]


def test_a_slash_is_fine_and_errors_are_the_cores(whatsapp: WhatsApp) -> None:
    whatsapp.say("/show 99")
    whatsapp.deliver()
    assert "#99" in whatsapp.last().text
    assert whatsapp.last().text.startswith("⚠️")


def test_a_notification_carrying_several_messages_handles_each_once(whatsapp: WhatsApp) -> None:
    first = whatsapp.fake.message(whatsapp.sana, "roles")
    second = whatsapp.fake.message(whatsapp.omar, "whoami")
    value = first["entry"][0]["changes"][0]["value"]
    other = second["entry"][0]["changes"][0]["value"]
    value["contacts"] += other["contacts"]
    value["messages"] += other["messages"]
    assert whatsapp.post(first).status_code == 200
    assert whatsapp.post(first).status_code == 200  # redelivered whole
    whatsapp.deliver()
    assert len(whatsapp.shown(whatsapp.sana)) == 1
    assert len(whatsapp.shown(whatsapp.omar)) == 1
    assert "Omar Farooq" in whatsapp.last(whatsapp.omar).text


def test_a_long_answer_is_split_at_lines_and_each_part_fits(whatsapp: WhatsApp) -> None:
    whatsapp.say('add senior-backend "Ayesha Khan" email=ayesha@example.com')
    for n in range(12):
        whatsapp.say(f"note 1 {'observation ' * 30}{n}")
    whatsapp.deliver()
    shown_before = len(whatsapp.shown())
    whatsapp.say("notes 1")
    whatsapp.deliver()
    parts = whatsapp.shown()[shown_before:]
    assert all(len(p.text) <= 4096 for p in parts)
    assert whatsapp.fake.refused == []


def test_a_role_cannot_name_a_whatsapp_chat() -> None:
    import pytest

    from bot.config import HirebotConfig
    from tests.channels.whatsapp.conftest import whatsapp_config_dict

    raw = whatsapp_config_dict()
    raw["roles"][0]["channels"]["whatsapp"] = "+923001234501"
    with pytest.raises(ValueError, match="unknown channel 'whatsapp'"):
        HirebotConfig.model_validate(raw)
