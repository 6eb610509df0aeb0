"""What a channel package contributes: its traits and settings (`ChannelPlugin`, declared in
its `plugin.py`), and for `hirebot serve` a runtime with a sender, HTTP routes and background
work (`ChannelRuntime`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from starlette.routing import BaseRoute

from bot.delivery.sender import Sender
from bot.domain.channels import ChannelTraits

if TYPE_CHECKING:  # only for annotations: the config and the app import the registry
    from bot.bootstrap import Hirebot
    from bot.environment import Environment


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


def _never(env: Environment) -> bool:
    return False


@dataclass(frozen=True)
class ChannelPlugin:
    """One channel package's declaration, listed once in `bot/channels/registry.py`.

    `runtime` imports the channel's heavy modules (slack_bolt, python-telegram-bot) only when
    the server builds it, so reading the configuration never loads a platform's SDK.
    """

    traits: ChannelTraits
    # Whether this deployment serves the channel (its credentials are in the environment).
    enabled: Callable[[Environment], bool] = _never
    runtime: Callable[[Hirebot], ChannelRuntime] | None = None
    # How a person uses a one-time link code here (lines for `hirebot people link`).
    link_instructions: Callable[[Environment, str], list[str]] | None = None
