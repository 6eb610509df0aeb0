"""The e-mail channel's settings, pacing and message headers, without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.channels import registry
from bot.channels.smtp.compose import compose
from bot.channels.smtp.plugin import address
from bot.channels.smtp.settings import EmailSettings, parse_smtp_url
from bot.clock import FrozenClock
from bot.delivery.pacing import Pacer
from bot.environment import Environment, SettingsError
from bot.messages.mail import Mail, Mailbox

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def settings(**values: str) -> EmailSettings:
    return Environment.model_validate(values).channel_settings(EmailSettings)


def test_the_three_url_forms() -> None:
    starttls = parse_smtp_url("smtp://apikey:p%40ss@smtp.example.com:587")
    assert (starttls.host, starttls.port, starttls.implicit_tls) == ("smtp.example.com", 587, False)
    assert (starttls.username, starttls.password) == ("apikey", "p@ss")
    assert str(starttls) == "smtp://smtp.example.com:587"  # never the password
    assert parse_smtp_url("smtps://u:p@smtp.example.com").port == 465
    assert parse_smtp_url("smtps://u:p@smtp.example.com").implicit_tls
    relay = parse_smtp_url("smtp://localhost:25")
    assert relay.local
    assert relay.username is None


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("HIREBOT_SMTP_URL", "http://mail.example.com", "use smtp://"),
        ("HIREBOT_SMTP_URL", "smtp://", "names no host"),
        ("HIREBOT_SMTP_URL", "smtp://mail.example.com:port", "not a number"),
        ("HIREBOT_MAIL_FROM", "hiring at example", "not an e-mail address"),
        ("HIREBOT_SMTP_PER_MINUTE", "0", "greater than 0"),
    ],
)
def test_a_bad_setting_names_its_variable(variable: str, value: str, said: str) -> None:
    with pytest.raises(SettingsError) as raised:
        settings(**{variable: value})
    assert variable in str(raised.value)
    assert said in str(raised.value)


def test_addresses_are_checked_and_stored_in_one_form() -> None:
    assert address(" Hina.Baig@Example.COM ") == "hina.baig@example.com"
    with pytest.raises(ValueError, match="not an e-mail address"):
        address("hina@")
    with pytest.raises(ValueError, match="at most 128"):
        address("h" * 60 + "@" + "d" * 60 + ".example.com")


def test_the_server_limit_paces_delivery_without_a_real_wait() -> None:
    env = Environment.model_validate({"HIREBOT_SMTP_PER_MINUTE": "30"})
    clock = FrozenClock(NOW)
    pacer = Pacer(registry.send_limits("email", env), clock)  # one every 2 s, any recipient
    assert pacer.reserve("a@example.org") == 0.0
    pacer.sent("a@example.org")  # back from the server, as the delivery worker says
    assert pacer.reserve("b@example.org") == pytest.approx(2.0)
    clock.advance(timedelta(seconds=5))  # a quiet spell: the next goes at once
    assert pacer.reserve("b@example.org") == 0.0


def test_headers_cannot_be_injected_and_names_are_quoted() -> None:
    mail = Mail(
        to=Mailbox(name='Ayesha "A", Khan\r\nBcc: x@evil.example', address="a@example.org"),
        subject="Hello\r\nBcc: x@evil.example",
        text="hi",
        html="<p>hi</p>",
    )
    message = compose(
        mail,
        outbox_id=7,
        created_at=NOW,
        sender=Mailbox(name="hiring", address="hiring@example.com"),
        now=NOW,
    )
    assert message["Bcc"] is None
    assert message["To"].addresses[0].addr_spec == "a@example.org"
    assert "\n" not in str(message["Subject"])
    assert message["Message-ID"] == "<outbox.7.20261123090000@example.com>"
    assert message["List-Unsubscribe"] is None  # only mail that can be unsubscribed from
    raw = message.as_bytes()
    assert b"\r\nBcc:" not in raw
