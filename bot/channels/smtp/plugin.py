"""The e-mail channel's declaration: traits (a person's `email:` in config.yaml; a mail
channel, so hirebot's chat messages never go here), when it is enabled (HIREBOT_SMTP_URL:
settings.py), and its runtime."""

from __future__ import annotations

from typing import TYPE_CHECKING

from email_validator import EmailNotValidError, validate_email

from bot.channels.base import ChannelPlugin, ChannelRuntime
from bot.channels.smtp.settings import EmailSettings
from bot.domain.channels import ChannelTraits, SendLimits

if TYPE_CHECKING:
    from bot.bootstrap import Hirebot
    from bot.environment import Environment

NAME = "email"
ADDRESS_MAX = 128  # what a person's stored address holds (person_identities.address)


def address(value: str) -> str:
    """An e-mail address in the form stored and compared (lower case: addresses are matched
    case-insensitively in practice, whatever RFC 5321 allows for the local part)."""
    text = str(value).strip()
    try:
        normalized = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"'{text[:60]}' is not an e-mail address: {exc}") from None
    if len(normalized) > ADDRESS_MAX:
        raise ValueError(f"the e-mail address is {len(normalized)} characters; at most 128")
    return normalized.lower()


def _enabled(env: Environment) -> bool:
    return bool(env.channel_settings(EmailSettings).smtp_url)


def _runtime(hirebot: Hirebot) -> ChannelRuntime:
    from bot.channels.smtp.runtime import EmailRuntime

    return EmailRuntime(hirebot)


# A mail server's limit is its own (a provider's per-account rate, greylisting of bursts):
# HIREBOT_SMTP_PER_MINUTE says it (60 unless set), one message at a time, spaced evenly.
def _limits(env: Environment) -> SendLimits:
    return SendLimits(overall=env.channel_settings(EmailSettings).smtp_per_minute / 60)


PLUGIN = ChannelPlugin(
    traits=ChannelTraits(
        name=NAME,
        label="E-mail",
        person_key="email",
        mail=True,
        normalise=address,
    ),
    enabled=_enabled,
    runtime=_runtime,
    limits=_limits,
)
