"""The contract between the delivery worker and a channel: send one message, or say why not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.messages.reply import Reply


@dataclass(frozen=True)
class OutgoingMessage:
    """One outbox row, as a channel needs it. `card_ref` is the platform's id of the card this
    message edits (kind card_update) or replies under (thread_card_key), when it was posted, or
    of the delivered message it edits (kind message_update)."""

    id: int
    channel: str
    destination: str
    kind: str
    reply: Reply
    ephemeral_to: str | None = None
    card_key: str | None = None
    thread_card_key: str | None = None
    card_ref: str | None = None
    correlation_id: str = "-"


class DeliveryError(Exception):
    """Sending failed. `retry_after` (seconds) when the platform said when to come back;
    `unreachable` when the recipient refused for good (the person never started or blocked the
    bot, the bot left the channel): the delivery worker then tells someone who can fix it;
    `rate_limited` when the platform refused it for going too fast: delivery's pacing for that
    conversation slows down too (a retry-after for other reasons, a closed window, does not)."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = True,
        retry_after: float | None = None,
        unreachable: bool = False,
        rate_limited: bool = False,
    ):
        super().__init__(message)
        self.retryable = retryable and not unreachable
        self.retry_after = retry_after
        self.unreachable = unreachable
        self.rate_limited = rate_limited


class Sender(Protocol):
    channel: str

    def send(self, message: OutgoingMessage) -> str | None:
        """Deliver; return the platform's id for the posted message (used to edit cards later)."""
        ...


@runtime_checkable
class Counted(Protocol):
    """A sender whose one row may become several platform messages says how many, so that
    pacing takes that many sends (a sender without it counts one per row)."""

    def sends(self, message: OutgoingMessage) -> int: ...
