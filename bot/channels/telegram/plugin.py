"""The Telegram channel's declaration: traits, when it is enabled (TELEGRAM_BOT_TOKEN:
settings.py), its renderer, its send limits, its runtime, and how a link code is used there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.channels.base import ChannelPlugin, ChannelRuntime
from bot.channels.telegram.settings import TelegramSettings
from bot.domain.channels import ChannelTraits, SendLimits
from bot.messages.reply import Reply

if TYPE_CHECKING:
    from bot.bootstrap import Hirebot
    from bot.environment import Environment


def _user_id(address: str) -> str:
    """A Telegram user id is a positive integer (group chats are negative: never a person)."""
    text = str(address).strip()
    if not text.isdigit() or int(text) == 0:
        raise ValueError(f"'{text[:40]}' is not a Telegram user id (a positive number)")
    return str(int(text))


def _chat_id(address: str) -> str:
    """A group's chat id, negative (`-1001234567890`)."""
    text = str(address).strip()
    try:
        return str(int(text))
    except ValueError:
        raise ValueError(f"'{text[:40]}' is not a Telegram chat id (a number)") from None


def _enabled(env: Environment) -> bool:
    return bool(env.channel_settings(TelegramSettings).bot_token)


def _runtime(hirebot: Hirebot) -> ChannelRuntime:
    from bot.channels.telegram.runtime import TelegramRuntime

    return TelegramRuntime(hirebot)


def _render(reply: Reply) -> list[str]:
    """The HTML text of each sendMessage a reply becomes (split at 4,096 characters)."""
    from bot.channels.telegram.render import render

    return [part.text for part in render(reply)]


def _is_group(destination: str) -> bool:
    """Groups, supergroups and channels have negative chat ids; people positive ones."""
    return destination.strip().startswith("-")


# The Bot API FAQ: about 30 messages a second in all, no more than one a second into one chat,
# and 20 a minute into one group (short bursts tolerated, but not counted on here). Those
# figures are the defaults of the settings (settings.py) a deployment may change them in
# (TELEGRAM_MESSAGES_PER_SECOND, TELEGRAM_PER_CHAT_PER_SECOND, TELEGRAM_PER_GROUP_PER_MINUTE).
def _limits(env: Environment) -> SendLimits:
    settings = env.channel_settings(TelegramSettings)
    return SendLimits(
        overall=settings.messages_per_second,
        per_conversation=settings.per_chat_per_second,
        per_shared_conversation=settings.per_group_per_minute / 60,
        burst=1,
        overall_burst=3,  # a tenth of a second's worth: a pass sends a few chats side by side
        is_shared=_is_group,
    )


PLACEHOLDER_BOT = "<your-bot-username>"


def _link_instructions(env: Environment, code: str) -> list[str]:
    """A deep link that opens the bot with the code, and the command to type instead."""
    from bot.channels.telegram.app import bot_username

    settings = env.channel_settings(TelegramSettings)
    username = bot_username(settings)
    lines = [f"deep link: https://t.me/{username or PLACEHOLDER_BOT}?start={code}"]
    if username is None:
        why = (
            "TELEGRAM_BOT_TOKEN is not set"
            if not settings.bot_token
            else "Telegram did not answer getMe"
        )
        lines.append(f"({why}: put your bot's username in the link)")
    lines.append(f"or send the bot: /start {code}")
    return lines


PLUGIN = ChannelPlugin(
    traits=ChannelTraits(
        name="telegram",
        label="Telegram",
        person_key="telegram_id",
        linkable=True,
        shared_conversations=True,
        normalise=_user_id,
        normalise_conversation=_chat_id,
    ),
    enabled=_enabled,
    runtime=_runtime,
    link_instructions=_link_instructions,
    render=_render,
    limits=_limits,
)
