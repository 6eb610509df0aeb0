"""An approval request is edited once its offer is decided or withdrawn: the approver's private
chat keeps no live Approve / Decline buttons for an offer that waits on nobody (over the real
webhook route and the fake Bot API)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import Offer
from tests.channels.telegram.conftest import OMAR, SANA, Telegram

OVER_RANGE = "pay=16000 start=2027-01-10 terms=scope,ip,confidentiality reason='rare Go skills'"


def keyboard(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def request_for(telegram: Telegram, offer_id: int) -> tuple[int, dict[str, Any]]:
    """The approver's request for one offer, while it waits on them."""
    for message_id, message in sorted(telegram.fake.messages[OMAR].items()):
        if (
            f"Offer #{offer_id} for" in message["plain_text"]
            and "needs your approval" in (message["plain_text"])
        ):
            return message_id, message
    raise AssertionError(f"no request for offer #{offer_id} in {telegram.texts(OMAR)}")


def statuses(telegram: Telegram) -> list[str]:
    with telegram.hirebot.uow() as uow:
        return [o.status for o in uow.session.scalars(select(Offer).order_by(Offer.id))]


def to_final(telegram: Telegram, name: str, applicant_id: int) -> None:
    telegram.say(f"/add senior-backend {name}")
    for _ in range(4):
        telegram.say(f"/advance {applicant_id}")


def test_rejecting_edits_the_pending_request_and_tells_the_approver(telegram: Telegram) -> None:
    to_final(telegram, "Ayesha", 1)
    telegram.say(f"/offer 1 {OVER_RANGE}")
    telegram.deliver()
    request_id, request = request_for(telegram, 1)
    assert keyboard(request) == ["a:offer_approve:1", "i:offer_decline:1"]

    telegram.say("/reject 1 references did not check out")
    telegram.deliver()
    assert statuses(telegram) == ["withdrawn"]
    edited = telegram.fake.messages[OMAR][request_id]
    assert edited["edit_date"] is not None
    assert keyboard(edited) == []
    assert edited["plain_text"].startswith("Offer #1 for #1 Ayesha: withdrawn")
    assert (
        "Sana Mirza withdrew it: the application was closed as rejected." in (edited["plain_text"])
    )
    assert "Status: withdrawn" in edited["plain_text"]
    assert "Offer #1 for #1 Ayesha no longer needs your approval" in telegram.last(OMAR)
    assert "Omar Farooq, who was asked to approve it, has been told" in telegram.last(SANA)

    # a tap on the old message, had it been kept, changes nothing and says why
    telegram.tap("a:offer_approve:1", user=OMAR, chat=OMAR, message_id=request_id)
    telegram.deliver()
    assert statuses(telegram) == ["withdrawn"]


def test_a_typed_decision_edits_the_request_too(telegram: Telegram) -> None:
    to_final(telegram, "Bilal", 1)
    telegram.say(f"/offer 1 {OVER_RANGE}")
    telegram.deliver()
    request_id, _ = request_for(telegram, 1)
    telegram.say("/offer approve 1", user=OMAR)
    telegram.deliver()
    assert statuses(telegram) == ["approved"]
    edited = telegram.fake.messages[OMAR][request_id]
    assert keyboard(edited) == []
    assert "Omar Farooq approved it." in edited["plain_text"]
    assert "Status: approved, waiting for the candidate" in edited["plain_text"]
