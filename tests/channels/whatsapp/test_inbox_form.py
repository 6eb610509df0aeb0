"""What the webhook stores in the inbox: a message as the translated `Inbound` in the codec's
form (as every channel stores it) with the door's correlation id, a status as its wamid and
word, and items recorded raw by an earlier version still handled."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.channels.whatsapp.render import parse_callback
from bot.channels.whatsapp.runtime import SIGNATURE_HEADER, split
from bot.handlers import inbound_codec
from storage.models import InboundEvent, OutboxMessage
from tests.channels.whatsapp.conftest import NUMBERS, WhatsApp
from tests.helpers import handle_inbox


def events(wa: WhatsApp) -> list[InboundEvent]:
    with wa.hirebot.uow() as uow:
        return list(uow.session.scalars(select(InboundEvent).order_by(InboundEvent.id)))


def record(wa: WhatsApp, notification: dict[str, Any]) -> InboundEvent:
    """Post a signed notification without handling it; the row it recorded."""
    body = json.dumps(notification).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: wa.fake.sign(body)}
    assert wa.client.post("/whatsapp/webhook", content=body, headers=headers).is_success
    return events(wa)[-1]


def test_a_message_is_stored_as_the_translated_event_with_the_doors_correlation_id(
    whatsapp: WhatsApp,
) -> None:
    notification = whatsapp.fake.message(whatsapp.sana, "roles")
    [(key, lane, _single)] = split(notification)
    row = record(whatsapp, notification)

    assert (row.key, row.lane) == (key, lane)
    assert "entry" not in row.payload  # not the notification: what handling needs, only
    inbound = inbound_codec.load(row.payload["inbound"])
    assert (inbound.channel, inbound.text) == ("whatsapp", "roles")
    assert inbound.user_ref == NUMBERS["sana"]
    assert inbound.dedup_key == key.replace(":message:", ":")
    assert inbound.correlation_id == row.correlation_id
    assert row.payload["sender"] == {"wa_id": whatsapp.sana.wa_id, "bsuid": "PK.1001"}

    handle_inbox(whatsapp.hirebot)
    whatsapp.deliver()
    assert "senior-backend" in whatsapp.last().text
    with whatsapp.hirebot.uow() as uow:
        [reply] = uow.session.scalars(select(OutboxMessage)).all()
    assert reply.correlation_id == row.correlation_id


def test_a_tap_is_stored_as_the_action_its_button_stands_for(whatsapp: WhatsApp) -> None:
    whatsapp.say("add senior-backend 'Ayesha Khan' email=ayesha@example.com")
    whatsapp.deliver()
    card = next(m for m in whatsapp.shown() if m.choices)
    title, data = card.choices[0]
    row = record(whatsapp, whatsapp.fake.tap(whatsapp.sana, card, title))

    action = inbound_codec.load(row.payload["inbound"]).action
    parsed = parse_callback(data)
    assert action is not None
    assert parsed is not None
    assert (action.id, action.value) == parsed[1:]


def test_a_status_is_stored_as_its_message_word_and_error(whatsapp: WhatsApp) -> None:
    whatsapp.say("roles")
    whatsapp.deliver()
    sent = whatsapp.last()
    row = record(whatsapp, whatsapp.fake.status(sent, "failed", error=131026))

    status = row.payload["status"]
    assert set(row.payload) == {"status"}
    assert (status["id"], status["status"], status["error"][0]) == (sent.wamid, "failed", 131026)
    handle_inbox(whatsapp.hirebot)
    with whatsapp.hirebot.uow() as uow:
        sent_row = uow.outbox.by_external_ref("whatsapp", sent.wamid)
        assert sent_row is not None
        assert (sent_row.receipt, sent_row.status) == ("failed", "failed")


def test_an_item_recorded_raw_before_the_upgrade_is_still_handled(whatsapp: WhatsApp) -> None:
    """The transition: rows an earlier version wrote hold the notification's item as Meta
    sent it."""
    [(key, lane, single)] = split(whatsapp.fake.message(whatsapp.sana, "roles"))
    assert whatsapp.hirebot.inbox.receive(
        "whatsapp", key, lane, single, correlation_id="earlier-0001"
    )
    handle_inbox(whatsapp.hirebot)
    whatsapp.deliver()

    assert "senior-backend" in whatsapp.last().text
    with whatsapp.hirebot.uow() as uow:
        [reply] = uow.session.scalars(select(OutboxMessage)).all()
    assert reply.correlation_id == "earlier-0001"
