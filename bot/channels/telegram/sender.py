"""Delivers Telegram outbox rows: messages, cards with their keyboards, edits in place (of
cards, and of delivered messages on erasure), thread lines as replies to the card, and a
message's chart as a photo (sendPhoto) captioned with its title, after the text; platform
errors become `DeliveryError`s the worker acts on.

A message longer than Telegram's 4,096 characters goes as several, one after another; its
reference names every part (`chat:first+gap+gap…`, each part's id as the gap from the one
before, usually 1), so that an edit (erasure, a spent offer request) reaches all of them. The
gaps keep a long message's reference within the outbox's 100-character column.

Why an event loop of its own: python-telegram-bot is asyncio-only, while the delivery worker
is synchronous and sends from a few threads at once (one conversation each). Every send runs
on one loop owned by this sender, in a thread of its own, and the calling thread waits for its
result, so PTB's request encoding and error mapping (RetryAfter, Forbidden, ...) are kept, and
the loop that serves webhooks is never blocked by a slow send. The loop runs the threads'
sends side by side, over a connection pool as large as the worker's threads: sends to
different chats overlap, while the worker keeps one chat's messages one after another. (One
private loop behind a lock, as before, made the threads take turns: 20 messages a second at
most against Telegram's 30.)

The chart module (matplotlib) is imported by the first photo, not at start-up (a tenth of
`hirebot serve`'s start, for a picture most deployments seldom send).
"""

from __future__ import annotations

import concurrent.futures
import itertools
import logging
import threading
import warnings
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.bootstrap import Hirebot
from bot.channels.telegram.app import CHANNEL, make_bot
from bot.channels.telegram.loop_thread import LoopThread
from bot.channels.telegram.render import PARSE_MODE, Rendered, caption, render, render_card
from bot.channels.telegram.settings import TelegramSettings
from bot.delivery.sender import DeliveryError, OutgoingMessage
from bot.services.outbox import MESSAGE_UPDATE

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # never fetch previews of candidates' links
# Longest a delivery thread waits for one row's sends (a long message is several, each within
# the HTTP client's own timeouts); past it the send is cancelled and the row retried.
SEND_TIMEOUT = 120.0


def retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after is an int, or a timedelta when PTB_TIMEDELTA is set: both work."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


REF_MAX = 100  # outbox_messages.external_ref
CONTINUED = "(continued above)"  # what a part left over after an edit shows


def message_ref(message: Message) -> str:
    return f"{message.chat_id}:{message.message_id}"


def parts_ref(chat_id: int, message_ids: list[int]) -> str:
    """The reference of a message sent in parts: the chat, the first id, then each next id as
    its gap from the one before. Parts past what the column holds are left out (logged): they
    cannot be edited later."""
    ref = f"{chat_id}:{message_ids[0]}"
    for before, after in itertools.pairwise(message_ids):
        step = f"+{after - before}"
        if len(ref) + len(step) > REF_MAX:
            log.warning("a %d-part message's later parts cannot be edited", len(message_ids))
            break
        ref += step
    return ref


def parse_parts(ref: str | None) -> tuple[int, list[int]] | None:
    """The chat and every part's message id, from `parts_ref` or `message_ref`."""
    chat, sep, ids = (ref or "").partition(":")
    first, *steps = ids.split("+")
    if not sep or not chat.lstrip("-").isdigit() or not first.isdigit():
        return None
    if not all(step.isdigit() for step in steps):
        return None
    message_ids = [int(first)]
    for step in steps:
        message_ids.append(message_ids[-1] + int(step))
    return int(chat), message_ids


def parse_ref(ref: str | None) -> tuple[int, int] | None:
    """The chat and the (first) message a reference names: a card is one message."""
    parsed = parse_parts(ref)
    return None if parsed is None else (parsed[0], parsed[1][0])


class TelegramSender:
    channel = CHANNEL

    def __init__(self, hirebot: Hirebot, bot: Bot | None = None) -> None:
        self.hirebot = hirebot
        self.bot = bot or make_bot(hirebot.env.channel_settings(TelegramSettings))
        self._engine: LoopThread | None = None  # started by the first send
        self._lock = threading.Lock()  # starting and stopping the loop; never held by a send

    def _started(self) -> LoopThread:
        """The sender's loop, with the bot initialised on it (again after a runtime stop)."""
        with self._lock:
            if self._engine is None:
                engine = LoopThread("hirebot-telegram-sender")
                try:
                    engine.run(self.bot.initialize(), SEND_TIMEOUT)
                except BaseException:
                    engine.close()
                    raise
                self._engine = engine
            return self._engine

    def send(self, message: OutgoingMessage) -> str | None:
        try:
            return self._started().run(self._send(message), SEND_TIMEOUT)
        except concurrent.futures.TimeoutError as exc:
            raise DeliveryError(f"network: no answer in {SEND_TIMEOUT:.0f} s") from exc
        except RetryAfter as exc:
            raise DeliveryError(
                str(exc), retry_after=retry_seconds(exc), rate_limited=True
            ) from exc
        except Forbidden as exc:  # never started, blocked, or removed from the group
            raise DeliveryError(exc.message, unreachable=True) from exc
        except ChatMigrated as exc:
            raise DeliveryError(
                f"chat {message.destination} became supergroup {exc.new_chat_id}: "
                "put the new id in config.yaml",
                retryable=False,
            ) from exc
        except BadRequest as exc:
            raise DeliveryError(exc.message, retryable=False) from exc
        except NetworkError as exc:  # includes TimedOut
            raise DeliveryError(f"network: {exc.message}") from exc
        except TelegramError as exc:  # InvalidToken, Conflict, ...: retried with backoff
            raise DeliveryError(f"{type(exc).__name__}: {exc.message}") from exc

    def close(self) -> None:
        """Shut the bot's client down and stop the loop; a later send starts both again."""
        with self._lock:
            engine, self._engine = self._engine, None
            if engine is None:
                return
            try:
                engine.run(self.bot.shutdown(), SEND_TIMEOUT)
            except (TelegramError, concurrent.futures.TimeoutError) as exc:  # closing anyway
                log.debug("bot shutdown: %s", exc)
            engine.close()

    def _chat(self, message: OutgoingMessage) -> int:
        # A private reply meant for one person in a group goes to their private chat.
        target = message.ephemeral_to or message.destination
        if not target.lstrip("-").isdigit():
            raise DeliveryError(f"'{target}' is not a Telegram chat id", retryable=False)
        return int(target)

    async def _send(self, message: OutgoingMessage) -> str | None:
        chat_id = self._chat(message)
        if message.kind == "card":
            return message_ref(await self._post(chat_id, render_card(message.reply)))
        if message.kind == "card_update":
            return await self._update_card(chat_id, message)
        if message.kind == MESSAGE_UPDATE:
            return await self._edit(message)
        reply_to = None
        card = parse_ref(message.card_ref) if message.thread_card_key else None
        if card is not None and card[0] == chat_id:
            reply_to = ReplyParameters(message_id=card[1], allow_sending_without_reply=True)
        sent = [await self._post(chat_id, part, reply_to) for part in render(message.reply)]
        chart = message.reply.chart
        if chart is not None:
            from bot.messages import charts  # matplotlib: loaded when first needed

            # The picture follows the text, as a photo captioned with its title; the reference
            # names the text's parts, which an edit can reach (a photo has no text to edit).
            photo = await self.bot.send_photo(
                chat_id,
                charts.png(chart),
                caption=caption(chart.title),
                parse_mode=PARSE_MODE,
                filename=chart.filename,
            )
            if not sent:
                return message_ref(photo)
        return parts_ref(chat_id, [m.message_id for m in sent]) if sent else None

    async def _post(
        self, chat_id: int, part: Rendered, reply_to: ReplyParameters | None = None
    ) -> Message:
        return await self.bot.send_message(
            chat_id,
            part.text,
            parse_mode=PARSE_MODE,
            reply_markup=part.markup,
            reply_parameters=reply_to,
            link_preview_options=NO_PREVIEW,
        )

    async def _update_card(self, chat_id: int, message: OutgoingMessage) -> str | None:
        """Edit the card in place, keyboard re-sent (an edit without one removes it)."""
        card = render_card(message.reply)
        ref = parse_ref(message.card_ref)
        if ref is None or ref[0] != chat_id:
            log.warning("no posted card for %s in %s; posting it anew", message.card_key, chat_id)
            return message_ref(await self._post(chat_id, card))
        try:
            await self.bot.edit_message_text(
                card.text,
                chat_id=ref[0],
                message_id=ref[1],
                parse_mode=PARSE_MODE,
                reply_markup=card.markup if isinstance(card.markup, InlineKeyboardMarkup) else None,
                link_preview_options=NO_PREVIEW,
            )
        except BadRequest as exc:
            text = exc.message.lower()
            if "not modified" in text:
                return message.card_ref
            if "not found" in text or "can't be edited" in text:
                log.warning("card %s cannot be edited (%s); posting it anew", message.card_ref, exc)
                return message_ref(await self._post(chat_id, card))
            raise
        return message.card_ref

    async def _edit(self, message: OutgoingMessage) -> str | None:
        """Edit a delivered message (erasure, a spent request) to its new text, without buttons:
        every part of one that was sent in parts, the new text's parts in order and
        `CONTINUED` in those left over. A part Telegram no longer lets the bot edit is logged
        and skipped, never posted anew."""
        parsed = parse_parts(message.card_ref)
        if parsed is None:
            log.warning("no platform id for the message to edit in %s", message.destination)
            return None
        chat_id, message_ids = parsed
        texts = [part.text for part in render(message.reply)]
        if len(texts) > len(message_ids):  # longer than before: the last part ends it
            log.warning("an edit of %s is cut to its %d parts", message.card_ref, len(message_ids))
        for index, message_id in enumerate(message_ids):
            await self._edit_part(
                chat_id, message_id, texts[index] if index < len(texts) else CONTINUED
            )
        return message.card_ref

    async def _edit_part(self, chat_id: int, message_id: int, text: str) -> None:
        try:
            await self.bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=PARSE_MODE,
                link_preview_options=NO_PREVIEW,
            )
        except BadRequest as exc:
            problem = exc.message.lower()
            if "not found" in problem or "can't be edited" in problem:
                log.warning("message %s:%s cannot be edited: %s", chat_id, message_id, exc.message)
            elif "not modified" not in problem:
                raise
