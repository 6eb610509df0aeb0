"""What the core knows of a chat channel: its traits, never which platform it is.

Each channel package declares its traits in its `plugin.py`; the registry
(`bot/channels/registry.py`) collects them into the catalog, in order of preference for
private messages. The core iterates them instead of branching on a platform's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def _as_is(address: str) -> str:
    return address


@dataclass(frozen=True)
class ChannelTraits:
    name: str
    label: str
    # The config.yaml key on a person that holds their address here (`<name>_id`), if any.
    person_key: str | None = None
    # Accounts are bound to people with one-time codes (`hirebot people link`).
    linkable: bool = False
    # The channel has shared conversations (channels, groups) where role cards can go.
    shared_conversations: bool = False
    # A person's address is their directory key (the local console): no identity is stored.
    implicit_address: bool = False
    # Turns an address as a platform or config.yaml gives it into the stored form; raises
    # ValueError, with a message for people, when it is not one.
    normalise: Callable[[str], str] = _as_is
    # The same for a shared conversation a role's cards go to (`channels.<name>` of a role).
    normalise_conversation: Callable[[str], str] = _as_is

    def implicit(self, person_key: str) -> str:
        """The address of a person on a channel whose addresses are directory keys."""
        return f"{self.name}:{person_key}"
