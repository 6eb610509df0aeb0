"""Bulk actions over the Telegram webhook: several ids in one command, and "Advance all…"
under a list, confirmed once with a tap."""

from __future__ import annotations

from typing import Any

from tests.channels.telegram.conftest import HINA, SANA, Telegram


def buttons(message: dict[str, Any]) -> dict[str, str]:
    markup = message.get("reply_markup") or {"inline_keyboard": []}
    return {b["text"]: b["callback_data"] for row in markup["inline_keyboard"] for b in row}


def last_message(telegram: Telegram, chat: int) -> dict[str, Any]:
    messages = telegram.fake.messages[chat]
    return dict(messages[max(messages)])


def stages(telegram: Telegram) -> list[str]:
    with telegram.hirebot.uow() as uow:
        return [a.stage for i in (1, 2, 3) if (a := uow.applicants.get(i)) is not None]


def add_three(telegram: Telegram) -> None:
    for index, name in enumerate(("Ayesha Khan", "Bilal Ahmed", "Chen Wei"), start=1):
        telegram.say(f'/add senior-backend "{name}" email=a{index}@example.com')
    telegram.deliver()


def test_move_several_by_command(telegram: Telegram) -> None:
    add_three(telegram)
    telegram.say("/move 1 3 screening")
    telegram.deliver()
    answer = telegram.last(SANA)
    assert "Moved 2 of 2 applicants to Screening" in answer
    assert "#3 Chen Wei: Applied → Screening" in answer
    assert stages(telegram) == ["screening", "applied", "screening"]
    telegram.say("/reject 1 2 reason=role-filled", user=HINA)
    telegram.deliver()
    assert telegram.last(HINA).startswith("⚠️ you need permission to move")


def test_advance_all_under_a_list(telegram: Telegram) -> None:
    add_three(telegram)
    telegram.say("/list senior-backend applied")
    telegram.deliver()
    listing = last_message(telegram, SANA)
    data = buttons(listing)["Advance all 3…"]
    assert data == "a:bulk:advance:l:senior-backend:applied"
    telegram.tap(data, chat=SANA, message_id=listing["message_id"])
    telegram.deliver()
    confirm = last_message(telegram, SANA)
    assert "Advance these 3 applicants to their next stage?" in confirm["plain_text"]
    assert "#2 Bilal Ahmed — Applied" in confirm["plain_text"]
    assert stages(telegram) == ["applied"] * 3
    go = buttons(confirm)["Advance 3 applicants"]
    telegram.tap(go, chat=SANA, message_id=confirm["message_id"])
    telegram.deliver()
    assert "Advanced 3 of 3 applicants" in telegram.last(SANA)
    assert stages(telegram) == ["screening"] * 3
