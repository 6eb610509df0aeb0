"""The Slack channel's declaration: traits, when it is enabled (SLACK_BOT_TOKEN: settings.py),
its renderer, its send limits and its runtime."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from bot.channels.base import ChannelPlugin, ChannelRuntime
from bot.channels.slack.settings import SlackSettings
from bot.domain.channels import ChannelTraits, SendLimits
from bot.messages.reply import Reply

if TYPE_CHECKING:
    from bot.bootstrap import Hirebot
    from bot.environment import Environment

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def _user_id(address: str) -> str:
    if not _USER_ID.match(address):
        raise ValueError(f"'{address[:40]}' is not a Slack user id (they look like U0123ABCD)")
    return address


_CONVERSATION = re.compile(r"^[CGD][A-Z0-9]{2,}$")


def _conversation(address: str) -> str:
    if not _CONVERSATION.match(address):
        raise ValueError(
            f"'{address[:40]}' is not a Slack channel id (they look like C0123ABCD; "
            "the channel's name goes in channels.name)"
        )
    return address


def _link_instructions(env: Environment, code: str) -> list[str]:
    return [f"in Slack, open a direct message with hirebot and send: start {code}"]


def _enabled(env: Environment) -> bool:
    return bool(env.channel_settings(SlackSettings).bot_token)


def _runtime(hirebot: Hirebot) -> ChannelRuntime:
    from bot.channels.slack.runtime import SlackRuntime

    return SlackRuntime(hirebot)


def _render(reply: Reply) -> list[str]:
    """The chat.postMessage content (Block Kit and its notification text) as JSON."""
    from bot.channels.slack import render

    return [json.dumps(render.message(reply).payload(), ensure_ascii=False)]


# chat.postMessage: about one message per second into a channel, short bursts tolerated (how
# many is not published: 3 keeps well inside); a workspace-wide limit exists but is not
# published either (https://api.slack.com/docs/rate-limits, "Posting messages"). Edits go
# through chat.update, a Tier 3 method (50+ a minute per workspace), not the channel's limit.
# Those figures are the defaults of the settings (settings.py) a deployment may change them in
# (SLACK_PER_CHANNEL_PER_SECOND, SLACK_CHANNEL_BURST, SLACK_UPDATES_PER_MINUTE).
UPDATES = ("card_update", "message_update")


def _limits(env: Environment) -> SendLimits:
    settings = env.channel_settings(SlackSettings)
    return SendLimits(
        per_conversation=settings.per_channel_per_second,
        burst=settings.channel_burst,
        per_kind=tuple((kind, settings.updates_per_minute / 60) for kind in UPDATES),
    )


PLUGIN = ChannelPlugin(
    traits=ChannelTraits(
        name="slack",
        label="Slack",
        person_key="slack_id",
        linkable=True,
        shared_conversations=True,
        normalise=_user_id,
        normalise_conversation=_conversation,
    ),
    enabled=_enabled,
    runtime=_runtime,
    link_instructions=_link_instructions,
    render=_render,
    limits=_limits,
)
