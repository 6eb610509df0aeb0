"""hirebot with the e-mail channel on, sending to a real SMTP server on a local port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.runtime.server import Server, build_server
from tests.fakes.smtp_server import SmtpServer

MAIL_FROM = "hiring@example.com"
PUBLIC_URL = "https://hirebot.example"
SECRET_KEY = "test-secret-key-of-32-characters"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock, smtp: SmtpServer
) -> Iterator[Hirebot]:
    env = Environment.model_validate(
        {
            "HIREBOT_SMTP_URL": smtp.url,
            "HIREBOT_MAIL_FROM": MAIL_FROM,
            "HIREBOT_MAIL_FROM_NAME": "Platform Engineering hiring",
            # The pacing is tested on its own (test_email_settings.py); not to slow a run.
            "HIREBOT_SMTP_PER_MINUTE": "60000",
            "HIREBOT_PUBLIC_URL": PUBLIC_URL,
            "HIREBOT_SECRET_KEY": SECRET_KEY,
        }
    )
    app = bootstrap(
        config=shipped_config,
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=env,
    )
    yield app
    app.close()


@pytest.fixture
def server(mail_app: Hirebot) -> Server:
    """The server's wiring (the e-mail runtime, its delivery worker, undeliverable reports),
    driven pass by pass by the test instead of by its background loop."""
    return build_server(mail_app, scheduler=False)
