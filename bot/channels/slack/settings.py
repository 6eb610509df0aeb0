"""The Slack channel's settings, from the environment under `SLACK_` (docs/slack.md)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SlackSettings(BaseSettings):
    """`SLACK_BOT_TOKEN` turns the channel on; then HTTP mode needs `SLACK_SIGNING_SECRET`,
    Socket Mode `SLACK_APP_TOKEN`. `SLACK_API_URL` points at GovSlack or a test's fake.

    Delivery's pacing (docs/configuration.md): `SLACK_PER_CHANNEL_PER_SECOND` messages into one
    conversation (chat.postMessage's limit), after a burst of `SLACK_CHANNEL_BURST`; edits of
    cards (chat.update, Tier 3) at `SLACK_UPDATES_PER_MINUTE` across the workspace."""

    model_config = SettingsConfigDict(env_prefix="SLACK_", extra="ignore")

    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str = "https://slack.com/api/"
    per_channel_per_second: float = Field(default=1.0, gt=0, le=10_000)
    channel_burst: int = Field(default=3, ge=1, le=10_000)
    updates_per_minute: float = Field(default=50.0, gt=0, le=600_000)
