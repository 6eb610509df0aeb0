"""Shared by the delivery recovery tests: a delivery-only runtime, outbox rows, metric values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from starlette.routing import BaseRoute

from bot.bootstrap import Hirebot
from bot.delivery.sender import Sender
from storage.models import OutboxMessage


@dataclass
class DeliveryOnly:
    """A stand-in for a channel runtime (a fake of our ChannelRuntime port): the channel's real
    sender, no webhooks, so the test drives delivery passes itself with a frozen clock."""

    name: str
    delivery: Sender

    def sender(self) -> Sender:
        return self.delivery

    def routes(self) -> list[BaseRoute]:
        return []

    def process_event(self, payload: dict[str, Any]) -> None:
        raise AssertionError("no routes, so nothing is ever recorded for this channel")

    def start(self, *, inbound: bool = True) -> None:
        return None

    def stop(self) -> None:
        return None

    def health(self) -> dict[str, object]:
        return {"status": "ok"}


def rows(app: Hirebot, channel: str = "slack") -> list[OutboxMessage]:
    with app.uow() as uow:
        return list(
            uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.channel == channel)
                .order_by(OutboxMessage.id)
            )
        )


def metric(text: str, sample: str) -> float:
    """The value of one exposition line, e.g. 'name{label="x"}'; 0 when absent."""
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
