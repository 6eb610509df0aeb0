"""Drives hirebot's Slack endpoint the way Slack does: signed HTTP requests carrying real
payload shapes, with the bot's own slack_sdk client talking to a local FakeSlackAPI."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot
from bot.channels.slack.runtime import SlackRuntime
from bot.environment import Environment
from bot.runtime.server import Server
from tests.fakes.slack_api import FakeSlackAPI, SlackCall
from tests.helpers import handle_inbox

SECRET = "test-signing-secret"
SANA, OMAR, HINA = "U0SANAMRZ", "U0OMARFRQ", "U0HINABAG"
HIRING = "C0HIRESBE"
TEAM = "T0001"


def slack_env(api: FakeSlackAPI, **extra: str) -> Environment:
    return Environment.model_validate(
        {
            "SLACK_BOT_TOKEN": api.token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api.base_url,
            **extra,
        }
    )


def new_trigger() -> str:
    return f"{int(time.time())}.{uuid.uuid4().hex[:12]}"


def sign(body: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature or ""}


@dataclass
class Slack:
    """One running `hirebot serve` app with Slack enabled, and the fake Web API behind it."""

    hirebot: Hirebot
    server: Server
    api: FakeSlackAPI
    http: TestClient
    _ids: int = field(default=0)

    @property
    def runtime(self) -> SlackRuntime:
        runtime = self.server.runtimes[0]
        assert isinstance(runtime, SlackRuntime)
        return runtime

    # Requests ------------------------------------------------------------------------

    def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        signed: dict[str, str] | None = None,
        process: bool = True,
    ) -> httpx.Response:
        """Post a signed request; then, unless `process` is False, handle what it recorded."""
        all_headers = {"Content-Type": content_type, **(signed or sign(body)), **(headers or {})}
        response: httpx.Response = self.http.post(
            "/slack/events", content=body.encode(), headers=all_headers
        )
        if process:
            self.process()
        return response

    def process(self) -> int:
        """What the server's inbox loop does after a request: handle every recorded event,
        then wait for the answers posted to response_urls."""
        handled = handle_inbox(self.hirebot)
        self.runtime.drain()
        return handled

    def command(
        self,
        text: str,
        *,
        user: str = SANA,
        channel: str = HIRING,
        trigger_id: str | None = None,
        headers: dict[str, str] | None = None,
        response_url: str | None = None,
        process: bool = True,
    ) -> httpx.Response:
        trigger_id = trigger_id or new_trigger()
        body = urlencode(
            {
                "token": "legacy",
                "team_id": TEAM,
                "team_domain": "hirebot-test",
                "channel_id": channel,
                "channel_name": "hiring" if channel.startswith("C") else "directmessage",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/hire",
                "text": text,
                "api_app_id": self.api.app_id,
                "is_enterprise_install": "false",
                "response_url": response_url or self.api.response_url(f"cmd-{trigger_id}"),
                "trigger_id": trigger_id,
            }
        )
        return self.post(
            body, "application/x-www-form-urlencoded", headers=headers, process=process
        )

    def interact(
        self, payload: dict[str, Any], *, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", headers=headers)

    def click(
        self,
        message: dict[str, Any],
        action_id: str,
        *,
        user: str = SANA,
        channel: str = HIRING,
        trigger_id: str | None = None,
        ephemeral: bool = False,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Click the button `action_id` on a message as Slack shows it (blocks as posted)."""
        block, element = find_button(message["blocks"], action_id)
        trigger_id = trigger_id or new_trigger()
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": self.api.app_id,
            "token": "legacy",
            "container": {
                "type": "message",
                "message_ts": message.get("ts", "1.1"),
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": trigger_id,
            "team": {"id": TEAM, "domain": "hirebot-test"},
            "channel": {"id": channel, "name": "hiring"},
            "message": message,
            "response_url": self.api.response_url(f"act-{trigger_id}"),
            "actions": [
                {
                    "type": "button",
                    "action_id": element["action_id"],
                    "block_id": block["block_id"],
                    "text": element["text"],
                    "value": element.get("value", ""),
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return self.interact(payload, headers=headers)

    def click_view(
        self, view: dict[str, Any], action_id: str, *, user: str = SANA
    ) -> httpx.Response:
        """Click a button on a view (the App Home): no channel and no response_url."""
        block, element = find_button(view["blocks"], action_id)
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": self.api.app_id,
            "token": "legacy",
            "container": {"type": "view", "view_id": view.get("id", "V1")},
            "trigger_id": new_trigger(),
            "team": {"id": TEAM, "domain": "hirebot-test"},
            "view": view,
            "actions": [
                {
                    "type": "button",
                    "action_id": element["action_id"],
                    "block_id": block["block_id"],
                    "text": element["text"],
                    "value": element.get("value", ""),
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return self.interact(payload)

    def submit(
        self,
        view: dict[str, Any],
        values: dict[str, str],
        *,
        user: str = SANA,
        trigger_id: str | None = None,
    ) -> httpx.Response:
        """Submit a modal as opened (views.open's answer) with `values` by block_id."""
        state: dict[str, Any] = {}
        for block in view["blocks"]:
            if block["type"] != "input":
                continue
            element = block["element"]
            value = values.get(block["block_id"])
            if element["type"] == "static_select":
                option = next((o for o in element["options"] if o["value"] == value), None)
                if option is None and value is None:
                    option = element.get("initial_option")
                entry = {"type": "static_select", "selected_option": option}
            else:
                entry = {"type": element["type"], "value": value}
            state[block["block_id"]] = {element["action_id"]: entry}
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "hirebot-test"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": self.api.app_id,
            "token": "legacy",
            "trigger_id": trigger_id or new_trigger(),
            "view": {**view, "state": {"values": state}},
        }
        return self.interact(payload)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        self._ids += 1
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": TEAM,
                "api_app_id": self.api.app_id,
                "type": "event_callback",
                "event_id": event_id or f"Ev{self._ids:08d}",
                "event_time": int(time.time()),
                "event": event,
            }
        )
        return self.post(body, "application/json", headers=headers)

    # Delivery and inspection -----------------------------------------------------------

    def deliver(self) -> int:
        """One delivery pass, then wait for answers posted to response_urls."""
        sent = self.server.delivery.run_pending()
        self.runtime.drain()
        return sent

    def posted(self, channel: str = HIRING) -> list[dict[str, Any]]:
        return list(self.api.messages.get(channel, []))

    def card(self, channel: str = HIRING) -> dict[str, Any]:
        cards = [m for m in self.posted(channel) if "thread_ts" not in m]
        assert len(cards) == 1, cards
        return cards[0]

    def ask(self, text: str, **kwargs: Any) -> str:
        """Run `/hire <text>`; what the asker was told (every answer posted for it), as text."""
        trigger_id = kwargs.pop("trigger_id", None) or new_trigger()
        response = self.command(text, trigger_id=trigger_id, **kwargs)
        assert response.status_code == 200, response.text
        assert not response.content, response.text  # the ack is empty; answers come after
        return "\n".join(text_of(c.params) for c in self.answers(f"cmd-{trigger_id}"))

    def answers(self, key: str) -> list[SlackCall]:
        """The posts to the response_url made for `key` (cmd-<trigger> or act-<trigger>)."""
        self.runtime.drain()
        return [c for c in self.api.calls_to("response_url") if c.path.endswith(f"/{key}")]

    def answer(self, trigger_id: str) -> str:
        """What the clicker with this trigger_id was told (via the response_url), as text."""
        self.runtime.drain()
        calls = [c for c in self.api.calls_to("response_url") if c.path.endswith(trigger_id)]
        assert len(calls) == 1, calls
        return text_of(calls[0].params)

    def responses(self) -> list[SlackCall]:
        self.runtime.drain()
        return self.api.calls_to("response_url")


def find_button(
    blocks: list[dict[str, Any]], action_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    for block in blocks:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element.get("action_id") == action_id:
                return block, element
    raise AssertionError(f"no button {action_id!r} in {json.dumps(blocks)[:500]}")


def text_of(payload: dict[str, Any] | list[dict[str, Any]]) -> str:
    """Every text string in a message or view, joined (what a person would read)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload)
    return "\n".join(found)
