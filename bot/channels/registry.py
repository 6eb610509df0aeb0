"""Every channel hirebot has, in order of preference for a person's private messages.

A new channel is its own package under `bot/channels/` with a `plugin.py`, plus one line here.
Nothing outside `bot/channels/` names a platform: the configuration, the core, the CLI and the
server iterate this registry (the core sees only each channel's `ChannelTraits`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.channels.base import ChannelPlugin
from bot.channels.console.plugin import PLUGIN as CONSOLE
from bot.channels.slack.plugin import PLUGIN as SLACK
from bot.channels.telegram.plugin import PLUGIN as TELEGRAM
from bot.domain.channels import ChannelTraits

if TYPE_CHECKING:
    from bot.config import Environment

PLUGINS: tuple[ChannelPlugin, ...] = (SLACK, TELEGRAM, CONSOLE)


def traits() -> tuple[ChannelTraits, ...]:
    return tuple(plugin.traits for plugin in PLUGINS)


def enabled(env: Environment) -> list[ChannelPlugin]:
    """The channels whose credentials this deployment's environment carries."""
    return [plugin for plugin in PLUGINS if plugin.enabled(env)]


def plugin(name: str) -> ChannelPlugin | None:
    return next((p for p in PLUGINS if p.traits.name == name), None)
