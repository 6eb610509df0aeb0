"""Offer approval in Telegram: the hiring manager's private chat gets Approve / Decline buttons;
Decline asks for the reason with a forced reply, over the real webhook route."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import Offer
from tests.channels.telegram.conftest import OMAR, SANA, Telegram

GOOD = "pay=12500 start=2027-01-10 terms=scope,ip,confidentiality"


def keyboard(message: dict[str, Any]) -> list[str]:
    return [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


def statuses(telegram: Telegram) -> list[str]:
    with telegram.hirebot.uow() as uow:
        return [o.status for o in uow.session.scalars(select(Offer).order_by(Offer.id))]


def newest(telegram: Telegram, chat: int) -> tuple[int, dict[str, Any]]:
    message_id = max(telegram.fake.messages[chat])
    return message_id, telegram.fake.messages[chat][message_id]


def to_final(telegram: Telegram, name: str, applicant_id: int) -> None:
    telegram.say(f"/add senior-backend {name}")
    for _ in range(4):
        telegram.say(f"/advance {applicant_id}")


def test_approve_with_a_tap_and_decline_with_a_forced_reply(telegram: Telegram) -> None:
    to_final(telegram, "Ayesha", 1)
    telegram.say(f"/offer 1 {GOOD}")
    telegram.deliver()
    message_id, request = newest(telegram, OMAR)
    assert "Offer #1 for #1 Ayesha needs your approval" in request["plain_text"]
    assert keyboard(request) == ["a:offer_approve:1", "i:offer_decline:1"]

    telegram.tap("a:offer_approve:1", user=OMAR, chat=OMAR, message_id=message_id)
    telegram.deliver()
    assert statuses(telegram) == ["approved"]
    assert "Approved offer #1" in telegram.last(OMAR)
    assert "Offer #1 for #1 Ayesha is approved" in "\n".join(telegram.texts(SANA))

    to_final(telegram, "Bilal", 2)
    telegram.say(f"/offer 2 {GOOD}")
    telegram.deliver()
    message_id, request = newest(telegram, OMAR)
    telegram.tap("i:offer_decline:2", user=OMAR, chat=OMAR, message_id=message_id)
    telegram.deliver()
    assert statuses(telegram) == ["approved", "pending_approval"]  # nothing before the reason
    prompt_id, prompt = newest(telegram, OMAR)
    assert prompt["reply_markup"]["force_reply"] is True
    assert "Reason for declining this offer" in prompt["plain_text"]

    telegram.answer("over <b>budget</b>", to=prompt_id, chat=OMAR, user=OMAR)
    telegram.deliver()
    assert statuses(telegram) == ["approved", "declined_by_manager"]
    assert "Declined offer #2 for #2 Bilal: over <b>budget</b>" in telegram.last(OMAR)
    with telegram.hirebot.uow() as uow:
        offer = uow.session.get(Offer, 2)
        assert offer is not None
        assert offer.decision_reason == "over <b>budget</b>"
