"""The Slack channel inside `hirebot serve`: the HTTP endpoint, Socket Mode, and the sender.

HTTP mode (SLACK_SIGNING_SECRET set): Slack posts commands, interactivity and events to
`POST /slack/events`; each signature and timestamp is verified (bad or stale: 401, nothing
runs), by the door for the commands and clicks it records (door.py), by Bolt for the rest.
Socket Mode (SLACK_APP_TOKEN set): hirebot connects out to Slack over a WebSocket, so no
public URL is needed; both can run at once.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, cast

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.bootstrap import Hirebot
from bot.channels.slack.app import build_app, kept_alive_client, web_client
from bot.channels.slack.bridge import Bridge
from bot.channels.slack.directory import SlackDirectory
from bot.channels.slack.door import Door
from bot.channels.slack.identity import BotIdentity
from bot.channels.slack.sender import SlackSender
from bot.channels.slack.settings import SlackSettings
from bot.delivery.sender import Sender
from bot.domain.user_directory import UserDirectory
from bot.runtime.body_limit import BodyTooLarge, read_body

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
RECONNECT_DELAY = 5.0


class SlackConfigError(RuntimeError):
    """Slack is enabled but cannot run as configured; the message names the variable."""


class SlackRuntime:
    name = "slack"

    def __init__(self, hirebot: Hirebot) -> None:
        settings = hirebot.env.channel_settings(SlackSettings)
        if not settings.signing_secret and not settings.app_token:
            raise SlackConfigError(
                "SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP mode) nor "
                "SLACK_APP_TOKEN (Socket Mode) is: set one of them"
            )
        self.hirebot = hirebot
        self.settings = settings
        self.client = kept_alive_client(settings)  # the sender's
        self.bridge = Bridge(hirebot)
        # auth.test once at start (and again only on a failure): urllib's connection per call
        # is no cost there, and the pool (aiohttp) loads with the first post, not at start.
        self.identity = BotIdentity(web_client(settings))
        self.app = build_app(settings, self.bridge, self.identity)
        self.door = Door(settings.signing_secret or "", self.bridge) if self.http_enabled else None
        self.socket_mode: SocketModeHandler | None = None
        self._stop = threading.Event()
        self._connector: threading.Thread | None = None

    @property
    def http_enabled(self) -> bool:
        return bool(self.settings.signing_secret)

    @property
    def socket_mode_enabled(self) -> bool:
        return bool(self.settings.app_token)

    def sender(self) -> Sender:
        return SlackSender(self.client)

    def directory(self) -> UserDirectory:
        """Slack's users for `people add @mention|email=…`, through the sender's client."""
        return SlackDirectory(self.client)

    def routes(self) -> list[BaseRoute]:
        """Without a signing secret requests cannot be verified, so no endpoint is mounted."""
        if not self.http_enabled:
            return []
        return [Route(EVENTS_PATH, self.handle, methods=["POST"])]

    async def handle(self, request: Request) -> Response:
        """Commands and clicks that are only recorded are answered by the door (door.py);
        the rest through Bolt's Starlette conversion, with the (blocking) dispatch run off the
        event loop so one slow request never holds up the others."""
        try:
            body = await read_body(request)
        except BodyTooLarge:
            return Response("too large", status_code=413)
        if self.door is not None:
            answer = await self.door.answer(request.headers, body)
            if answer is not None:
                return answer
        bolt_response = await run_in_threadpool(self.app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    def process_event(self, payload: dict[str, Any]) -> None:
        self.bridge.process(payload)

    def start(self, *, inbound: bool = True) -> None:
        """The bot identity is resolved and Socket Mode connects in the background (both keep
        trying), so serving never waits for Slack. A worker (`inbound=False`) opens no Socket
        Mode connection: events come in through the web process."""
        self.identity.start()
        if not inbound or not self.socket_mode_enabled or self._connector is not None:
            return
        self._stop.clear()
        self.socket_mode = SocketModeHandler(
            self.app, self.settings.app_token, web_client=self.client
        )
        self._connector = threading.Thread(
            target=self._connect, name="hirebot-slack-socket", daemon=True
        )
        self._connector.start()

    def _connect(self) -> None:
        handler = self.socket_mode
        while handler is not None and not self._stop.is_set():
            try:
                cast(Any, handler).connect()  # untyped in slack_bolt
                log.info("slack socket mode connected")
                return
            except Exception as exc:  # Slack unreachable at start: retry until stopped
                log.warning("slack socket mode could not connect: %s", exc)
                self._stop.wait(RECONNECT_DELAY)

    def stop(self) -> None:
        self._stop.set()
        self.identity.stop()
        if self._connector is not None:
            self._connector.join(timeout=RECONNECT_DELAY + 1)
            self._connector = None
        if self.socket_mode is not None:
            try:
                cast(Any, self.socket_mode).close()
            except Exception:
                log.exception("closing slack socket mode failed")
            self.socket_mode = None
        self.bridge.close()
        self.client.close()

    def drain(self, timeout: float = 10.0) -> None:
        """Wait for answers still being posted to response_urls."""
        self.bridge.drain(timeout)

    def health(self) -> dict[str, object]:
        status: dict[str, object] = {
            "http": self.http_enabled,
            "identity": "resolved" if self.identity.resolved else "pending",
        }
        if self.socket_mode_enabled:
            connected = self.socket_mode is not None and self.socket_mode.client.is_connected()
            status["socket_mode"] = "connected" if connected else "disconnected"
        return status
