"""Proves FakeTelegramAPI is faithful enough to test hirebot against: the real
python-telegram-bot client talks to it and gets the answers, and the errors, that the
real Bot API gives.  Async client calls run under ``asyncio.run`` so no plugin is needed.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest
from telegram import Bot, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fakes.telegram_api import (
    FakeTelegramAPI,
    TelegramAPIError,
    callback_update,
    message_update,
    parse_entities,
)

T = TypeVar("T")

APPROVE = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Approve", callback_data="approve:17"),
            InlineKeyboardButton("CV", url="https://example.com/cv/17"),
        ]
    ]
)


@pytest.fixture
def fake() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI() as server:
        yield server


def with_bot(
    fake: FakeTelegramAPI, action: Callable[[Bot], Awaitable[T]], token: str | None = None
) -> T:
    """Run one action with a real, initialised telegram.Bot pointed at the fake."""

    async def main() -> T:
        bot = Bot(token or fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)
        async with bot:
            return await action(bot)

    return asyncio.run(main())


# The happy paths --------------------------------------------------------------------


def test_get_me_describes_the_bot(fake: FakeTelegramAPI) -> None:
    me = with_bot(fake, lambda bot: bot.get_me())

    assert me.id == fake.bot_id
    assert me.is_bot
    assert me.username == "hirebot_test_bot"
    assert me.can_join_groups is True
    assert me.supports_inline_queries is False
    assert [call.method for call in fake.calls] == ["getMe", "getMe"]  # initialize + ours


def test_send_message_with_inline_keyboard(fake: FakeTelegramAPI) -> None:
    async def send(bot: Bot) -> tuple[Any, ...]:
        first = await bot.send_message(
            42, "<b>Alice &amp; Bob</b> applied 🎉", parse_mode="HTML", reply_markup=APPROVE
        )
        second = await bot.send_message(42, "plain")
        elsewhere = await bot.send_message(-1001234567890, "group")
        return first, second, elsewhere

    first, second, elsewhere = with_bot(fake, send)

    # The answer is what Telegram shows: tags gone, entities in UTF-16 units, keyboard echoed.
    assert first.text == "Alice & Bob applied 🎉"
    assert [(e.type, e.offset, e.length) for e in first.entities] == [("bold", 0, 11)]
    assert first.reply_markup == APPROVE
    assert first.from_user.id == fake.bot_id
    assert first.chat.id == 42
    assert first.chat.type == "private"
    assert (first.message_id, second.message_id, elsewhere.message_id) == (1, 2, 1)
    assert elsewhere.chat.type == "supergroup"

    call = fake.calls_to("sendMessage")[0]
    assert call.params["chat_id"] == 42
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "approve:17"
    assert call.response["ok"] is True
    stored = fake.messages[42][1]
    assert stored["text"] == "<b>Alice &amp; Bob</b> applied 🎉"  # as the bot sent it
    assert stored["parse_mode"] == "HTML"
    assert stored["plain_text"] == "Alice & Bob applied 🎉"
    assert stored["reply_markup"] == APPROVE.to_dict()


def test_edit_message_text(fake: FakeTelegramAPI) -> None:
    async def scenario(bot: Bot) -> list[Any]:
        sent = await bot.send_message(7, "Pending", reply_markup=APPROVE)
        edited = await bot.edit_message_text(
            "<i>Approved</i>", chat_id=7, message_id=sent.message_id, parse_mode="HTML"
        )
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text(
                "<i>Approved</i>", chat_id=7, message_id=sent.message_id, parse_mode="HTML"
            )
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("x", chat_id=7, message_id=999)
        with pytest.raises(BadRequest, match=r"(?i)message identifier is not specified"):
            await bot.edit_message_text("x")  # no chat, no message, no inline message
        rekeyed = await bot.edit_message_text(
            "<i>Approved</i>",
            chat_id=7,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=APPROVE,
        )
        return [edited, rekeyed]

    edited, rekeyed = with_bot(fake, scenario)

    # An edit without reply_markup drops the keyboard, as on Telegram; the keyboard alone
    # is a change too.
    assert edited.text == "Approved"
    assert edited.reply_markup is None
    assert edited.edit_date is not None
    assert rekeyed.reply_markup == APPROVE
    assert [c.status for c in fake.calls_to("editMessageText")] == [200, 400, 400, 400, 200]


def test_answer_callback_query(fake: FakeTelegramAPI) -> None:
    query_id = callback_update(5, from_id=7, chat_id=-5, message_id=1, data="x")["callback_query"][
        "id"
    ]

    assert with_bot(fake, lambda bot: bot.answer_callback_query(query_id, text="Saved"))
    with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
        with_bot(fake, lambda bot: bot.answer_callback_query(query_id, text="x" * 201))
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        with_bot(fake, lambda bot: bot.answer_callback_query("not-a-query-id"))
    assert fake.calls_to("answerCallbackQuery")[0].params == {
        "callback_query_id": query_id,
        "text": "Saved",
    }


def test_get_updates_honours_offsets(fake: FakeTelegramAPI) -> None:
    for update_id in (10, 11, 12):
        fake.push_update(message_update(update_id, from_id=7, chat_id=7, text=f"hi {update_id}"))

    async def poll(bot: Bot) -> list[tuple[Update, ...]]:
        return [
            await bot.get_updates(),
            await bot.get_updates(),  # nothing confirmed yet: the same three again
            await bot.get_updates(offset=12),  # confirms 10 and 11
            await bot.get_updates(offset=13),
        ]

    everything, again, last, after = with_bot(fake, poll)

    assert [u.update_id for u in everything] == [10, 11, 12]
    assert [u.update_id for u in again] == [10, 11, 12]
    assert everything[0].message is not None
    assert everything[0].message.text == "hi 10"
    assert [u.update_id for u in last] == [12]
    assert after == ()
    assert fake.pending_updates == []


def test_get_updates_long_poll_is_capped(fake: FakeTelegramAPI) -> None:
    async def poll(bot: Bot) -> tuple[float, tuple[Update, ...]]:
        started = time.monotonic()
        updates = await bot.get_updates(timeout=30)
        return time.monotonic() - started, updates

    waited, updates = with_bot(fake, poll)

    assert updates == ()
    assert fake.max_long_poll <= waited < 25  # the fake's cap, far from the 30 s asked for


def test_get_updates_long_poll_is_woken_by_a_push() -> None:
    update = message_update(1, from_id=7, chat_id=7, text="hey")

    with FakeTelegramAPI(max_long_poll=60) as fake:

        async def poll(bot: Bot) -> tuple[float, tuple[Update, ...]]:
            # Pushed while the poll waits (if the poll starts late, it finds it at once).
            threading.Timer(0.2, fake.push_update, args=[update]).start()
            started = time.monotonic()
            updates = await bot.get_updates(timeout=60, read_timeout=90)
            return time.monotonic() - started, updates

        waited, updates = with_bot(fake, poll)

    assert [u.update_id for u in updates] == [1]
    assert waited < 50  # woken by the push, not by the 60 s long poll ending


def test_set_webhook_with_secret(fake: FakeTelegramAPI) -> None:
    async def scenario(bot: Bot) -> Any:
        assert await bot.set_webhook(
            "https://hirebot.example.com/telegram",
            secret_token="s3cret_Token-1",
            allowed_updates=["message", "callback_query"],
        )
        set_url = fake.webhook["url"]
        with pytest.raises(Conflict, match=r"(?i)webhook is active"):
            await bot.get_updates()
        assert await bot.delete_webhook()
        return set_url

    set_url = with_bot(fake, scenario)

    assert set_url == "https://hirebot.example.com/telegram"
    assert fake.calls_to("setWebhook")[0].params["secret_token"] == "s3cret_Token-1"
    assert fake.calls_to("setWebhook")[0].params["allowed_updates"] == ["message", "callback_query"]
    assert fake.webhook == {}  # deleted again


@pytest.mark.parametrize(
    ("url", "secret", "message"),
    [
        ("https://hirebot.example.com/tg", "has spaces", "unallowed characters"),
        ("https://hirebot.example.com/tg", "a+b/c=", "unallowed characters"),
        ("https://hirebot.example.com/tg", "x" * 257, "too long"),
        ("http://hirebot.example.com/tg", "ok", "https url must be provided"),
        ("https://hirebot.example.com:8080/tg", "ok", "only on ports"),
        ("ftp://hirebot.example.com/tg", "ok", "invalid webhook url specified"),
    ],
)
def test_set_webhook_rejects_what_telegram_rejects(
    fake: FakeTelegramAPI, url: str, secret: str, message: str
) -> None:
    with pytest.raises(BadRequest, match=rf"(?i){message}"):
        with_bot(fake, lambda bot: bot.set_webhook(url, secret_token=secret))
    assert fake.webhook == {}


def test_set_my_commands_trims_like_tdlib(fake: FakeTelegramAPI) -> None:
    assert with_bot(
        fake, lambda bot: bot.set_my_commands([("/start", "Start"), ("jobs", " Open positions ")])
    )

    assert fake.commands == [
        {"command": "start", "description": "Start"},
        {"command": "jobs", "description": "Open positions"},
    ]


@pytest.mark.parametrize(
    ("command", "description", "message"),
    [
        ("Bad Command", "x", "bot_command_invalid"),
        ("/", "x", "command must be non-empty"),
        ("c" * 33, "x", "command length must not exceed 32"),
        ("ok", "  ", "command description must be non-empty"),
        ("ok", "d" * 257, "command description length must not exceed 256"),
    ],
)
def test_set_my_commands_rejects_what_telegram_rejects(
    fake: FakeTelegramAPI, command: str, description: str, message: str
) -> None:
    with pytest.raises(BadRequest, match=rf"(?i){message}"):
        with_bot(fake, lambda bot: bot.set_my_commands([(command, description)]))
    assert fake.commands == []


# What Telegram rejects --------------------------------------------------------------


def test_text_length_is_checked_after_entity_parsing(fake: FakeTelegramAPI) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        with_bot(fake, lambda bot: bot.send_message(7, "a" * 4097))

    longest = with_bot(fake, lambda bot: bot.send_message(7, "a" * 4096))
    # 4,096 visible characters are fine even when the markup makes the request longer.
    tagged = with_bot(
        fake, lambda bot: bot.send_message(7, "<b>" + "&lt;" * 4096 + "</b>", parse_mode="HTML")
    )

    assert longest.text == "a" * 4096
    assert tagged.text == "<" * 4096


@pytest.mark.parametrize("text", ["", "   \n ", "<b> </b>"])
def test_empty_text_is_rejected(fake: FakeTelegramAPI, text: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)(text is empty|must be non-empty)"):
        with_bot(fake, lambda bot: bot.send_message(7, text, parse_mode="HTML"))


def test_callback_data_is_limited_to_64_bytes(fake: FakeTelegramAPI) -> None:
    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data=data)]])

    fits = "é" * 32  # 32 characters, 64 bytes
    too_long = "é" * 32 + "x"  # 33 characters, 65 bytes: bytes count, not characters

    assert with_bot(fake, lambda bot: bot.send_message(7, "ok", reply_markup=keyboard(fits)))
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        with_bot(fake, lambda bot: bot.send_message(7, "no", reply_markup=keyboard(too_long)))
    assert list(fake.messages[7]) == [1]


def test_inline_keyboard_shape_is_checked(fake: FakeTelegramAPI) -> None:
    text_only = InlineKeyboardMarkup([[InlineKeyboardButton("Just text")]])
    too_many = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(str(n), callback_data=str(n)) for n in range(r, r + 8)]
            for r in range(0, 104, 8)
        ]
    )

    with pytest.raises(BadRequest, match=r"(?i)text buttons are unallowed"):
        with_bot(fake, lambda bot: bot.send_message(7, "x", reply_markup=text_only))
    with pytest.raises(BadRequest, match=r"(?i)reply markup is too long"):
        with_bot(fake, lambda bot: bot.send_message(7, "x", reply_markup=too_many))


def test_a_button_with_two_actions_is_accepted_as_telegram_does(fake: FakeTelegramAPI) -> None:
    # The Bot API server takes the first action it finds (url before callback_data).
    both = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Go", url="https://example.com", callback_data="go")]]
    )
    assert with_bot(fake, lambda bot: bot.send_message(7, "x", reply_markup=both))


def test_a_force_reply_prompt_is_sent_without_a_keyboard(fake: FakeTelegramAPI) -> None:
    prompt = ForceReply(selective=True, input_field_placeholder="Reason")

    sent = with_bot(fake, lambda bot: bot.send_message(-5, "Why?", reply_markup=prompt))

    assert sent.reply_markup is None  # a ForceReply lives on the client
    assert fake.messages[-5][1]["reply_markup"] == {
        "force_reply": True,
        "selective": True,
        "input_field_placeholder": "Reason",
    }


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("<b>unclosed", "can't find end tag"),
        ("score 1 < 2", 'unsupported start tag ""'),
        ("<div>block</div>", 'unsupported start tag "div"'),
        ("<b><i>crossed</b></i>", "unmatched end tag"),
        ("</b>", "unexpected end tag"),
        ('<span class="x">s</span>', "tg-spoiler"),
    ],
)
def test_bad_html_is_rejected(fake: FakeTelegramAPI, text: str, why: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as caught:
        with_bot(fake, lambda bot: bot.send_message(7, text, parse_mode="HTML"))
    assert why.lower() in str(caught.value).lower()


def test_a_bare_ampersand_is_kept_literally(fake: FakeTelegramAPI) -> None:
    sent = with_bot(fake, lambda bot: bot.send_message(7, "Smith & Sons &nbsp;", parse_mode="HTML"))

    assert sent.text == "Smith & Sons &nbsp;"  # only &lt; &gt; &amp; &quot; and &#N; decode


@pytest.mark.parametrize(("mode", "status"), [("MarkdownV2", 501), ("Markdown", 501), ("X", 400)])
def test_parse_modes_other_than_html(fake: FakeTelegramAPI, mode: str, status: int) -> None:
    with pytest.raises(TelegramError) as caught:
        with_bot(fake, lambda bot: bot.send_message(7, "*x*", parse_mode=mode))

    answered = fake.calls_to("sendMessage")[0]
    assert answered.status == status
    expected = "not modelled by the fake" if status == 501 else "unsupported parse_mode"
    assert expected in str(caught.value).lower()


def test_entity_offsets_are_utf16_like_telegram() -> None:
    text, entities = parse_entities("😀 <b>hé</b> <a href='https://x.io'>l</a>", "HTML")

    assert text == "😀 hé l"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 2},
        {"type": "text_link", "offset": 6, "length": 1, "url": "https://x.io"},
    ]
    with pytest.raises(TelegramAPIError, match="Unsupported start tag"):
        parse_entities("<p>x</p>", "HTML")


# Failures the client must survive ---------------------------------------------------


def test_flood_control_raises_retry_after(
    fake: FakeTelegramAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB warns on every RetryAfter unless it may hand out timedeltas.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.fail_next("sendMessage", retry_after=7)

    with pytest.raises(RetryAfter) as caught:
        with_bot(fake, lambda bot: bot.send_message(7, "hi"))
    assert caught.value.retry_after == dtm.timedelta(seconds=7)

    failed = fake.calls_to("sendMessage")[0]
    assert failed.status == 429
    assert failed.response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    assert with_bot(fake, lambda bot: bot.send_message(7, "hi")).message_id == 1


@pytest.mark.parametrize("status", [500, 502])
def test_server_errors_raise_network_error(fake: FakeTelegramAPI, status: int) -> None:
    fake.fail_next("sendMessage", status=status, times=2)

    for _ in range(2):
        with pytest.raises(NetworkError):
            with_bot(fake, lambda bot: bot.send_message(7, "hi"))
    assert with_bot(fake, lambda bot: bot.send_message(7, "hi")).message_id == 1


@pytest.mark.parametrize(
    ("chats", "message"),
    [
        ("blocked_chats", "can't initiate conversation with a user"),
        ("user_blocked_chats", "bot was blocked by the user"),
        ("kicked_chats", "bot was kicked from the group chat"),
    ],
)
def test_unreachable_chats_raise_forbidden(fake: FakeTelegramAPI, chats: str, message: str) -> None:
    getattr(fake, chats).add(-77)

    with pytest.raises(Forbidden, match=message):
        with_bot(fake, lambda bot: bot.send_message(-77, "hi"))
    assert fake.calls_to("sendMessage")[0].response["error_code"] == 403


def test_wrong_token_is_unauthorized(fake: FakeTelegramAPI) -> None:
    with pytest.raises(InvalidToken, match="rejected by the server"):
        with_bot(fake, lambda bot: bot.get_me(), token="654321:WRONG-TOKEN")
    assert fake.calls[0].response == {"ok": False, "error_code": 401, "description": "Unauthorized"}


def test_unknown_method_is_not_found(fake: FakeTelegramAPI) -> None:
    with pytest.raises(EndPointNotFound):
        with_bot(fake, lambda bot: bot.do_api_request("fooBar"))
    assert fake.calls_to("fooBar")[0].status == 404


def test_bodies_other_than_forms_are_not_modelled(fake: FakeTelegramAPI) -> None:
    url = f"{fake.base_url}{fake.token}"
    by_json = httpx.post(f"{url}/sendmessage", json={"chat_id": 9, "text": "json body"})
    by_form = httpx.post(f"{url}/sendMessage", data={"chat_id": "9", "text": "123"})
    missing = httpx.get(fake.base_file_url + fake.token + "/photos/1.jpg")

    assert by_json.status_code == 501
    assert "not modelled by the fake" in by_json.json()["description"]
    assert by_form.json()["result"]["text"] == "123"  # text stays a string
    assert missing.status_code == 404
    assert [c.method for c in fake.calls] == ["sendMessage", "sendMessage"]


# The real Application ---------------------------------------------------------------


def test_application_runs_command_and_callback_handlers(fake: FakeTelegramAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html(
            "Welcome, <b>candidate</b>!", reply_markup=APPROVE
        )

    async def approve(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Approved")
        await query.edit_message_text(f"Approved by {query.from_user.first_name}")

    async def main() -> None:
        app = (
            ApplicationBuilder()
            .token(fake.token)
            .base_url(fake.base_url)
            .base_file_url(fake.base_file_url)
            .build()
        )
        app.add_handler(CommandHandler("start", start))
        app.add_handler(CallbackQueryHandler(approve, pattern="^approve:"))
        async with app:
            assert app.bot.username == fake.username  # initialize() called getMe
            await app.process_update(
                Update.de_json(message_update(1, from_id=7, chat_id=7, text="/start"), app.bot)
            )
            sent = fake.calls_to("sendMessage")[0].response["result"]
            press = callback_update(
                2,
                from_id=7,
                chat_id=7,
                chat_type="private",
                message_id=sent["message_id"],
                data="approve:17",
                message_text=sent["text"],
            )
            await app.process_update(Update.de_json(press, app.bot))

    asyncio.run(main())

    assert [c.method for c in fake.calls] == [
        "getMe",
        "sendMessage",
        "answerCallbackQuery",
        "editMessageText",
    ]
    reply = fake.calls_to("sendMessage")[0].params
    assert reply["chat_id"] == 7
    assert reply["parse_mode"] == "HTML"
    assert fake.calls_to("answerCallbackQuery")[0].params["text"] == "Approved"
    assert fake.messages[7][1]["text"] == "Approved by Test"
    assert fake.messages[7][1]["reply_markup"] is None


def test_application_polling_loop(fake: FakeTelegramAPI) -> None:
    async def pong(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("pong")

    async def main() -> None:
        app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
        app.add_handler(CommandHandler("ping", pong))
        async with app:
            assert app.updater is not None
            await app.updater.start_polling()
            await app.start()
            fake.push_update(message_update(1, from_id=7, chat_id=7, text="/ping"))
            fake.push_update(
                message_update(2, from_id=7, chat_id=7, text="/ping@hirebot_test_bot now")
            )
            await asyncio.to_thread(fake.wait_for, "sendMessage", 2)
            await app.updater.stop()
            await app.stop()

    asyncio.run(main())

    assert fake.calls_to("deleteWebhook")  # run by start_polling
    assert [c.params["text"] for c in fake.calls_to("sendMessage")] == ["pong", "pong"]
    assert fake.pending_updates == []  # confirmed by the next getUpdates offset
