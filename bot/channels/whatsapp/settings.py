"""The WhatsApp channel's settings, from the environment under `WHATSAPP_` (docs/whatsapp.md)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

GRAPH_API_URL = "https://graph.facebook.com/v23.0"


class WhatsAppSettings(BaseSettings):
    """`WHATSAPP_TOKEN` turns the channel on. `WHATSAPP_PHONE_NUMBER_ID` is the business number
    messages go from; `WHATSAPP_APP_SECRET` signs Meta's webhook requests and
    `WHATSAPP_VERIFY_TOKEN` answers its verification handshake. `WHATSAPP_API_URL` is the Graph
    API base URL with its version (a test's fake in the tests).

    The template that invites a person to open the conversation when the 24-hour window is
    closed is named here too (`WHATSAPP_TEMPLATE`, `WHATSAPP_TEMPLATE_LANGUAGE`): config.yaml
    has no section of a channel's own, and the template is part of the Meta app's setup.
    """

    model_config = SettingsConfigDict(env_prefix="WHATSAPP_", extra="ignore")

    token: str | None = None
    phone_number_id: str | None = None
    app_secret: str | None = None
    verify_token: str | None = None
    api_url: str = GRAPH_API_URL
    template: str = Field(default="hirebot_waiting", pattern=r"^[a-z0-9_]{1,512}$")
    template_language: str = Field(default="en", pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")
    # Meta's default throughput per business number, and its pair rate limit (one message to
    # the same person about every 6 seconds).
    messages_per_second: float = Field(default=80.0, gt=0)
    pair_interval_seconds: float = Field(default=6.0, ge=0)
