"""The e-mail channel's settings, from the environment (docs/email.md).

They keep the `HIREBOT_` prefix the deployment guides name (`HIREBOT_SMTP_URL`,
`HIREBOT_MAIL_FROM`); `HIREBOT_PUBLIC_URL`, which links in every channel use, is the core's
(bot/environment.py)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from email_validator import EmailNotValidError, validate_email
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpServer:
    """Where mail goes: `smtps` speaks TLS from the start; `smtp` upgrades with STARTTLS
    when the server offers it, and never sends a password before it has (unless the server
    is this machine's own relay)."""

    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None

    @property
    def implicit_tls(self) -> bool:
        return self.scheme == "smtps"

    @property
    def local(self) -> bool:
        return self.host in ("localhost", "127.0.0.1", "::1")

    def __str__(self) -> str:  # never the password
        return f"{self.scheme}://{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpServer:
    parts = urlsplit(url.strip())
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError("use smtp://host:587 (STARTTLS), smtps://host:465 or smtp://host:25")
    if not parts.hostname:
        raise ValueError("the URL names no host (smtp://user:password@host:587)")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise ValueError("the port is not a number") from None
    return SmtpServer(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class EmailSettings(BaseSettings):
    """`HIREBOT_SMTP_URL` turns the channel on and `HIREBOT_MAIL_FROM` is the From address.
    `HIREBOT_SMTP_PER_MINUTE` paces sending to what the server accepts (most providers limit
    a sender; a burst of invitations must not trip it)."""

    model_config = SettingsConfigDict(env_prefix="HIREBOT_", extra="ignore")

    smtp_url: str | None = None
    mail_from: str | None = None
    mail_from_name: str = Field(default="hirebot", max_length=80)
    smtp_per_minute: float = Field(default=60.0, gt=0, le=60_000)
    smtp_timeout: float = Field(default=30.0, gt=0, le=600)

    @field_validator("smtp_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value:
            parse_smtp_url(value)
        return value or None

    @field_validator("mail_from")
    @classmethod
    def _from(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            return validate_email(value.strip(), check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValueError(f"not an e-mail address: {exc}") from None

    def server(self) -> SmtpServer | None:
        return parse_smtp_url(self.smtp_url) if self.smtp_url else None
