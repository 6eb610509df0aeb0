"""Delivers Telegram outbox rows: messages, cards with their keyboards, edits in place (of
cards, and of delivered messages on erasure), thread lines as replies to the card, and a
message's chart as a photo (sendPhoto) captioned with its title, after the text; platform
errors become `DeliveryError`s the worker acts on.

Why a private event loop: python-telegram-bot is asyncio-only, while the delivery worker is
synchronous and runs in its own thread (or a test's). Each send runs to completion on a loop
owned by this sender, so PTB's request encoding and error mapping (RetryAfter, Forbidden, ...)
are kept, and the loop that serves webhooks is never blocked by a slow send. A lock lets one
caller at a time use the loop, as an event loop runs in one thread at a time.
"""

from __future__ import annotations

import asyncio
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
from bot.channels.telegram.render import PARSE_MODE, Rendered, caption, render, render_card
from bot.channels.telegram.settings import TelegramSettings
from bot.delivery.sender import DeliveryError, OutgoingMessage
from bot.messages import charts
from bot.services.outbox import MESSAGE_UPDATE

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # never fetch previews of candidates' links


def retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after is an int, or a timedelta when PTB_TIMEDELTA is set: both work."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def message_ref(message: Message) -> str:
    return f"{message.chat_id}:{message.message_id}"


def parse_ref(ref: str | None) -> tuple[int, int] | None:
    chat, sep, message_id = (ref or "").partition(":")
    if not sep or not chat.lstrip("-").isdigit() or not message_id.isdigit():
        return None
    return int(chat), int(message_id)


class TelegramSender:
    channel = CHANNEL

    def __init__(self, hirebot: Hirebot, bot: Bot | None = None) -> None:
        self.hirebot = hirebot
        self.bot = bot or make_bot(hirebot.env.channel_settings(TelegramSettings))
        self._loop = asyncio.new_event_loop()
        self._lock = threading.Lock()
        self._ready = False

    def send(self, message: OutgoingMessage) -> str | None:
        with self._lock:
            if self._loop.is_closed():  # closed by a runtime stop; a restart sends again
                self._loop, self._ready = asyncio.new_event_loop(), False
            try:
                return self._loop.run_until_complete(self._send(message))
            except RetryAfter as exc:
                raise DeliveryError(str(exc), retry_after=retry_seconds(exc)) from exc
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
        with self._lock:
            if self._loop.is_closed():
                return
            if self._ready:
                try:
                    self._loop.run_until_complete(self.bot.shutdown())
                except TelegramError as exc:  # closing anyway
                    log.debug("bot shutdown: %s", exc)
            self._loop.close()

    def _chat(self, message: OutgoingMessage) -> int:
        # A private reply meant for one person in a group goes to their private chat.
        target = message.ephemeral_to or message.destination
        if not target.lstrip("-").isdigit():
            raise DeliveryError(f"'{target}' is not a Telegram chat id", retryable=False)
        return int(target)

    async def _send(self, message: OutgoingMessage) -> str | None:
        chat_id = self._chat(message)
        if not self._ready:
            await self.bot.initialize()
            self._ready = True
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
        sent: Message | None = None
        for part in render(message.reply):
            sent = await self._post(chat_id, part, reply_to)
        chart = message.reply.chart
        if chart is not None:
            # The picture follows the text, as a photo captioned with its title.
            sent = await self.bot.send_photo(
                chat_id,
                charts.png(chart),
                caption=caption(chart.title),
                parse_mode=PARSE_MODE,
                filename=chart.filename,
            )
        return message_ref(sent) if sent is not None else None

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
        """Edit a delivered message (erasure) to its new text, without buttons. Only the last
        part of a message split at 4,096 characters is known; one Telegram no longer lets the
        bot edit is logged and skipped, never posted anew."""
        ref = parse_ref(message.card_ref)
        if ref is None:
            log.warning("no platform id for the message to edit in %s", message.destination)
            return None
        part = render(message.reply)[0]
        try:
            await self.bot.edit_message_text(
                part.text,
                chat_id=ref[0],
                message_id=ref[1],
                parse_mode=PARSE_MODE,
                link_preview_options=NO_PREVIEW,
            )
        except BadRequest as exc:
            text = exc.message.lower()
            if "not found" in text or "can't be edited" in text:
                log.warning("message %s cannot be edited: %s", message.card_ref, exc.message)
            elif "not modified" not in text:
                raise
        return message.card_ref
