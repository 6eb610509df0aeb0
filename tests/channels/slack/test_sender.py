"""The Slack sender against the fake Web API: what each outbox row becomes, and how failures
are sorted for the delivery worker."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.channels.slack.kept_alive import KeptAliveWebClient
from bot.channels.slack.sender import SlackSender
from bot.delivery.sender import DeliveryError, OutgoingMessage
from bot.messages.reply import Reply
from tests.fakes.slack_api import FakeSlackAPI

LINE = Reply(text="Screening — by Sana Mirza", private=False)


@pytest.fixture
def api() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


OPENED: list[KeptAliveWebClient] = []


@pytest.fixture(autouse=True)
def close_clients() -> Iterator[None]:
    yield
    while OPENED:
        OPENED.pop().close()


def client(token: str, url: str, timeout: int = 30) -> KeptAliveWebClient:
    """The client the Slack runtime gives its sender (bot/channels/slack/app.py)."""
    OPENED.append(KeptAliveWebClient(token=token, base_url=url, timeout=timeout))
    return OPENED[-1]


def urllib_client(token: str, url: str, timeout: int = 30) -> WebClient:
    """slack_sdk's own WebClient: a connection per call."""
    return WebClient(token=token, base_url=url, timeout=timeout)


def sender(api: FakeSlackAPI, token: str | None = None) -> SlackSender:
    return SlackSender(client(token or api.token, api.base_url, timeout=2))


def outgoing(**kwargs: object) -> OutgoingMessage:
    fields: dict[str, object] = {
        "id": 1,
        "channel": "slack",
        "destination": "C0HIRESBE",
        "kind": "message",
        "reply": LINE,
    }
    fields.update(kwargs)
    return OutgoingMessage(**fields)  # type: ignore[arg-type]


def test_cards_threads_updates_and_ephemerals(api: FakeSlackAPI) -> None:
    slack = sender(api)
    ts = slack.send(outgoing(kind="card", card_key="applicant:1", reply=Reply(title="#1 A")))
    assert ts == api.messages["C0HIRESBE"][0]["ts"]
    assert slack.send(outgoing(thread_card_key="applicant:1", card_ref=ts)) is not None
    assert api.calls_to("chat.postMessage")[-1].params["thread_ts"] == ts
    card = Reply(title="#1 A", text="Screening")
    assert (
        slack.send(outgoing(kind="card_update", card_key="applicant:1", card_ref=ts, reply=card))
        == ts
    )
    assert "Screening" in api.messages["C0HIRESBE"][0]["blocks"][0]["text"]["text"]
    assert slack.send(outgoing(ephemeral_to="U0SANAMRZ")) is not None
    assert api.calls_to("chat.postEphemeral")[0].params["user"] == "U0SANAMRZ"
    # a card that was never posted here cannot be edited: nothing is sent
    calls = len(api.calls)
    assert slack.send(outgoing(kind="card_update", card_key="applicant:2")) is None
    assert len(api.calls) == calls


def test_rate_limits_come_back_with_retry_after(api: FakeSlackAPI) -> None:
    api.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(DeliveryError) as caught:
        sender(api).send(outgoing())
    assert caught.value.retryable
    assert caught.value.retry_after == 7


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retryable(api: FakeSlackAPI, status: int) -> None:
    api.fail_next("chat.postMessage", status=status)
    with pytest.raises(DeliveryError) as caught:
        sender(api).send(outgoing())
    assert caught.value.retryable
    assert caught.value.retry_after is None


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived"])
def test_errors_no_retry_can_fix_are_permanent(api: FakeSlackAPI, error: str) -> None:
    api.error_next("chat.postMessage", error)
    with pytest.raises(DeliveryError) as caught:
        sender(api).send(outgoing())
    assert not caught.value.retryable
    assert error in str(caught.value)


def test_a_wrong_token_is_permanent(api: FakeSlackAPI) -> None:
    with pytest.raises(DeliveryError) as caught:
        sender(api, token="xoxb-revoked").send(outgoing())
    assert not caught.value.retryable
    assert "invalid_auth" in str(caught.value)


@pytest.mark.parametrize("build", [urllib_client, client], ids=["urllib", "kept-alive"])
def test_timeouts_and_refused_connections_are_retryable(build: Any) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/api/"
        slow = SlackSender(build(token="xoxb-x", url=url, timeout=1))
        with pytest.raises(DeliveryError) as caught:
            slow.send(outgoing())
        assert caught.value.retryable
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    gone = SlackSender(build(token="xoxb-x", url=f"http://127.0.0.1:{port}/api/"))
    with pytest.raises(DeliveryError) as caught:
        gone.send(outgoing())
    assert caught.value.retryable
