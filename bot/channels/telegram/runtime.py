"""Telegram inside `hirebot serve`: a webhook route when TELEGRAM_WEBHOOK_URL is set, long
polling otherwise, and the sender for the delivery loop.

The PTB Application lives on an event loop of its own in a daemon thread, whatever server runs
the webhook route: PTB's HTTP client belongs to the loop that created it, and uvicorn's (or a
test client's) loop is not ours to keep. The webhook route checks the secret, runs the update
through PTB's handlers on that loop, which translate it and record it in the inbox (its
update_id is the key, so a redelivery is skipped; bot/channels/telegram/app.py), and answers
200 at once; long polling records what it receives the same way. The inbox loop then hands
each recorded event to the core, one at a time and in order per person, and a failure is
retried from the inbox rather than by Telegram.

Transition: inbox rows written before the door translated updates hold the raw update; they
are translated when they are handled (`process_event`), so none is lost at an upgrade. Rows
live two days at most once handled, so this can go in a later release.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hmac
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update
from telegram.error import TelegramError

from bot.bootstrap import Hirebot
from bot.channels.telegram.app import (
    ALLOWED_UPDATES,
    build_application,
    register,
    tap_notice,
)
from bot.channels.telegram.loop_thread import LoopThread
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.settings import TelegramSettings
from bot.delivery.sender import Sender
from bot.runtime.body_limit import BodyTooLarge, json_object, read_body

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
START_TIMEOUT = 30.0
PROCESS_TIMEOUT = 60.0
RETRY_FIRST, RETRY_MAX = 5.0, 300.0
T = TypeVar("T")


class TelegramRuntime:
    name = "telegram"

    def __init__(self, hirebot: Hirebot) -> None:
        settings = hirebot.env.channel_settings(TelegramSettings)
        self.hirebot = hirebot
        self.webhook_url = settings.webhook_url
        self.secret = settings.webhook_secret
        self.application = build_application(settings, webhook=bool(self.webhook_url))
        self.handlers = register(self.application, hirebot)
        self._sender = TelegramSender(hirebot)
        self._engine: LoopThread | None = None
        self._inbound = True  # False in a worker: updates arrive through the web process
        self._ready = False
        self._error: str | None = None
        self._starting: asyncio.Task[None] | None = None
        self.retry_pause = RETRY_FIRST  # first pause before starting again; doubles each time
        if self.webhook_url and not self.secret:
            log.error(
                "TELEGRAM_WEBHOOK_URL is set without TELEGRAM_WEBHOOK_SECRET: every webhook "
                "request will be refused (403) until the secret is set"
            )

    @property
    def mode(self) -> str:
        if not self._inbound:
            return "worker"
        return "webhook" if self.webhook_url else "polling"

    def sender(self) -> Sender:
        return self._sender

    def routes(self) -> list[BaseRoute]:
        if not self.webhook_url:
            return []
        return [Route(WEBHOOK_PATH, self._webhook, methods=["POST"])]

    def start(self, *, inbound: bool = True) -> None:
        """Connect (getMe), publish the command menu, then set the webhook or start polling.
        A worker (`inbound=False`) only connects: the web process receives the updates.

        Waits for the first attempt only; if Telegram cannot be reached, the attempt is repeated
        in the background (with a growing pause) until it works or the runtime stops.
        """
        if self._engine is not None:
            return
        self._inbound = inbound
        self._engine = LoopThread("hirebot-telegram")
        first = self._engine.submit(self._start_until_ready())
        try:
            first.result(START_TIMEOUT)
        except concurrent.futures.TimeoutError:
            log.warning("telegram is still starting after %.0fs", START_TIMEOUT)

    async def _start_until_ready(self) -> None:
        if not await self._connect():
            self._starting = asyncio.get_running_loop().create_task(self._keep_trying())

    async def _keep_trying(self) -> None:
        pause = self.retry_pause
        while True:
            log.info("telegram: trying to start again in %.0fs", pause)
            await asyncio.sleep(pause)
            if await self._connect():
                return
            pause = min(pause * 2, RETRY_MAX)

    async def _connect(self) -> bool:
        try:
            await self._start()
        except TelegramError as exc:
            self._error = f"{type(exc).__name__}: {exc}"
            log.error("telegram did not start (%s); updates are not received yet", self._error)
            return False
        self._ready, self._error = True, None
        return True

    async def _start(self) -> None:
        app = self.application
        await app.initialize()
        if not self._inbound:
            return
        try:
            await app.bot.set_my_commands(self.handlers.bot_commands())
        except TelegramError as exc:  # the menu is a convenience
            log.warning("setMyCommands failed: %s", exc)
        if self.webhook_url:
            await app.bot.set_webhook(
                self.webhook_url, secret_token=self.secret, allowed_updates=ALLOWED_UPDATES
            )
            log.info("telegram webhook set to %s", self.webhook_url)
            return
        assert app.updater is not None
        await app.updater.start_polling(
            allowed_updates=ALLOWED_UPDATES, error_callback=self._polling_error
        )
        await app.start()
        log.info("telegram long polling started as @%s", app.bot.username)

    @staticmethod
    def _polling_error(exc: TelegramError) -> None:
        log.warning("telegram polling: %s", exc)

    def stop(self) -> None:
        engine, self._engine = self._engine, None
        if engine is not None:
            try:
                engine.run(self._stop(), timeout=15)
            except Exception:  # stopping regardless
                log.exception("telegram did not stop cleanly")
            engine.close()
        self._ready = False
        self._sender.close()

    async def _stop(self) -> None:
        if self._starting is not None:
            self._starting.cancel()
            self._starting = None
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    def health(self) -> dict[str, object]:
        status: dict[str, object] = {"mode": self.mode, "ready": self._ready}
        if self._ready:
            status["bot"] = self.application.bot.username
        if self._error:
            status["error"] = self._error
        return status

    # Webhook -------------------------------------------------------------------------------

    def _secret_ok(self, given: str | None) -> bool:
        if not self.secret or given is None:
            return False
        return hmac.compare_digest(given.encode("utf-8"), self.secret.encode("utf-8"))

    async def _webhook(self, request: Request) -> Response:
        if not self._secret_ok(request.headers.get(SECRET_HEADER)):
            log.warning("telegram webhook refused: missing or wrong secret token")
            return JSONResponse({"ok": False, "error": "forbidden"}, status_code=403)
        try:
            data = json_object(await read_body(request))
        except BodyTooLarge:
            return JSONResponse({"ok": False, "error": "too large"}, status_code=413)
        if data is None or not isinstance(data.get("update_id"), int):
            return JSONResponse({"ok": False, "error": "not an update"}, status_code=400)
        engine = self._engine
        if engine is None or not self._ready:
            return JSONResponse({"ok": False, "error": "starting"}, status_code=503)
        if await asyncio.wrap_future(engine.submit(self._door(data))):
            # the database is down: Telegram delivers the update again later
            log.error("telegram update %s could not be recorded", data["update_id"])
            return JSONResponse({"ok": False, "error": "not recorded"}, status_code=500)
        return JSONResponse({"ok": True})

    def _update(self, data: dict[str, Any]) -> Update | None:
        try:
            return Update.de_json(data, self.application.bot)
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("unreadable telegram update %s: %s", data.get("update_id"), exc)
            return None

    async def _door(self, data: dict[str, Any]) -> bool:
        """Runs on the engine loop: the update translated and recorded by the handlers; True
        if that failed."""
        update = self._update(data)
        if update is None:
            return False
        await self.application.process_update(update)
        return self.handlers.take_failure(update.update_id)

    def process_event(self, payload: dict[str, Any]) -> None:
        """Handle one recorded event; raises (to be retried) if the core could not. A tap's
        callback query is answered afterwards on the PTB loop."""
        stored = payload
        if "inbound" not in payload:  # a raw update recorded before the door translated
            translated = self._on_engine(self._translate(payload))
            if translated is None:
                return
            stored = translated
        query = stored.get("callback_query_id")
        notice: str | None = None
        try:
            notice = tap_notice(self.handlers.handle(stored))
        finally:
            if query and self._engine is not None and self._ready:
                bot = self.application.bot
                self._engine.submit(self.handlers.stop_spinner(bot, str(query), notice))

    async def _translate(self, data: dict[str, Any]) -> dict[str, Any] | None:
        update = self._update(data)
        return None if update is None else await self.handlers.translate(self.application, update)

    def _on_engine(self, coro: Coroutine[Any, Any, T]) -> T:
        engine = self._engine
        if engine is None or not self._ready:
            coro.close()
            raise RuntimeError("telegram is not started")
        return engine.run(coro, PROCESS_TIMEOUT)
