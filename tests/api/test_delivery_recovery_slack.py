"""The outbox against the fake Slack Web API answering 429 and 5xx, then recovering.

Applicants arrive over the intake API and move through chat; their cards, the card edit and the
thread line go out through the real Slack sender and slack_sdk client. While Slack refuses,
nothing is lost and nothing overtakes; once it is back, every message is delivered exactly once,
in order, and /metrics tells the story.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot, bootstrap
from bot.channels.slack.sender import SlackSender
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.runtime.server import Server, build_server
from tests.api.conftest import AUTH, TOKEN
from tests.api.delivery import DeliveryOnly
from tests.api.delivery import metric as _metric
from tests.api.delivery import rows as _rows
from tests.fakes.slack_api import FakeSlackAPI
from tests.helpers import say

ROLE_CHANNEL = "C0HIRESBE"


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def slack_hirebot(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> Iterator[Hirebot]:
    hirebot = bootstrap(
        config=shipped_config,
        database_url=database_url,
        clock=clock,
        channels=("slack",),
        env=Environment.model_validate({"HIREBOT_API_TOKEN": TOKEN}),
    )
    yield hirebot
    hirebot.close()


def _posted(slack: FakeSlackAPI) -> list[dict[str, object]]:
    return list(slack.messages.get(ROLE_CHANNEL, []))


def test_outage_then_recovery_delivers_everything_once_in_order(
    slack: FakeSlackAPI, slack_hirebot: Hirebot, clock: FrozenClock
) -> None:
    client = WebClient(token=slack.token, base_url=slack.base_url)
    server: Server = build_server(
        slack_hirebot, runtimes=[DeliveryOnly("slack", SlackSender(client))]
    )
    http = TestClient(server.asgi())

    names = ["Ayesha Khan", "Bilal <!channel> Ahmed", "Chen *Wei*"]
    ids = []
    for name in names:
        response = http.post(
            "/api/applicants", json={"role": "senior-backend", "name": name}, headers=AUTH
        )
        assert response.status_code == 201
        ids.append(response.json()["id"])
    assert say(slack_hirebot, f"advance {ids[0]}").replies[0].kind == "success"
    queued = _rows(slack_hirebot)
    assert [r.kind for r in queued] == ["card", "card", "card", "card_update", "message"]

    slack.fail_next("chat.postMessage", status=429, retry_after=7)
    slack.fail_next("chat.postMessage", status=503, times=2)

    assert server.delivery.run_pending() == 0  # 429: the whole conversation waits
    assert _posted(slack) == []
    clock.advance(timedelta(seconds=6))
    server.delivery.run_pending()
    assert len(slack.calls_to("chat.postMessage")) == 1  # Retry-After honoured: no call yet
    clock.advance(timedelta(seconds=1))
    server.delivery.run_pending()  # 503
    for _ in range(10):  # back off, then drain
        clock.advance(timedelta(minutes=1))
        server.delivery.run_pending()
        if all(r.status == "done" for r in _rows(slack_hirebot)):
            break

    rows = _rows(slack_hirebot)
    assert {r.status for r in rows} == {"done"}
    posted = _posted(slack)
    top_level = [m for m in posted if "thread_ts" not in m]
    threaded = [m for m in posted if "thread_ts" in m]
    assert [m["ts"] for m in top_level] == [r.external_ref for r in rows if r.kind == "card"]
    for applicant_id, message in zip(ids, top_level, strict=True):
        assert str(message["text"]).startswith(f"#{applicant_id} ")  # once each, in order
    assert "&lt;!channel&gt;" in str(top_level[1]["text"])  # escaped, never a ping
    first_card = top_level[0]["ts"]
    assert [m["thread_ts"] for m in threaded] == [first_card]
    updates = slack.calls_to("chat.update")
    assert [u.params["ts"] for u in updates] == [first_card]
    ok_posts = [c for c in slack.calls_to("chat.postMessage") if c.status == 200]
    assert len(ok_posts) == 4  # three cards and one thread line, none twice

    metrics = http.get("/metrics").text
    assert _metric(metrics, 'hirebot_delivery_failures_total{channel="slack",outcome="retry"}') == 3
    assert _metric(metrics, 'hirebot_delivery_sent_total{channel="slack"}') == 5
    assert (
        _metric(
            metrics,
            'hirebot_api_requests_total{method="POST",route="/api/applicants",status="201"}',
        )
        == 3
    )
    assert (
        _metric(metrics, 'hirebot_events_total{channel="console",kind="command",result="ok"}') == 1
    )
    assert 'hirebot_event_handling_seconds_bucket{channel="console",kind="command"' in metrics
    assert _metric(metrics, 'hirebot_outbox_messages{channel="slack",state="pending"}') == 0
    # the console replies to "advance" are still queued (no console worker in this server)
    assert _metric(metrics, 'hirebot_outbox_messages{channel="console",state="pending"}') == 1
    assert "hirebot_scheduler_runs_total" in metrics
