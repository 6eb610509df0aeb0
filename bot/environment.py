"""Deployment settings and secrets: only ever from the environment, never from config.yaml.

`Environment` holds the core's own settings (`DATABASE_URL`, `HIREBOT_*`). Each channel
declares its settings in its own package, under its own prefix (`bot/channels/*/settings.py`),
and reads them with `env.channel_settings(...)` from the same source the Environment was read
from: the process environment in production, or the mapping a test passed to
`Environment.model_validate` over it. So the core never names a channel's variables, and a
test's environment reaches its channels without touching `os.environ`.
"""

from __future__ import annotations

import os
from typing import Any, Literal, TypeVar

from pydantic import AwareDatetime, Field, HttpUrl, PrivateAttr, ValidationError, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

from bot.domain.careers import PublicSite

Settings = TypeVar("Settings", bound=BaseSettings)


class SettingsError(ValueError):
    """A variable in the environment has a value hirebot cannot use; the message names it."""


class Environment(BaseSettings):
    """The core's deployment settings, and the variables they were read from (for channels)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    database_url: str = Field(default="sqlite:///var/hirebot.db", alias="DATABASE_URL")
    log_format: Literal["text", "json"] = Field(default="text", alias="HIREBOT_LOG_FORMAT")
    log_level: str = Field(default="WARNING", alias="HIREBOT_LOG_LEVEL")
    api_token: str | None = Field(default=None, alias="HIREBOT_API_TOKEN")
    # Pins the clock at one instant (an ISO time with its offset). For tests and rehearsals, so
    # that a CLI call in a test reads the same clock as the app the test drives; unset in
    # production, where the system clock runs.
    clock: AwareDatetime | None = Field(default=None, alias="HIREBOT_CLOCK")
    # The address candidates reach `hirebot serve` at (https://jobs.example.com): it switches
    # the careers pages on and is the base of the links hirebot hands out (docs/careers.md).
    public_url: HttpUrl | None = Field(default=None, alias="HIREBOT_PUBLIC_URL")
    # Signs those links and the forms' CSRF tokens; the same on every replica. Required with
    # HIREBOT_PUBLIC_URL.
    secret_key: str | None = Field(default=None, min_length=32, alias="HIREBOT_SECRET_KEY")
    # Delivery keeps within each channel's send limits (bot/delivery/pacing.py; each channel's
    # own variables set them). Off: messages go as fast as the platform takes them, its "retry
    # after" answers still honoured. Off under a pinned clock too, which never moves.
    delivery_pacing: bool = Field(default=True, alias="HIREBOT_DELIVERY_PACING")

    @model_validator(mode="after")
    def _public_needs_a_key(self) -> Environment:
        if self.public_url is not None and self.secret_key is None:
            raise ValueError(
                "HIREBOT_PUBLIC_URL needs HIREBOT_SECRET_KEY (32 characters or more, the same "
                "on every replica): it signs the links and forms of the public pages"
            )
        return self

    def public_site(self) -> PublicSite | None:
        """Where the careers pages are served, or None when they are switched off."""
        if self.public_url is None or self.secret_key is None:
            return None
        return PublicSite(str(self.public_url).rstrip("/"), self.secret_key)

    _variables: dict[str, str] = PrivateAttr(default_factory=dict)
    _channels: dict[type[BaseSettings], BaseSettings] = PrivateAttr(default_factory=dict)

    def __init__(self, **values: Any) -> None:
        """Read the process environment, overlaid with the values a caller gave (a test's
        `Environment.model_validate({...})` comes here too); the channels read theirs from
        the same variables."""
        super().__init__(**values)
        given = {key: str(value) for key, value in values.items() if value is not None}
        self._variables = dict(os.environ) | given

    def channel_settings(self, kind: type[Settings]) -> Settings:
        """One channel's settings (a BaseSettings with its `env_prefix`), read once from the
        variables this Environment came from; a bad value stops hirebot with its variable's
        name."""
        cached = self._channels.get(kind)
        if isinstance(cached, kind):
            return cached
        source = EnvSettingsSource(kind)
        source.env_vars = parse_env_vars(
            self._variables,
            source.case_sensitive,
            source.env_ignore_empty,
            source.env_parse_none_str,
        )
        try:
            settings = kind(_build_sources=((source,), {}))
        except ValidationError as exc:
            prefix = kind.model_config.get("env_prefix", "")
            raise SettingsError(
                "\n".join(
                    f"{prefix}{str(error['loc'][0]).upper() if error['loc'] else ''}: "
                    f"{error['msg']}"
                    for error in exc.errors()
                )
            ) from exc
        self._channels[kind] = settings
        return settings
