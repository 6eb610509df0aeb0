"""Memo: a channel that exists only in the tests, registered from outside `bot/`.

It proves the core is open: a channel is its own package (this one: a JSON webhook in, a list of
delivered messages out, its settings under `MEMO_`) plus one `registry.register` call, with no
edit under `bot/`. Its "platform" is deliberately tiny: POST /memo/events with the shared token
`MEMO_TOKEN` (which turns the channel on), one JSON event per
request (`{"id", "user", "chat", "text"}` or `"tap": {"action", "value"}`); chats whose id
starts with `room-` are shared, the rest are private.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.base import ChannelPlugin, ChannelRuntime
from bot.delivery.sender import OutgoingMessage, Sender
from bot.domain.channels import ChannelTraits
from bot.handlers.dispatcher import ActionEvent, Inbound

if TYPE_CHECKING:
    from bot.bootstrap import Hirebot
    from bot.environment import Environment

NAME = "memo"
TOKEN = "memo-secret"


class MemoSettings(BaseSettings):
    """The channel's own settings, read by the core from the environment under `MEMO_`."""

    model_config = SettingsConfigDict(env_prefix="MEMO_", extra="ignore")

    # The shared secret every event must carry; a short one would be guessable.
    token: str | None = Field(default=None, min_length=8)


def _user(address: str) -> str:
    if not address.startswith("m-") or len(address) > 40:
        raise ValueError(f"'{address[:40]}' is not a memo user (they look like m-sana)")
    return address


def _room(address: str) -> str:
    if not address.startswith("room-"):
        raise ValueError(f"'{address[:40]}' is not a memo room (they look like room-hiring)")
    return address


@dataclass
class MemoSender:
    """Delivers by remembering: what a person would have seen, in order."""

    channel: str = NAME
    delivered: list[OutgoingMessage] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def send(self, message: OutgoingMessage) -> str | None:
        self.delivered.append(message)
        return f"memo-{next(self._ids)}"

    def to(self, chat: str) -> list[OutgoingMessage]:
        return [m for m in self.delivered if m.destination == chat]


class MemoRuntime:
    name = NAME

    def __init__(self, hirebot: Hirebot) -> None:
        self.hirebot = hirebot
        self.token = hirebot.env.channel_settings(MemoSettings).token
        self.memo_sender = MemoSender()

    def sender(self) -> Sender:
        return self.memo_sender

    def routes(self) -> list[BaseRoute]:
        return [Route("/memo/events", self._event, methods=["POST"])]

    async def _event(self, request: Request) -> Response:
        if request.headers.get("X-Memo-Token") != self.token:
            return Response(status_code=403)
        event: dict[str, Any] = await request.json()
        self.hirebot.inbox.receive(NAME, f"memo:{event['id']}", f"memo:{event['user']}", event)
        return JSONResponse({"ok": True})

    def process_event(self, payload: dict[str, Any]) -> None:
        tap = payload.get("tap")
        chat = str(payload["chat"])
        self.hirebot.dispatcher.handle(
            Inbound(
                channel=NAME,
                user_ref=str(payload["user"]),
                conversation=chat,
                text=payload.get("text"),
                action=ActionEvent(tap["action"], tap["value"]) if tap else None,
                dedup_key=f"memo:{payload['id']}",
                shared_conversation=chat.startswith("room-"),
            )
        )

    def start(self, *, inbound: bool = True) -> None:
        return None

    def stop(self) -> None:
        return None

    def health(self) -> dict[str, object]:
        return {"delivered": len(self.memo_sender.delivered)}


def _enabled(env: Environment) -> bool:
    return bool(env.channel_settings(MemoSettings).token)


def _runtime(hirebot: Hirebot) -> ChannelRuntime:
    return MemoRuntime(hirebot)


PLUGIN = ChannelPlugin(
    traits=ChannelTraits(
        name=NAME,
        label="Memo",
        person_key="memo_id",
        shared_conversations=True,
        normalise=_user,
        normalise_conversation=_room,
    ),
    enabled=_enabled,
    runtime=_runtime,
)
