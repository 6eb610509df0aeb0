"""An API-enabled hirebot and an HTTP client on the real ASGI app (`build_server(...).asgi()`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.runtime.server import Server, build_server

TOKEN = "test-api-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def api_hirebot(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> Iterator[Hirebot]:
    hirebot = bootstrap(
        config=shipped_config,
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate({"HIREBOT_API_TOKEN": TOKEN}),
    )
    yield hirebot
    hirebot.close()


@pytest.fixture
def server(api_hirebot: Hirebot) -> Server:
    return build_server(api_hirebot, runtimes=[])


@pytest.fixture
def client(server: Server) -> Iterator[TestClient]:
    test_client = TestClient(server.asgi())
    yield test_client
    test_client.close()
