"""The Telegram channel's settings, from the environment under `TELEGRAM_` (docs/telegram.md)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TelegramSettings(BaseSettings):
    """`TELEGRAM_BOT_TOKEN` turns the channel on; `TELEGRAM_WEBHOOK_URL` (with its
    `TELEGRAM_WEBHOOK_SECRET`) chooses a webhook over long polling. `TELEGRAM_API_URL` points
    at a self-hosted Bot API server or a test's fake.

    Delivery's pacing (docs/configuration.md): `TELEGRAM_MESSAGES_PER_SECOND` in all,
    `TELEGRAM_PER_CHAT_PER_SECOND` into one chat, `TELEGRAM_PER_GROUP_PER_MINUTE` into one
    group (the Bot API FAQ's 30, 1 and 20)."""

    model_config = SettingsConfigDict(env_prefix="TELEGRAM_", extra="ignore")

    bot_token: str | None = None
    api_url: str = "https://api.telegram.org/bot"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    messages_per_second: float = Field(default=30.0, gt=0, le=100_000)
    per_chat_per_second: float = Field(default=1.0, gt=0, le=100_000)
    per_group_per_minute: float = Field(default=20.0, gt=0, le=6_000_000)
