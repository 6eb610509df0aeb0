"""What a channel package contributes: its traits and settings, its renderer and its send
limits (`ChannelPlugin`, declared in its `plugin.py`), and for `hirebot serve` a runtime with a
sender, HTTP routes and background work (`ChannelRuntime`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel
from starlette.routing import BaseRoute

from bot.delivery.sender import Sender
from bot.domain.channels import UNLIMITED, ChannelTraits, SendLimits
from bot.domain.user_directory import UserDirectory
from bot.messages.reply import Reply

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

    def start(self, *, inbound: bool = True) -> None:
        """Start background connections (Socket Mode, long polling); return immediately.
        `inbound=False` in a worker process (`hirebot worker`): only what handling and sending
        need; the web process receives (webhook registration, polling, Socket Mode)."""
        ...

    def stop(self) -> None: ...

    def health(self) -> dict[str, object]:
        """A small status dict for /healthz."""
        ...


@runtime_checkable
class KeepsDirectory(Protocol):
    """A runtime whose platform has a user directory the core may ask
    (bot/domain/user_directory.py); the wiring gives it to the dispatcher by channel name."""

    name: str

    def directory(self) -> UserDirectory: ...


class Renderer(Protocol):
    def __call__(self, reply: Reply) -> list[str]:
        """The messages one reply becomes on this channel, each as the platform receives its
        content (escaped for its markup, split at its limits): what a preview shows and what
        the tests read, through the registry."""
        ...


def _never(env: Environment) -> bool:
    return False


def _unlimited(env: Environment) -> SendLimits:
    return UNLIMITED


def plain_text(reply: Reply) -> list[str]:
    """A channel with no markup of its own shows a reply's plain text, in one message."""
    return [reply.plain_text()]


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
    # How a reply looks there; the channel's sender sends what this gives.
    render: Renderer = plain_text
    # The channel's own section of config.yaml (`channels: {name: …}`), a pydantic model the
    # config validates it with; None: the channel has no settings there.
    config: type[BaseModel] | None = None
    # How fast the platform accepts messages, as this deployment sets them: the channel's
    # settings, whose defaults are the figures the platform publishes. Delivery paces by it
    # (the sender is the runtime's, built with it). One declaration, so the published figures
    # and the configurable ones cannot drift apart.
    limits: Callable[[Environment], SendLimits] = _unlimited
