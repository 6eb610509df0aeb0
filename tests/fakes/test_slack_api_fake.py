"""The Slack fake must behave like Slack for the real slack_sdk and slack_bolt clients.

If these tests pass, other tests can trust that a call the fake accepts would be
accepted by Slack, and that errors the bot must handle arrive exactly as in production.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    EmailInputElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UrlInputElement,
)
from slack_sdk.models.views import View
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookClient

from .slack_api import FakeSlackAPI, validate_blocks

Block = dict[str, Any]


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlackAPI) -> WebClient:
    return WebClient(token=slack.token, base_url=slack.base_url, timeout=5)


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(**overrides: Any) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": "Approve"},
        "action_id": "approve",
        **overrides,
    }


def modal(**overrides: Any) -> Block:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Feedback"},
        "blocks": [section("How did it go?")],
        **overrides,
    }


def slack_error(excinfo: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(excinfo.value.response["error"])


def messages_of(excinfo: pytest.ExceptionInfo[SlackApiError]) -> list[str]:
    metadata = excinfo.value.response.get("response_metadata") or {}
    return list(metadata.get("messages", []))


def assert_points_at(excinfo: pytest.ExceptionInfo[SlackApiError], pointer: str) -> None:
    """The human explanation must name the offending part, as Slack's does."""
    messages = messages_of(excinfo)
    assert any(f"[json-pointer:{pointer}]" in m for m in messages), messages


# --- Basic methods -------------------------------------------------------------------


def test_auth_test_reports_bot_identity(slack: FakeSlackAPI, client: WebClient) -> None:
    response = client.auth_test()

    assert response["user_id"] == "UBOT"
    assert response["team_id"] == "T0001"
    assert response["bot_id"] == "B0001"
    assert response.headers["X-OAuth-Scopes"] == slack.scopes
    call = slack.calls_to("auth.test")[0]
    assert call.headers["authorization"] == "Bearer xoxb-test-token"


def test_post_message_records_json_call_and_stores_message(
    slack: FakeSlackAPI, client: WebClient
) -> None:
    first = client.chat_postMessage(channel="C1", text="hello", blocks=[section("*hello*")])
    second = client.chat_postMessage(channel="C1", text="again", thread_ts=first["ts"])

    assert first["channel"] == "C1"
    assert first["message"]["text"] == "hello"
    assert float(second["ts"]) > float(first["ts"])
    assert first["ts"] == "1700000000.000100"
    call = slack.calls_to("chat.postMessage")[0]
    assert call.headers["content-type"].startswith("application/json")
    assert call.params["blocks"] == [section("*hello*")]
    assert call.response["ts"] == first["ts"]
    assert [m["text"] for m in slack.messages["C1"]] == ["hello", "again"]
    assert slack.messages["C1"][1]["thread_ts"] == first["ts"]


def test_slack_sdk_model_objects_are_accepted(client: WebClient) -> None:
    """Whatever slack_sdk's models serialise must pass the fake's stricter checks."""
    blocks = [
        SectionBlock(
            text=MarkdownTextObject(text="*Ada Lovelace* applied for *Engineer*"),
            fields=[MarkdownTextObject(text="*Source*\nReferral")],
        ),
        DividerBlock(),
        ContextBlock(elements=[MarkdownTextObject(text="via hirebot")]),
        ActionsBlock(
            block_id="decision",
            elements=[
                ButtonElement(text="Advance", action_id="advance", value="42", style="primary"),
                ButtonElement(text="Reject", action_id="reject", value="42", style="danger"),
                StaticSelectElement(
                    action_id="stage",
                    placeholder="Stage",
                    options=[Option(text="Phone screen", value="phone")],
                ),
            ],
        ),
    ]

    response = client.chat_postMessage(channel="C1", text="New applicant", blocks=blocks)

    assert response["ok"] is True


def test_update_replaces_text_of_existing_message(slack: FakeSlackAPI, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C1", text="pending")

    updated = client.chat_update(channel="C1", ts=posted["ts"], text="approved")

    assert updated["ts"] == posted["ts"]
    assert slack.messages["C1"][0]["text"] == "approved"


def test_update_of_unknown_message_is_refused(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_update(channel="C1", ts="1.000000", text="nope")

    assert slack_error(excinfo) == "message_not_found"


def test_posting_to_a_user_id_answers_with_the_dm_channel(
    slack: FakeSlackAPI, client: WebClient
) -> None:
    """Like Slack: later chat.update calls must use the returned D channel, not the user."""
    dm = client.conversations_open(users="U1")["channel"]["id"]

    posted = client.chat_postMessage(channel="U1", text="hi")

    assert posted["channel"] == dm
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="edited")
    assert slack.messages[dm][0]["text"] == "edited"


def test_post_ephemeral_returns_message_ts_and_requires_user(client: WebClient) -> None:
    response = client.chat_postEphemeral(channel="C1", user="U1", text="only you")

    assert response["message_ts"]
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postEphemeral(channel="C1", user="", text="nobody")
    assert slack_error(excinfo) == "invalid_arguments"
    assert "user" in messages_of(excinfo)[0]


def test_conversations_open_is_form_encoded_and_stable_per_user(
    slack: FakeSlackAPI, client: WebClient
) -> None:
    first = client.conversations_open(users=["U1"])
    again = client.conversations_open(users="U1")
    other = client.conversations_open(users="U2")

    assert first["channel"]["id"].startswith("D")
    assert again["channel"]["id"] == first["channel"]["id"]
    assert other["channel"]["id"] != first["channel"]["id"]
    call = slack.calls_to("conversations.open")[0]
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert call.params["users"] == "U1"


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("hirebot.doesNotExist")

    assert slack_error(excinfo) == "unknown_method"


def test_async_client_works_too(slack: FakeSlackAPI) -> None:
    """AsyncWebClient (aiohttp) encodes requests differently; the fake must accept both."""

    async def scenario() -> tuple[str, str]:
        client = AsyncWebClient(token=slack.token, base_url=slack.base_url)
        posted = await client.chat_postMessage(channel="C1", text="hi")
        me = await client.auth_test()
        return str(posted["ts"]), str(me["user"])

    ts, name = asyncio.run(scenario())

    assert slack.messages["C1"][0]["ts"] == ts
    assert name == "hirebot"


# --- Views ---------------------------------------------------------------------------


def test_views_open_and_publish(slack: FakeSlackAPI, client: WebClient) -> None:
    opened = client.views_open(trigger_id="123.456", view=modal(callback_id="feedback"))
    home = {"type": "home", "blocks": [section("Your pipeline")]}
    published = client.views_publish(user_id="U1", view=home)

    assert opened["view"]["id"].startswith("V")
    assert opened["view"]["callback_id"] == "feedback"
    assert published["view"]["type"] == "home"
    assert slack.home_views["U1"]["blocks"] == home["blocks"]


def test_views_accept_slack_sdk_input_elements(client: WebClient) -> None:
    view = View(
        type="modal",
        callback_id="scorecard",
        title="Scorecard",
        submit="Save",
        close="Cancel",
        private_metadata="candidate=42",
        blocks=[
            InputBlock(
                block_id="notes",
                label="Notes",
                element=PlainTextInputElement(action_id="notes", multiline=True),
            ),
            InputBlock(
                block_id="email",
                label="Email",
                optional=True,
                element=EmailInputElement(action_id="email"),
            ),
            InputBlock(
                block_id="cv",
                label="Resume link",
                optional=True,
                element=UrlInputElement(action_id="cv"),
            ),
            InputBlock(
                block_id="role",
                label="Role",
                element=StaticSelectElement(
                    action_id="role",
                    placeholder="Choose a role",
                    options=[Option(text="Engineer", value="eng")],
                ),
            ),
        ],
    )

    assert client.views_open(trigger_id="1.2", view=view)["ok"] is True


def test_views_open_requires_trigger_id(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id=None, view=modal())

    assert slack_error(excinfo) == "invalid_arguments"
    assert "trigger_id" in messages_of(excinfo)[0]


def test_views_publish_requires_user_id_and_a_home_view(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as missing_user:
        client.views_publish(user_id="", view={"type": "home", "blocks": []})
    with pytest.raises(SlackApiError) as wrong_type:
        client.views_publish(user_id="U1", view=modal())

    assert slack_error(missing_user) == "invalid_arguments"
    assert slack_error(wrong_type) == "invalid_arguments"


# --- Validation: what Slack refuses, the fake refuses --------------------------------

INVALID_MESSAGES: dict[str, tuple[list[Block], str]] = {
    "51 blocks": ([section(f"b{i}") for i in range(51)], "/blocks"),
    "3,001-char section": ([section("x" * 3001)], "/blocks/0/text/text"),
    "76-char button text": (
        [{"type": "actions", "elements": [button(text={"type": "plain_text", "text": "x" * 76})]}],
        "/blocks/0/elements/0/text/text",
    ),
    "acton_id typo": (
        [
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Go"},
                        "acton_id": "go",
                    }
                ],
            }
        ],
        "/blocks/0/elements/0/acton_id",
    ),
    "11 section fields": (
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
        "/blocks/0/fields",
    ),
    "2,001-char field": (
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
        "/blocks/0/fields/0/text",
    ),
    "26 actions": (
        [{"type": "actions", "elements": [button(action_id=f"a{i}") for i in range(26)]}],
        "/blocks/0/elements",
    ),
    "11 context elements": (
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
        "/blocks/0/elements",
    ),
    "secondary style": (
        [{"type": "actions", "elements": [button(style="secondary")]}],
        "/blocks/0/elements/0/style",
    ),
    "2,001-char value": (
        [{"type": "actions", "elements": [button(value="v" * 2001)]}],
        "/blocks/0/elements/0/value",
    ),
    "3,001-char url": (
        [{"type": "actions", "elements": [button(url="https://x/" + "u" * 2991)]}],
        "/blocks/0/elements/0/url",
    ),
    "256-char action_id": (
        [{"type": "actions", "elements": [button(action_id="a" * 256)]}],
        "/blocks/0/elements/0/action_id",
    ),
    "256-char block_id": ([{**section("s"), "block_id": "b" * 256}], "/blocks/0/block_id"),
    "duplicate block_id": (
        [{**section("s"), "block_id": "same"}, {"type": "divider", "block_id": "same"}],
        "/blocks/1/block_id",
    ),
    "duplicate action_id": (
        [{"type": "actions", "elements": [button(), button()]}],
        "/blocks/0/elements/1/action_id",
    ),
    "empty text": ([section("")], "/blocks/0/text/text"),
    "unknown text type": (
        [{"type": "section", "text": {"type": "markdown", "text": "x"}}],
        "/blocks/0/text/type",
    ),
    "section without text": ([{"type": "section"}], "/blocks/0"),
}


@pytest.mark.parametrize("case", INVALID_MESSAGES)
def test_invalid_blocks_are_refused_with_a_pointer(client: WebClient, case: str) -> None:
    blocks, pointer = INVALID_MESSAGES[case]

    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="fallback", blocks=blocks)

    assert slack_error(excinfo) == "invalid_blocks"
    assert_points_at(excinfo, pointer)


def test_limits_are_inclusive(client: WebClient) -> None:
    """Exactly at the limit is fine, so the refusals above are about the limit itself."""
    blocks = [section("x" * 3000)] * 49 + [
        {"type": "actions", "elements": [button(text={"type": "plain_text", "text": "b" * 75})]},
    ]

    answer = client.chat_postMessage(channel="C1", text="t" * 40_000, blocks=blocks)

    assert answer["ok"]
    assert "response_metadata" not in answer.data


def test_text_over_40000_characters_is_truncated_not_refused(
    slack: FakeSlackAPI, client: WebClient
) -> None:
    answer = client.chat_postMessage(channel="C1", text="x" * 40_001)

    assert answer["ok"]
    assert answer["response_metadata"]["warnings"] == ["message_truncated"]
    assert slack.messages["C1"][0]["text"] == "x" * 40_000


@pytest.mark.parametrize(
    "blocks",
    [
        [{"type": "header", "text": {"type": "plain_text", "text": "New applicant"}}],
        [{"type": "actions", "elements": [{"type": "datepicker", "action_id": "d"}]}],
        [{"type": "sectoin", "text": "x"}],
    ],
)
def test_what_hirebot_does_not_send_is_not_modelled(client: WebClient, blocks: list[Block]) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="fallback", blocks=blocks)

    assert slack_error(excinfo) == "not_modelled_by_the_fake"
    assert "/type" in messages_of(excinfo)[0]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "", "text": "hi"}, "channel_not_found"),
        ({"channel": "C1", "text": ""}, "no_text"),
        ({"channel": "C1", "text": "hi", "blocks": "not json"}, "invalid_blocks_format"),
    ],
)
def test_message_level_errors(client: WebClient, kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(**kwargs)

    assert slack_error(excinfo) == error


def test_blocks_sent_as_a_json_string_in_a_form_are_decoded(
    slack: FakeSlackAPI, client: WebClient
) -> None:
    blocks = [section("form")]
    client.api_call("chat.postMessage", params={"channel": "C1", "blocks": json.dumps(blocks)})

    call = slack.calls_to("chat.postMessage")[0]
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert call.params["blocks"] == blocks
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call(
            "chat.postMessage",
            params={"channel": "C1", "blocks": json.dumps([section("x" * 3001)])},
        )
    assert slack_error(excinfo) == "invalid_blocks"


INVALID_VIEWS: dict[str, tuple[Block, str]] = {
    "25-char title": (
        modal(title={"type": "plain_text", "text": "t" * 25}),
        "/view/title/text",
    ),
    "25-char submit": (
        modal(submit={"type": "plain_text", "text": "s" * 25}),
        "/view/submit/text",
    ),
    "256-char callback_id": (modal(callback_id="c" * 256), "/view/callback_id"),
    "3,001-char private_metadata": (modal(private_metadata="m" * 3001), "/view/private_metadata"),
    "101 blocks": (modal(blocks=[{"type": "divider"}] * 101), "/view/blocks"),
    "input without submit": (
        modal(
            blocks=[
                {
                    "type": "input",
                    "label": {"type": "plain_text", "text": "Notes"},
                    "element": {"type": "plain_text_input", "action_id": "notes"},
                }
            ]
        ),
        "/view/submit",
    ),
    "input without element": (
        modal(
            submit={"type": "plain_text", "text": "Save"},
            blocks=[{"type": "input", "label": {"type": "plain_text", "text": "Notes"}}],
        ),
        "/view/blocks/0",
    ),
    "unknown view key": (modal(titel={"type": "plain_text", "text": "x"}), "/view/titel"),
}


@pytest.mark.parametrize("case", INVALID_VIEWS)
def test_invalid_views_are_refused(client: WebClient, case: str) -> None:
    view, pointer = INVALID_VIEWS[case]

    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id="1.2", view=view)

    assert slack_error(excinfo) == "invalid_arguments"
    assert_points_at(excinfo, pointer)


def test_view_allows_100_blocks_and_a_24_char_title(client: WebClient) -> None:
    view = modal(
        title={"type": "plain_text", "text": "t" * 24},
        blocks=[{"type": "divider"}] * 100,
    )

    assert client.views_open(trigger_id="1.2", view=view)["ok"]


def test_validate_blocks_is_usable_without_a_server() -> None:
    assert validate_blocks([section("fine")]) == []
    assert validate_blocks([section("x" * 3001)]) == [
        "[ERROR] must be at most 3000 characters (got 3001) [json-pointer:/blocks/0/text/text]"
    ]


# --- Auth ----------------------------------------------------------------------------


def test_wrong_token_is_invalid_auth(slack: FakeSlackAPI) -> None:
    client = WebClient(token="xoxb-wrong", base_url=slack.base_url)

    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="hi")

    assert slack_error(excinfo) == "invalid_auth"
    assert "C1" not in slack.messages


def test_missing_token_is_not_authed(slack: FakeSlackAPI) -> None:
    client = WebClient(base_url=slack.base_url)

    with pytest.raises(SlackApiError) as excinfo:
        client.auth_test()

    assert slack_error(excinfo) == "not_authed"


# --- Failure injection ---------------------------------------------------------------


def test_rate_limit_reaches_the_client_with_retry_after(
    slack: FakeSlackAPI, client: WebClient
) -> None:
    slack.fail_next("chat.postMessage", retry_after=1)

    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="hi")

    assert excinfo.value.response.status_code == 429
    assert excinfo.value.response.headers["Retry-After"] == "1"
    assert slack_error(excinfo) == "ratelimited"
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]  # only the next call failed


def test_rate_limit_retry_handler_retries_and_succeeds(slack: FakeSlackAPI) -> None:
    slack.fail_next("chat.postMessage", retry_after=0)
    client = WebClient(
        token=slack.token,
        base_url=slack.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )

    started = time.monotonic()
    response = client.chat_postMessage(channel="C1", text="hi")

    assert response["ok"]
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 200]
    assert time.monotonic() - started < 2  # slack_sdk sleeps Retry-After + random()


def test_server_errors_can_be_retried(slack: FakeSlackAPI) -> None:
    slack.fail_next("chat.postMessage", status=503, times=2)
    client = WebClient(
        token=slack.token,
        base_url=slack.base_url,
        retry_handlers=[
            ServerErrorRetryHandler(
                max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0)
            )
        ],
    )

    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [503, 503, 200]


def test_fail_next_rejects_statuses_slack_does_not_fail_with(slack: FakeSlackAPI) -> None:
    with pytest.raises(ValueError, match="429 and 5xx"):
        slack.fail_next("chat.postMessage", status=404)


def test_error_next_answers_ok_false(slack: FakeSlackAPI, client: WebClient) -> None:
    slack.error_next("chat.postMessage", "channel_not_found", times=2)

    for _ in range(2):
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel="C1", text="hi")
        assert excinfo.value.response.status_code == 200
        assert slack_error(excinfo) == "channel_not_found"
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]


def test_reset_forgets_calls_and_queued_failures(slack: FakeSlackAPI, client: WebClient) -> None:
    client.auth_test()
    slack.error_next("chat.postMessage", "fatal_error")

    slack.reset()

    assert slack.calls == []
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]


def test_wait_for_sees_calls_made_in_other_threads(slack: FakeSlackAPI, client: WebClient) -> None:
    worker = threading.Thread(target=lambda: client.chat_postMessage(channel="C1", text="bg"))
    worker.start()

    calls = slack.wait_for("chat.postMessage", timeout=30)

    worker.join()
    assert calls[0].params["text"] == "bg"


# --- response_url and slack_bolt ----------------------------------------------------


def test_response_url_records_posts_like_slack(slack: FakeSlackAPI) -> None:
    webhook = WebhookClient(slack.response_url("cmd-1"))

    ok = webhook.send(text="Working on it", response_type="ephemeral")
    bad = webhook.send(text="x", blocks=[section("x" * 3001)])

    assert (ok.status_code, ok.body) == (200, "ok")
    assert (bad.status_code, bad.body) == (400, "invalid_blocks")
    calls = slack.calls_to("response_url")
    assert calls[0].path == "/response_url/cmd-1"
    assert calls[0].params == {"text": "Working on it", "response_type": "ephemeral"}


def test_a_response_url_takes_five_posts_and_can_fail_or_expire(slack: FakeSlackAPI) -> None:
    webhook = WebhookClient(slack.response_url("cmd-2"))
    slack.fail_next("response_url", status=500)

    answers = [webhook.send(text=f"part {n}").status_code for n in range(7)]

    assert answers == [500, 200, 200, 200, 200, 200, 404]  # a failed post is not a use
    assert slack.calls_to("response_url")[-1].response == {"ok": False, "error": "used_url"}
    slack.expire("cmd-3")
    expired = WebhookClient(slack.response_url("cmd-3")).send(text="late")
    assert (expired.status_code, expired.body) == (404, "expired_url")


def test_bolt_app_initialises_against_the_fake(slack: FakeSlackAPI) -> None:
    app = App(
        client=WebClient(token=slack.token, base_url=slack.base_url),
        signing_secret="secret",
        token_verification_enabled=True,
    )

    assert app.client.base_url == slack.base_url
    assert len(slack.calls_to("auth.test")) == 1


def test_bolt_app_with_wrong_token_fails_fast(slack: FakeSlackAPI) -> None:
    with pytest.raises(BoltError):
        App(
            client=WebClient(token="xoxb-wrong", base_url=slack.base_url),
            signing_secret="secret",
            token_verification_enabled=True,
        )


def test_bolt_listener_say_and_respond_reach_the_fake(slack: FakeSlackAPI) -> None:
    """A signed slash command: say() goes to chat.postMessage, respond() to response_url."""
    app = App(
        client=WebClient(token=slack.token, base_url=slack.base_url),
        signing_secret="secret",
        process_before_response=True,
    )

    @app.command("/hire")
    def hire(ack: Any, say: Any, respond: Any) -> None:
        ack()
        say("Opening a req")
        respond("Done")

    body = urlencode(
        {
            "command": "/hire",
            "text": "",
            "team_id": slack.team_id,
            "user_id": "U1",
            "channel_id": "C1",
            "response_url": slack.response_url("hire"),
            "trigger_id": "1.2",
        }
    )
    timestamp = str(int(time.time()))
    signature = SignatureVerifier("secret").generate_signature(timestamp=timestamp, body=body)
    headers: dict[str, str | Sequence[str]] = {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-request-timestamp": [timestamp],
        "x-slack-signature": [signature or ""],
    }

    response = app.dispatch(BoltRequest(body=body, headers=headers))

    assert response.status == 200
    assert slack.messages["C1"][0]["text"] == "Opening a req"
    assert slack.calls_to("response_url")[0].params["text"] == "Done"
