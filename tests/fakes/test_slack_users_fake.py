"""The fake's directory lookups answer as Slack's do, for the real WebClient: users.info and
users.lookupByEmail, their not-found errors (named differently), their scopes, and the
e-mail shown only with users:read.email."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from .slack_api import FakeSlackAPI


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        fake.add_user(
            "U0ZARAHSN",
            "Zara Hussain",
            email="zara@example.com",
            tz="Europe/London",
            tz_label="Greenwich Mean Time",
            tz_offset=0,
        )
        yield fake


@pytest.fixture
def client(slack: FakeSlackAPI) -> WebClient:
    return WebClient(token=slack.token, base_url=slack.base_url, timeout=5)


def test_users_info_answers_the_user_object(client: WebClient) -> None:
    user = client.users_info(user="U0ZARAHSN")["user"]
    assert user["id"] == "U0ZARAHSN"
    assert user["real_name"] == "Zara Hussain"
    assert (user["tz"], user["tz_label"], user["tz_offset"]) == (
        "Europe/London",
        "Greenwich Mean Time",
        0,
    )
    assert user["profile"]["email"] == "zara@example.com"


def test_lookup_by_email_ignores_case_and_finds_the_same_user(client: WebClient) -> None:
    assert client.users_lookupByEmail(email="Zara@Example.com")["user"]["id"] == "U0ZARAHSN"


def test_not_found_is_named_as_each_method_names_it(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        client.users_info(user="U0NOBODY0")
    assert info.value.response["error"] == "user_not_found"
    with pytest.raises(SlackApiError) as lookup:
        client.users_lookupByEmail(email="nobody@example.com")
    assert lookup.value.response["error"] == "users_not_found"


def test_scopes_are_needed_and_the_email_is_shown_only_with_its_own(
    slack: FakeSlackAPI, client: WebClient
) -> None:
    slack.scopes = "chat:write,commands,users:read"
    user = client.users_info(user="U0ZARAHSN")["user"]
    assert "email" not in user["profile"]
    with pytest.raises(SlackApiError) as missing:
        client.users_lookupByEmail(email="zara@example.com")
    assert missing.value.response.data == {
        "ok": False,
        "error": "missing_scope",
        "needed": "users:read.email",
        "provided": "chat:write,commands,users:read",
    }
    slack.scopes = "chat:write"
    with pytest.raises(SlackApiError) as none:
        client.users_info(user="U0ZARAHSN")
    assert none.value.response["needed"] == "users:read"
