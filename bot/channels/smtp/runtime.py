"""The e-mail channel inside `hirebot serve`: a sender for the delivery loop, nothing more.

hirebot does not read a mailbox (replies and bounces go to the recruiter's own address, the
Reply-To), so there are no routes and no events to process."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from bot.bootstrap import Hirebot
from bot.channels.smtp.plugin import NAME
from bot.channels.smtp.sender import EmailSender
from bot.delivery.sender import Sender


class EmailRuntime:
    name = NAME

    def __init__(self, hirebot: Hirebot) -> None:
        self.email_sender = EmailSender(hirebot)

    def sender(self) -> Sender:
        return self.email_sender

    def routes(self) -> list[BaseRoute]:
        return []

    def process_event(self, payload: dict[str, Any]) -> None:
        raise RuntimeError("the e-mail channel records no inbound events")

    def start(self, *, inbound: bool = True) -> None:
        return None

    def stop(self) -> None:
        return None

    def health(self) -> dict[str, object]:
        return {"server": str(self.email_sender.server)}
