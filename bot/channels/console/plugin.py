"""The console channel's declaration: run by `hirebot console`, never by the server."""

from __future__ import annotations

from bot.channels.base import ChannelPlugin
from bot.domain.channels import ChannelTraits


def _room(address: str) -> str:
    """The console shows a role's channel by this label (`#hiring-backend`)."""
    if not 1 <= len(address) <= 80:
        raise ValueError("a console channel label is 1 to 80 characters")
    return address


PLUGIN = ChannelPlugin(
    traits=ChannelTraits(
        name="console",
        label="Console",
        shared_conversations=True,
        implicit_address=True,
        normalise_conversation=_room,
    )
)
