"""Every channel hirebot has, in order of preference for a person's private messages.

A new channel is its own package under `bot/channels/` with a `plugin.py`, plus one line here.
Nothing outside `bot/channels/` names a platform: the configuration, the core, the CLI and the
server iterate this registry (the core sees only each channel's `ChannelTraits`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.channels.base import ChannelPlugin, Renderer
from bot.channels.console.plugin import PLUGIN as CONSOLE
from bot.channels.slack.plugin import PLUGIN as SLACK
from bot.channels.smtp.plugin import PLUGIN as EMAIL
from bot.channels.telegram.plugin import PLUGIN as TELEGRAM
from bot.channels.whatsapp.plugin import PLUGIN as WHATSAPP
from bot.domain.channels import ChannelTraits, SendLimits

if TYPE_CHECKING:
    from bot.environment import Environment

# The one line a new channel adds.
_PLUGINS: list[ChannelPlugin] = [SLACK, TELEGRAM, WHATSAPP, EMAIL, CONSOLE]


def plugins() -> tuple[ChannelPlugin, ...]:
    return tuple(_PLUGINS)


def register(plugin: ChannelPlugin) -> None:
    """Add a channel from outside this package (a deployment's own, or a test's), before the
    configuration is loaded: the configuration reads the keys each channel declares."""
    if plugin.traits.name in {p.traits.name for p in _PLUGINS}:
        raise ValueError(f"a channel named '{plugin.traits.name}' is registered already")
    _PLUGINS.insert(len(_PLUGINS) - 1, plugin)  # the local console stays the last resort


def unregister(name: str) -> None:
    _PLUGINS[:] = [p for p in _PLUGINS if p.traits.name != name]


def traits() -> tuple[ChannelTraits, ...]:
    return tuple(plugin.traits for plugin in _PLUGINS)


def enabled(env: Environment) -> list[ChannelPlugin]:
    """The channels whose credentials this deployment's environment carries."""
    return [plugin for plugin in _PLUGINS if plugin.enabled(env)]


def plugin(name: str) -> ChannelPlugin | None:
    return next((p for p in _PLUGINS if p.traits.name == name), None)


def _named(name: str) -> ChannelPlugin:
    found = plugin(name)
    if found is None:
        known = ", ".join(p.traits.name for p in _PLUGINS)
        raise ValueError(f"no channel named '{name[:40]}'; channels: {known}")
    return found


def renderer(name: str) -> Renderer:
    """How a reply looks on the channel `name` (a preview in the CLI asks here)."""
    return _named(name).render


def send_limits(name: str, env: Environment) -> SendLimits:
    """How fast the channel `name` accepts messages as the deployment `env` sets them (for
    whoever paces its delivery): the platform's published limits where it sets nothing."""
    return _named(name).limits(env)
