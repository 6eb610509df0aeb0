"""The console channel's declaration: run by `hirebot console`, never by the server."""

from __future__ import annotations

from bot.channels.base import ChannelPlugin
from bot.domain.channels import ChannelTraits

PLUGIN = ChannelPlugin(
    traits=ChannelTraits(
        name="console", label="Console", shared_conversations=True, implicit_address=True
    )
)
