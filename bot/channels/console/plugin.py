"""The console channel's declaration: run by `hirebot console`, never by the server; its
renderer prints a reply as the terminal shows it, and a terminal has no rate limit."""

from __future__ import annotations

from bot.channels.base import ChannelPlugin
from bot.channels.console.render import render
from bot.domain.channels import ChannelTraits
from bot.messages.reply import Reply


def _room(address: str) -> str:
    """The console shows a role's channel by this label (`#hiring-backend`)."""
    if not 1 <= len(address) <= 80:
        raise ValueError("a console channel label is 1 to 80 characters")
    return address


def _render(reply: Reply) -> list[str]:
    text, _choices = render(reply, where=None, kind="message")
    return [text.plain]


PLUGIN = ChannelPlugin(
    traits=ChannelTraits(
        name="console",
        label="Console",
        shared_conversations=True,
        implicit_address=True,
        normalise_conversation=_room,
    ),
    render=_render,
)
