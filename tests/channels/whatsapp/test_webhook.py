"""The webhook: Meta's handshake, signatures, commands in and replies out, redeliveries."""

from __future__ import annotations

import json

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
    assert "list" in whatsapp.last().text


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
