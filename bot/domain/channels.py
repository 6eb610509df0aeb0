"""What the core knows of a chat channel: its traits, never which platform it is.

Each channel package declares its traits in its `plugin.py`; the registry
(`bot/channels/registry.py`) collects them into the catalog, in order of preference for
private messages. The core iterates them instead of branching on a platform's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


def _not_shared(destination: str) -> bool:
    return False


@dataclass(frozen=True)
class SendLimits:
    """How fast a channel's platform accepts messages, as its plugin declares them: data for
    whoever paces delivery, so that no pacing code names a platform. Rates are messages per
    second; None means the platform publishes no such limit.

    A platform answers a message over its limit with "retry after N seconds" (the delivery
    worker honours that); these figures are for not reaching it in the first place.
    """

    # Every message the bot sends, across all conversations.
    overall: float | None = None
    # Messages into one conversation (a private chat, a channel, a group).
    per_conversation: float | None = None
    # Into one shared conversation, where the platform is stricter there (None: as above).
    per_shared_conversation: float | None = None
    # How many messages may go at once into one conversation before the rate applies.
    burst: int = 1
    # How many may go at once across all conversations before `overall` applies.
    overall_burst: int = 1
    # Kinds of message (an outbox row's kind: "card_update", ...) the platform limits by a
    # rate of their own across all conversations instead of the per-conversation one (a Web
    # API method's tier), with the burst they may take at once.
    per_kind: tuple[tuple[str, float], ...] = ()
    kind_burst: int = 1
    # Whether a destination is a shared conversation (a group): the channel knows its form.
    is_shared: Callable[[str], bool] = field(default=_not_shared, compare=False)

    def __post_init__(self) -> None:
        rates = (
            self.overall,
            self.per_conversation,
            self.per_shared_conversation,
            *(rate for _kind, rate in self.per_kind),
        )
        if any(rate is not None and rate <= 0 for rate in rates):
            raise ValueError("a rate is a positive number of messages per second, or None")
        if min(self.burst, self.overall_burst, self.kind_burst) < 1:
            raise ValueError("a burst is at least one message")

    def kind_rate(self, kind: str) -> float | None:
        """The rate of its own a kind of message has across all conversations, if any."""
        return dict(self.per_kind).get(kind)

    def conversation_rate(self, *, shared: bool) -> float | None:
        """Messages per second into one conversation of this kind (None: unlimited)."""
        rates = [self.per_conversation]
        if shared:
            rates.append(self.per_shared_conversation)
        known = [rate for rate in rates if rate is not None]
        return min(known) if known else None

    def spacing(self, *, shared: bool) -> float:
        """Seconds to leave between two messages into one conversation once a burst is spent
        (0: none needed)."""
        rate = self.conversation_rate(shared=shared)
        return 0.0 if rate is None else 1.0 / rate


UNLIMITED = SendLimits()  # a channel with no published limits (a terminal, a test's)


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
    # The channel carries e-mail (calendar invitations, messages to candidates) rather than a
    # conversation: hirebot's chat messages (replies, buttons, reminders) never go there, and
    # the core finds it by this trait, never by its name.
    mail: bool = False
    # Turns an address as a platform or config.yaml gives it into the stored form; raises
    # ValueError, with a message for people, when it is not one.
    normalise: Callable[[str], str] = _as_is
    # The same for a shared conversation a role's cards go to (`channels.<name>` of a role).
    normalise_conversation: Callable[[str], str] = _as_is

    def implicit(self, person_key: str) -> str:
        """The address of a person on a channel whose addresses are directory keys."""
        return f"{self.name}:{person_key}"
