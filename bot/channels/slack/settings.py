"""The Slack channel's settings, from the environment under `SLACK_` (docs/slack.md)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class SlackSettings(BaseSettings):
    """`SLACK_BOT_TOKEN` turns the channel on; then HTTP mode needs `SLACK_SIGNING_SECRET`,
    Socket Mode `SLACK_APP_TOKEN`. `SLACK_API_URL` points at GovSlack or a test's fake."""

    model_config = SettingsConfigDict(env_prefix="SLACK_", extra="ignore")

    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str = "https://slack.com/api/"
