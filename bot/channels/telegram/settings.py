"""The Telegram channel's settings, from the environment under `TELEGRAM_` (docs/telegram.md)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class TelegramSettings(BaseSettings):
    """`TELEGRAM_BOT_TOKEN` turns the channel on; `TELEGRAM_WEBHOOK_URL` (with its
    `TELEGRAM_WEBHOOK_SECRET`) chooses a webhook over long polling. `TELEGRAM_API_URL` points
    at a self-hosted Bot API server or a test's fake."""

    model_config = SettingsConfigDict(env_prefix="TELEGRAM_", extra="ignore")

    bot_token: str | None = None
    api_url: str = "https://api.telegram.org/bot"
    webhook_url: str | None = None
    webhook_secret: str | None = None
