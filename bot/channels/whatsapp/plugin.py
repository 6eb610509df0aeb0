"""The WhatsApp channel's declaration: traits, when it is enabled (WHATSAPP_TOKEN: settings.py),
its renderer, its send limits, its runtime, and how a link code is used there.

A person's address is their phone number in E.164 (`+923001234567`, normalised with
`phonenumbers`), or, for someone whose WhatsApp username hides their number, the business-scoped
user id Meta gives them (`PK.1234567890`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import phonenumbers

from bot.channels.base import ChannelPlugin, ChannelRuntime
from bot.channels.whatsapp.settings import WhatsAppConfig, WhatsAppSettings
from bot.domain.channels import ChannelTraits, SendLimits
from bot.messages.reply import Reply

if TYPE_CHECKING:
    from bot.bootstrap import Hirebot
    from bot.environment import Environment

NAME = "whatsapp"
_USER_ID = re.compile(r"^[A-Z]{2}\.(?:ENT\.)?\d{1,40}$")


def is_user_id(address: str) -> bool:
    """A business-scoped user id (`PK.123…`, or a parent id `PK.ENT.123…`), not a number."""
    return bool(_USER_ID.fullmatch(address))


def normalise_address(address: str) -> str:
    """E.164 for a phone number (with its +country code, or as Meta's wa_id: digits that start
    with the country code); a business-scoped user id as it is."""
    text = str(address).strip()
    if is_user_id(text):
        return text
    candidate = text if text.startswith("+") else f"+{text}" if text.isdigit() else text
    try:
        number = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        raise ValueError(
            f"'{text[:40]}' is not a WhatsApp number: write it with its country code "
            "(+923001234567)"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"'{text[:40]}' is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _enabled(env: Environment) -> bool:
    return bool(env.channel_settings(WhatsAppSettings).token)


def _runtime(hirebot: Hirebot) -> ChannelRuntime:
    from bot.channels.whatsapp.runtime import WhatsAppRuntime

    return WhatsAppRuntime(hirebot)


def _link_instructions(env: Environment, code: str) -> list[str]:
    return [f"send the team's WhatsApp business number: start {code}"]


def _render(reply: Reply) -> list[str]:
    """The text of each message a reply becomes (choices ride on the last as a list)."""
    from bot.channels.whatsapp.render import render

    return [part.text for part in render(reply)]


# Cloud API defaults: 80 messages a second per business number (error 130429), about one
# message every 6 seconds to the same person (the pair rate limit, error 131056); settings.py
# lets a deployment with a higher tier raise the first for its sender's pacing: those figures
# are its defaults (WHATSAPP_MESSAGES_PER_SECOND, WHATSAPP_PAIR_INTERVAL_SECONDS; 0 for no pair
# pacing). Meta tolerates a short burst to one person before the pair limit applies: 3 keeps
# inside.
def _limits(env: Environment) -> SendLimits:
    settings = env.channel_settings(WhatsAppSettings)
    pair = settings.pair_interval_seconds
    return SendLimits(
        overall=settings.messages_per_second,
        overall_burst=max(1, int(settings.messages_per_second)),
        per_conversation=1 / pair if pair > 0 else None,
        burst=3,
    )


PLUGIN = ChannelPlugin(
    traits=ChannelTraits(
        name=NAME,
        label="WhatsApp",
        person_key="whatsapp",
        linkable=True,
        # No shared conversations: WhatsApp has no shared chats for bots, so a role's cards go
        # to its followers, and a role's `channels:` cannot name this channel.
        normalise=normalise_address,
    ),
    enabled=_enabled,
    runtime=_runtime,
    link_instructions=_link_instructions,
    render=_render,
    config=WhatsAppConfig,
    limits=_limits,
)
