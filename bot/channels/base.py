"""What a chat channel contributes to `hirebot serve`: a sender, HTTP routes, background work."""

from __future__ import annotations

from typing import Any, Protocol

from starlette.routing import BaseRoute

from bot.delivery.sender import Sender


class ChannelRuntime(Protocol):
    name: str

    def sender(self) -> Sender:
        """Delivers this channel's outbox rows."""
        ...

    def routes(self) -> list[BaseRoute]:
        """HTTP endpoints inside `hirebot serve` (webhooks); may be empty."""
        ...

    def process_event(self, payload: dict[str, Any]) -> None:
        """Handle one event that this channel's route recorded in the inbox; raise to retry."""
        ...

    def start(self) -> None:
        """Start background connections (Socket Mode, long polling); return immediately."""
        ...

    def stop(self) -> None: ...

    def health(self) -> dict[str, object]:
        """A small status dict for /healthz."""
        ...
