"""The WhatsApp channel's settings: secrets and endpoints from the environment under
`WHATSAPP_`, and its section of config.yaml (`channels: whatsapp:`): the templates that invite
a person to open the conversation when the 24-hour window is closed (docs/whatsapp.md).

Which template goes, for each purpose (a reminder, a digest or other news, a prompt that asks
something), is taken from the first that names one:
1. `channels.whatsapp.templates.<purpose>` in config.yaml,
2. `channels.whatsapp.templates.default`,
3. `WHATSAPP_TEMPLATE` / `WHATSAPP_TEMPLATE_LANGUAGE` in the environment (the older way),
4. the built-in `hirebot_waiting` in `en`.
Each of name and language falls back on its own, so the environment may set only a language.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

GRAPH_API_URL = "https://graph.facebook.com/v23.0"
DEFAULT_TEMPLATE = "hirebot_waiting"
DEFAULT_LANGUAGE = "en"
# Meta's rules for a template's name and a language code (en, en_US, pt_BR, fil).
TEMPLATE_NAME = r"^[a-z0-9_]{1,512}$"
LANGUAGE_CODE = r"^[a-z]{2,3}(_[A-Z]{2})?$"

Purpose = Literal["reminder", "digest", "prompt"]
PURPOSES: tuple[Purpose, ...] = ("reminder", "digest", "prompt")


class WhatsAppSettings(BaseSettings):
    """`WHATSAPP_TOKEN` turns the channel on. `WHATSAPP_PHONE_NUMBER_ID` is the business number
    messages go from; `WHATSAPP_APP_SECRET` signs Meta's webhook requests and
    `WHATSAPP_VERIFY_TOKEN` answers its verification handshake. `WHATSAPP_API_URL` is the Graph
    API base URL with its version (a test's fake in the tests). `WHATSAPP_TEMPLATE` and
    `WHATSAPP_TEMPLATE_LANGUAGE` are the fallback for templates config.yaml does not name.
    """

    model_config = SettingsConfigDict(env_prefix="WHATSAPP_", extra="ignore")

    token: str | None = None
    phone_number_id: str | None = None
    app_secret: str | None = None
    verify_token: str | None = None
    api_url: str = GRAPH_API_URL
    template: str | None = Field(default=None, pattern=TEMPLATE_NAME)
    template_language: str | None = Field(default=None, pattern=LANGUAGE_CODE)
    # Meta's default throughput per business number, and its pair rate limit (one message to
    # the same person about every 6 seconds).
    messages_per_second: float = Field(default=80.0, gt=0)
    pair_interval_seconds: float = Field(default=6.0, ge=0)


class TemplateChoice(BaseModel):
    """One approved template: its name in WhatsApp Manager and its language code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(default=None, pattern=TEMPLATE_NAME)
    language: str | None = Field(default=None, pattern=LANGUAGE_CODE)


class Templates(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: TemplateChoice = TemplateChoice()
    reminder: TemplateChoice = TemplateChoice()
    digest: TemplateChoice = TemplateChoice()
    prompt: TemplateChoice = TemplateChoice()


class WhatsAppConfig(BaseModel):
    """`channels: whatsapp:` in config.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    templates: Templates = Templates()

    def template(self, purpose: Purpose, env: WhatsAppSettings) -> tuple[str, str]:
        """(name, language) of the template for `purpose`, by the precedence above."""
        own: TemplateChoice = getattr(self.templates, purpose)
        shared = self.templates.default
        name = own.name or shared.name or env.template or DEFAULT_TEMPLATE
        language = own.language or shared.language or env.template_language or DEFAULT_LANGUAGE
        return name, language
