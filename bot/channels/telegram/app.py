"""The python-telegram-bot `Application` and its handlers: translate an update at the door,
record it in the inbox, and handle the recorded event later.

At the door (the webhook route, or PTB's polling receiver) each update runs through PTB's
handlers, which check where it comes from (a private chat, or a role's group from
config.yaml; anything else is ignored and logged) and translate it into an `Inbound`, stored
in the inbox in the codec's form (bot/handlers/inbound_codec.py) like every channel's, with
what only Telegram needs beside it: the callback query to answer, and whether it is the
`/start` linking entry. The correlation id is minted there and stays with the event.
`handle` then runs the core for a recorded event in the inbox's worker; nothing is sent from
here except protocol answers (`answerCallbackQuery`): every reply is an outbox row that the
sender delivers.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from telegram import Bot, BotCommand, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.bootstrap import Hirebot
from bot.channels.telegram.render import ASK, parse_callback, prompt_ref
from bot.channels.telegram.settings import TelegramSettings
from bot.delivery.worker import THREADS as DELIVERY_THREADS
from bot.handlers import inbound_codec, linking
from bot.handlers.dispatcher import ActionEvent, Inbound, Outcome, new_correlation_id
from bot.logging_setup import correlation

log = logging.getLogger(__name__)

CHANNEL = "telegram"
CALLBACK_ANSWER_MAX = 200  # characters Telegram shows in a callback answer
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
TelegramApp = Application[Any, Any, Any, Any, Any, Any]
# Set while a raw update recorded before the door translated updates is translated again
# (`TelegramHandlers.translate`): the translation is caught here instead of being recorded.
_CAUGHT: contextvars.ContextVar[list[dict[str, Any]] | None] = contextvars.ContextVar(
    "telegram_caught", default=None
)


def tap_notice(outcome: Outcome) -> str | None:
    """The callback answer's text for a tap that was already done, else None (no text)."""
    done = next((r for r in outcome.replies if r.already_done), None)
    if done is None:
        return None
    return f"Already done: {done.text or done.title}"[:CALLBACK_ANSWER_MAX]


def file_url(api_url: str) -> str:
    """The file download base that goes with a Bot API base URL (`…/bot` -> `…/file/bot`)."""
    base = api_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file/bot"


def make_bot(settings: TelegramSettings) -> Bot:
    """A plain Bot on TELEGRAM_API_URL, for sending outside the Application (sender, CLI)."""
    if not settings.bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    # A connection for each delivery thread: the sender runs their sends side by side.
    request = HTTPXRequest(
        connection_pool_size=DELIVERY_THREADS,
        read_timeout=10.0,
        write_timeout=10.0,
        pool_timeout=5.0,
    )
    return Bot(
        settings.bot_token,
        base_url=settings.api_url,
        base_file_url=file_url(settings.api_url),
        request=request,
    )


def bot_username(settings: TelegramSettings) -> str | None:
    """The bot's @username from getMe, or None when there is no token or Telegram is unreachable."""
    if not settings.bot_token:
        return None

    async def ask() -> str:
        async with make_bot(settings) as bot:
            return bot.username

    try:
        return asyncio.run(ask())
    except TelegramError as exc:
        log.warning("getMe failed: %s", exc)
        return None


def build_application(settings: TelegramSettings, *, webhook: bool) -> TelegramApp:
    """Webhook mode has no updater (updates arrive over HTTP); polling mode uses PTB's."""
    if not settings.bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder = (
        ApplicationBuilder()
        .token(settings.bot_token)
        .base_url(settings.api_url)
        .base_file_url(file_url(settings.api_url))
    )
    if webhook:
        builder = builder.updater(None)
    return builder.build()


class TelegramHandlers:
    """The listeners; `failed` collects update ids whose handling raised, so the webhook can
    answer 500 and Telegram delivers them again (the core de-duplicates what did succeed)."""

    def __init__(self, hirebot: Hirebot) -> None:
        self.hirebot = hirebot
        self.dispatcher = hirebot.dispatcher
        self.failed: set[int] = set()
        self._answering: set[asyncio.Task[None]] = set()

    @property
    def role_groups(self) -> frozenset[int]:
        """The roles' groups as the catalog has them now: a role given a group from chat
        (`role set KEY channel=…`) is answered there at once, without a restart."""
        return frozenset(
            int(chat)
            for role in self.hirebot.catalog.roles.values()
            if (chat := role.channels.get(CHANNEL)) is not None and chat.lstrip("-").isdigit()
        )

    def command_names(self) -> list[str]:
        names = [*self.hirebot.commands.commands, *self.hirebot.commands.aliases]
        return [n for n in names if _COMMAND_NAME.match(n) and n != "start"]

    def bot_commands(self) -> list[BotCommand]:
        """The command menu Telegram shows (`setMyCommands`)."""
        return [
            BotCommand(c.name, (c.summary or c.name)[:256])
            for c in self.hirebot.commands.commands.values()
            if _COMMAND_NAME.match(c.name)
        ]

    # Where an update may come from -------------------------------------------------------

    def _allowed(self, update: Update) -> bool:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or user.is_bot:
            return False
        if chat.type == ChatType.PRIVATE:
            return True
        if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP) and chat.id in self.role_groups:
            return True
        log.info("ignoring update %s from %s chat %s", update.update_id, chat.type, chat.id)
        return False

    def _inbound(
        self, update: Update, *, text: str | None = None, action: ActionEvent | None = None
    ) -> Inbound:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:  # _allowed has checked; this tells the type checker
            raise ValueError(f"update {update.update_id} has no chat or user")
        return Inbound(
            channel=CHANNEL,
            user_ref=str(user.id),
            conversation=str(chat.id),
            text=text,
            action=action,
            dedup_key=f"{CHANNEL}:{update.update_id}",
            shared_conversation=chat.type != ChatType.PRIVATE,
            deliver_inline=False,
        )

    async def _record(self, update: Update, inbound: Inbound, **extra: Any) -> None:
        """Store the translated event in the inbox (its update_id is the key, so a redelivery
        is skipped), with the correlation id minted here; `extra` is what only Telegram's
        handling needs (`callback_query_id`, `start_code`). Raises if it cannot be recorded,
        so the webhook answers 500 and Telegram delivers the update again."""
        caught = _CAUGHT.get()
        if caught is not None:  # a raw update from before: handled now, under its row's id
            caught.append({"inbound": inbound_codec.dump(inbound), **extra})
            return
        cid = new_correlation_id()
        stored = {"inbound": inbound_codec.dump(replace(inbound, correlation_id=cid)), **extra}
        with correlation(cid):
            await asyncio.to_thread(
                self.hirebot.inbox.receive,
                CHANNEL,
                f"{CHANNEL}:update:{update.update_id}",
                f"{CHANNEL}:{inbound.user_ref}",  # one person's updates are handled in order
                stored,
                correlation_id=cid,
            )

    async def translate(self, application: TelegramApp, update: Update) -> dict[str, Any] | None:
        """The stored form of an update, by the same handlers as at the door, without
        recording it: for inbox rows that still hold a raw update (written before the door
        translated them; see `handle`). None if the handlers ignore it."""
        caught: list[dict[str, Any]] = []
        token = _CAUGHT.set(caught)
        try:
            await application.process_update(update)
        finally:
            _CAUGHT.reset(token)
        if self.take_failure(update.update_id):
            raise RuntimeError(f"telegram update {update.update_id} could not be translated")
        return caught[0] if caught else None

    def handle(self, stored: dict[str, Any]) -> Outcome:
        """Run the core for one recorded event: the `/start` linking entry or the dispatcher
        (the caller answers its callback query, if it has one, with `tap_notice`)."""
        inbound = inbound_codec.load(stored["inbound"])
        if "start_code" in stored:
            return linking.start(
                self.dispatcher,
                channel=CHANNEL,
                user_ref=inbound.user_ref,
                conversation=inbound.conversation,
                code=stored["start_code"],
                dedup_key=inbound.dedup_key,
                correlation_id=inbound.correlation_id,
            )
        return self.dispatcher.handle(inbound)

    # Listeners ------------------------------------------------------------------------------

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Redeems `/start <code>` (a deep link) or explains linking; private chats only."""
        if not self._allowed(update):
            return
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        code = context.args[0] if context.args else None
        text = update.message.text if update.message is not None else None
        await self._record(update, self._inbound(update, text=text or "/start"), start_code=code)

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any /command: the core parses it (`/list@bot open` works) and answers errors too."""
        message = update.message
        if message is None or message.text is None or not self._allowed(update):
            return
        head = message.text.split(maxsplit=1)[0]
        name, at, addressee = head.partition("@")
        if at and addressee.lower() != (context.bot.username or "").lower():
            return  # meant for another bot in the group
        if name.lower() == "/start":
            return  # outside a private chat: a link code must not be posted in a group
        await self._record(update, self._inbound(update, text=message.text))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An answer to one of our forced-reply prompts runs its action; other text in a private
        chat goes to the core (which routes it to an open flow); group chatter is not ours."""
        message = update.message
        if message is None or message.text is None or not self._allowed(update):
            return
        ref = self._answered_prompt(message, context.bot.id)
        if ref is not None:
            action_id, value = ref
            action = ActionEvent(action_id, value, message.text)
            await self._record(update, self._inbound(update, action=action))
        elif message.chat.type == ChatType.PRIVATE:
            await self._record(update, self._inbound(update, text=message.text))

    @staticmethod
    def _answered_prompt(message: Message, bot_id: int) -> tuple[str, str] | None:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
            return None
        return prompt_ref(replied.text)

    async def on_tap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Records the action (or the ask for text) with its callback query, which is answered
        once the core has handled it (`handle`): a tap that changed nothing because it was
        already done (a double tap, an old button) says so there, where the person who tapped
        is looking. A tap that is not ours has its spinner stopped at once."""
        query = update.callback_query
        if query is None:
            return
        parsed = parse_callback(query.data)
        if parsed is None or query.message is None or not self._allowed(update):
            log.info("ignoring tap %r in update %s", query.data, update.update_id)
            if _CAUGHT.get() is None:
                self.answer_later(query.get_bot(), query.id, None)
            return
        kind, action_id, value = parsed
        if kind == ASK:
            action = ActionEvent("ask", f"{action_id}:{value}")
        else:
            action = ActionEvent(action_id, value)
        await self._record(update, self._inbound(update, action=action), callback_query_id=query.id)

    def answer_later(self, bot: Bot, query_id: str, notice: str | None) -> None:
        """Stop a tap's spinner (answerCallbackQuery) without awaiting it: the next update
        need not wait for Telegram's round trip. Runs on the PTB loop, the caller's."""
        task = asyncio.get_running_loop().create_task(self.stop_spinner(bot, query_id, notice))
        self._answering.add(task)
        task.add_done_callback(self._answering.discard)

    @staticmethod
    async def stop_spinner(bot: Bot, query_id: str, notice: str | None) -> None:
        try:
            await bot.answer_callback_query(query_id, notice)
        except TelegramError as exc:  # a retried update's query was already answered
            log.info("answerCallbackQuery %s: %s", query_id, exc)

    async def on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was added to or removed from a chat: logged, nothing queued there."""
        change = update.my_chat_member
        if change is None:
            return
        chat, status = change.chat, change.new_chat_member.status
        known = "a role group" if chat.id in self.role_groups else "not a role group"
        log.warning("bot is now %s in %s chat %s (%s)", status, chat.type, chat.id, known)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(update, Update):
            self.failed.add(update.update_id)
            log.error("telegram update %s failed", update.update_id, exc_info=context.error)
        else:
            log.error("telegram error: %s", context.error, exc_info=context.error)

    def take_failure(self, update_id: int) -> bool:
        """True (and forgotten) if handling this update raised."""
        if update_id in self.failed:
            self.failed.discard(update_id)
            return True
        return False


def register(application: TelegramApp, hirebot: Hirebot) -> TelegramHandlers:
    """Adds every listener explicitly; returns them for the runtime (webhook failures)."""
    handlers = TelegramHandlers(hirebot)
    new_messages = filters.UpdateType.MESSAGE  # edits never re-run a command
    application.add_handler(
        CommandHandler("start", handlers.on_start, filters=new_messages & filters.ChatType.PRIVATE)
    )
    application.add_handler(
        CommandHandler(handlers.command_names(), handlers.on_command, filters=new_messages)
    )
    application.add_handler(MessageHandler(filters.COMMAND & new_messages, handlers.on_command))
    application.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND & new_messages, handlers.on_text)
    )
    application.add_handler(CallbackQueryHandler(handlers.on_tap))
    application.add_handler(ChatMemberHandler(handlers.on_membership))
    application.add_error_handler(handlers.on_error)
    return handlers
