"""Socket Mode: with SLACK_APP_TOKEN set, hirebot connects out over a WebSocket and handles
the same payloads there, acknowledging each envelope with its answer."""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import WSMsgType, web
from starlette.testclient import TestClient

from bot.bootstrap import bootstrap
from bot.channels.slack.runtime import SlackConfigError, SlackRuntime
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.runtime.server import build_server
from tests.channels.slack.harness import HIRING, SANA, TEAM, text_of
from tests.fakes.slack_api import FakeSlackAPI, JsonDict

APP_TOKEN = "xapp-1-A0001-test"


class SocketModeEndpoint:
    """Slack's side of a Socket Mode connection: says hello, sends envelopes, collects acks."""

    def __init__(self) -> None:
        self.acks: queue.Queue[JsonDict] = queue.Queue()
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._envelopes: asyncio.Queue[JsonDict] | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.url = ""

    def start(self) -> SocketModeEndpoint:
        self._thread.start()
        assert self._ready.wait(30)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)

    def send(self, envelope: JsonDict) -> None:
        assert self._envelopes is not None
        self._loop.call_soon_threadsafe(self._envelopes.put_nowait, envelope)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._envelopes = asyncio.Queue()
        app = web.Application()
        app.router.add_get("/link", self._link)
        runner = web.AppRunner(app)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        host, port = runner.addresses[0][:2]
        self.url = f"ws://{host}:{port}/link"
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        await ws.send_json({"type": "hello", "num_connections": 1})
        assert self._envelopes is not None
        envelopes = self._envelopes

        async def pump() -> None:
            while True:
                await ws.send_json(await envelopes.get())

        sender = asyncio.ensure_future(pump())
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self.acks.put(json.loads(msg.data))
        finally:
            sender.cancel()
        return ws


class FakeSlackWithSocketMode(FakeSlackAPI):
    """Answers apps.connections.open for the app-level token with the endpoint's URL."""

    def __init__(self, endpoint: SocketModeEndpoint) -> None:
        super().__init__()
        self.endpoint = endpoint

    def _answer(
        self, method: str, headers: dict[str, str], params: JsonDict, parse_error: str | None
    ) -> tuple[int, dict[str, str], JsonDict]:
        if method == "apps.connections.open":
            if headers.get("authorization") != f"Bearer {APP_TOKEN}":
                return 200, {}, {"ok": False, "error": "invalid_auth"}
            return 200, {}, {"ok": True, "url": self.endpoint.url}
        return super()._answer(method, headers, params, parse_error)


@pytest.fixture
def endpoint() -> Iterator[SocketModeEndpoint]:
    server = SocketModeEndpoint().start()
    yield server
    server.stop()


def environment(api: FakeSlackAPI, **extra: str) -> Environment:
    return Environment.model_validate(
        {"SLACK_BOT_TOKEN": api.token, "SLACK_API_URL": api.base_url, **extra}
    )


def test_socket_mode_handles_a_command_without_a_public_url(
    database_url: str,
    shipped_config: HirebotConfig,
    clock: FrozenClock,
    endpoint: SocketModeEndpoint,
) -> None:
    with FakeSlackWithSocketMode(endpoint) as api:
        env = environment(api, SLACK_APP_TOKEN=APP_TOKEN)  # no signing secret: no HTTP endpoint
        hirebot = bootstrap(config=shipped_config, database_url=database_url, clock=clock, env=env)
        server = build_server(hirebot)
        [runtime] = server.runtimes
        assert isinstance(runtime, SlackRuntime)
        assert runtime.routes() == []
        http = TestClient(server.asgi())
        assert http.post("/slack/events", content=b"{}").status_code == 404
        runtime.start()
        try:
            endpoint.send(
                {
                    "envelope_id": "env-1",
                    "type": "slash_commands",
                    "accepts_response_payload": True,
                    "payload": {
                        "team_id": TEAM,
                        "channel_id": HIRING,
                        "user_id": SANA,
                        "command": "/hire",
                        "text": 'add senior-backend "Ayesha Khan"',
                        "api_app_id": api.app_id,
                        "trigger_id": "sock-1",
                        "response_url": api.response_url("sock-1"),
                    },
                }
            )
            ack: dict[str, Any] = endpoint.acks.get(timeout=10)
            assert ack["envelope_id"] == "env-1"
            assert "payload" not in ack  # acked at once; the answer follows
            assert hirebot.inbox.run_pending().done == 1
            runtime.drain()
            [answer] = api.calls_to("response_url")
            assert answer.path.endswith("/sock-1")
            assert answer.params["response_type"] == "ephemeral"
            assert "Added #1 Ayesha Khan" in text_of(answer.params)
            assert runtime.health()["socket_mode"] == "connected"
            assert server.delivery.run_pending() == 1  # the card, through the same sender
            assert len(api.messages[HIRING]) == 1
        finally:
            runtime.stop()
            hirebot.close()
        [opened] = api.calls_to("apps.connections.open")
        assert opened.headers["authorization"] == f"Bearer {APP_TOKEN}"


def test_slack_needs_a_signing_secret_or_an_app_token(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock, slack_api: FakeSlackAPI
) -> None:
    hirebot = bootstrap(
        config=shipped_config, database_url=database_url, clock=clock, env=environment(slack_api)
    )
    try:
        with pytest.raises(SlackConfigError, match="SLACK_SIGNING_SECRET"):
            build_server(hirebot)
    finally:
        hirebot.close()
