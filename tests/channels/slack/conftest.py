"""hirebot with Slack enabled, served over ASGI, against a fake Slack Web API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.runtime.server import build_server
from tests.channels.slack.harness import Slack, slack_env
from tests.fakes.slack_api import FakeSlackAPI


@pytest.fixture
def slack_api() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def slack_hirebot(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock, slack_api: FakeSlackAPI
) -> Iterator[Hirebot]:
    hirebot = bootstrap(
        config=shipped_config, database_url=database_url, clock=clock, env=slack_env(slack_api)
    )
    yield hirebot
    hirebot.close()


@pytest.fixture
def slack(slack_hirebot: Hirebot, slack_api: FakeSlackAPI) -> Iterator[Slack]:
    """The server's ASGI app without its lifespan: tests run delivery passes themselves."""
    server = build_server(slack_hirebot)
    http = TestClient(server.asgi())
    yield Slack(slack_hirebot, server, slack_api, http)
    server.runtimes[0].stop()
