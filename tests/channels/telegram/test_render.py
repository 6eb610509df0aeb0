"""Rendering without a server: escaping, splitting, button data limits, RetryAfter's two forms.

Texts are checked with the fake's port of Telegram's own HTML parser, so "parses" here means
"Telegram would accept it".
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram import ForceReply, InlineKeyboardMarkup
from telegram.error import RetryAfter

from bot.channels.telegram.render import (
    MAX_CALLBACK_BYTES,
    CallbackTooLong,
    callback_data,
    parse_callback,
    prompt_ref,
    render,
    render_card,
)
from bot.channels.telegram.sender import (
    REF_MAX,
    parse_parts,
    parse_ref,
    parts_ref,
    retry_seconds,
)
from bot.messages.reply import Action, Field, InputRequest, Reply
from tests.fakes.telegram_api import parse_html


def shown(html_text: str) -> str:
    return parse_html(html_text)[0]


def test_user_content_is_escaped_everywhere() -> None:
    nasty = "*_[x](y) <b>x</b> & <!channel> &amp; </i>"
    reply = Reply(
        kind="error",
        title=nasty,
        text=nasty,
        lines=[nasty],
        fields=[Field(label=nasty, value=nasty)],
        footer=nasty,
    )
    [message] = render(reply)
    plain, entities = parse_html(message.text)
    assert plain.split("\n") == [
        f"⚠️ {nasty}",
        nasty,
        nasty,
        f"{nasty}: {nasty}",
        nasty,
    ]
    assert [e["type"] for e in entities] == ["bold", "bold", "italic"]


def test_long_texts_are_split_between_lines_and_every_part_parses() -> None:
    lines = [f"line {n} <{'&' * 40}>" for n in range(200)]  # ~10,000 characters escaped
    parts = render(Reply(title="Long", lines=lines, actions=[Action(id="x", label="X", value="1")]))

    assert len(parts) > 1
    assert all(len(p.text) <= 4096 for p in parts)
    assert "\n".join(shown(p.text) for p in parts).split("\n") == ["Long", *lines]
    assert [p.markup is not None for p in parts] == [False] * (len(parts) - 1) + [True]


def test_a_single_line_longer_than_a_message_is_cut_safely() -> None:
    note = "<&>" * 3000  # 9,000 characters, 27,000 once escaped
    parts = render(Reply(fields=[Field(label="Note", value=note)]))

    assert all(len(p.text) <= 4096 for p in parts)
    assert "".join(shown(p.text) for p in parts) == f"Note: {note}"


def test_callback_data_fits_64_bytes_or_the_button_is_left_out() -> None:
    fits = Action(id="advance", label="Advance", value="1" * 54)  # "a:advance:" + 54 = 64
    too_long = Action(id="advance", label="Too long", value="1" * 55)  # 65 bytes
    multibyte = Action(id="x", label="é", value="é" * 31)  # 4 + 62 bytes = 66

    assert len(callback_data(fits).encode()) == MAX_CALLBACK_BYTES
    with pytest.raises(CallbackTooLong):
        callback_data(too_long)
    with pytest.raises(CallbackTooLong):
        callback_data(multibyte)
    [message] = render(Reply(text="pick", actions=[fits, too_long, multibyte]))
    assert isinstance(message.markup, InlineKeyboardMarkup)
    data = [b.callback_data for row in message.markup.inline_keyboard for b in row]
    assert data == [callback_data(fits)]


def test_buttons_round_trip() -> None:
    reject = Action(id="reject", label="Reject", value="12:applied", input_prompt="Reason")
    assert callback_data(reject) == "i:reject:12:applied"
    assert parse_callback("i:reject:12:applied") == ("i", "reject", "12:applied")
    assert parse_callback("a:flow:3:1:add") == ("a", "flow", "3:1:add")
    assert parse_callback("approve:17") is None
    assert parse_callback(None) is None


def test_a_prompt_asks_the_person_and_carries_its_reference() -> None:
    action = Action(id="reject", label="Reject", value="12:applied", input_prompt="Reason " * 20)
    reply = Reply(
        title="#12 <Ayesha>",
        text="Reason for rejecting",
        asks=InputRequest(action=action, by="555", by_name="Omar <F>"),
    )
    [message] = render(reply)
    plain, entities = parse_html(message.text)

    assert plain.startswith("Omar <F>, #12 <Ayesha>\nReason for rejecting\n")
    assert entities[0]["type"] == "text_mention"
    assert entities[0]["user"]["id"] == 555
    assert prompt_ref(plain) == ("reject", "12:applied")
    assert isinstance(message.markup, ForceReply)
    assert message.markup.selective is True
    assert len(message.markup.input_field_placeholder or "") == 64


def test_a_card_is_always_one_message() -> None:
    card = Reply(kind="card", title="#1 A", lines=["x" * 100] * 60, private=False)
    rendered = render_card(card)
    assert len(rendered.text) <= 4096
    assert shown(rendered.text).endswith("\n…")


def test_retry_after_in_seconds_or_as_a_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PTB_TIMEDELTA", raising=False)
    assert retry_seconds(RetryAfter(7)) == 7.0
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    assert retry_seconds(RetryAfter(timedelta(seconds=7))) == 7.0


def test_card_references() -> None:
    assert parse_ref("-1001:42") == (-1001, 42)
    assert parse_ref(None) is None
    assert parse_ref("C0HIRES:1.2") is None


def test_a_message_sent_in_parts_is_known_by_every_part() -> None:
    ref = parts_ref(-1001, [40, 41, 45, 46])
    assert ref == "-1001:40+1+4+1"
    assert parse_parts(ref) == (-1001, [40, 41, 45, 46])
    assert parse_parts("1003:7") == (1003, [7])  # one part, as every reference was before
    assert parse_ref(ref) == (-1001, 40)
    assert parse_parts("1003:7+x") is None
    assert parse_parts("1003:+1") is None


def test_a_reference_stays_within_its_column() -> None:
    ids = list(range(1_000_000, 1_000_200))
    ref = parts_ref(-1001234567890, ids)
    assert len(ref) <= REF_MAX
    parsed = parse_parts(ref)
    assert parsed is not None
    assert parsed[1] == ids[: len(parsed[1])]  # the first parts, in order
