"""The fake's files_upload_v2 steps answer slack_sdk as Slack does: the file announced, its
bytes posted to the upload URL, then shared; what Slack refuses is refused here too."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.request import Request, urlopen

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from tests.fakes.slack_api import FakeSlackAPI

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlackAPI) -> WebClient:
    return WebClient(token=slack.token, base_url=slack.base_url, timeout=5)


def test_files_upload_v2_shares_the_bytes_into_the_channel(
    slack: FakeSlackAPI, client: WebClient
) -> None:
    answer = client.files_upload_v2(
        channel="C0HIRESBE", file=PNG, filename="chart.png", title="Chart", alt_txt="a chart"
    )
    assert answer["ok"] is True
    [upload] = slack.files.values()
    assert (upload.content, upload.channel, upload.title, upload.alt_txt) == (
        PNG,
        "C0HIRESBE",
        "Chart",
        "a chart",
    )
    assert answer["file"]["id"] == upload.id


def test_the_methods_need_the_files_write_scope(slack: FakeSlackAPI, client: WebClient) -> None:
    slack.scopes = "chat:write"
    with pytest.raises(SlackApiError) as refused:
        client.files_upload_v2(channel="C1", file=PNG, filename="chart.png")
    assert refused.value.response["error"] == "missing_scope"
    assert refused.value.response["needed"] == "files:write"


def test_a_file_not_uploaded_or_shared_twice_is_refused(
    slack: FakeSlackAPI, client: WebClient
) -> None:
    announced = client.files_getUploadURLExternal(filename="chart.png", length=len(PNG))
    with pytest.raises(SlackApiError) as missing:
        client.files_completeUploadExternal(files=[{"id": announced["file_id"]}])
    assert missing.value.response["error"] == "file_not_found"
    urlopen(Request(announced["upload_url"], data=PNG, method="POST"), timeout=5).close()
    client.files_completeUploadExternal(files=[{"id": announced["file_id"]}], channel_id="C1")
    with pytest.raises(SlackApiError) as twice:
        client.files_completeUploadExternal(files=[{"id": announced["file_id"]}], channel_id="C1")
    assert twice.value.response["error"] == "file_already_shared"


def test_bytes_of_another_length_than_announced_fail_the_upload(
    slack: FakeSlackAPI, client: WebClient
) -> None:
    announced = client.files_getUploadURLExternal(filename="chart.png", length=5)
    with pytest.raises(Exception, match="400"):
        urlopen(Request(announced["upload_url"], data=PNG, method="POST"), timeout=5)
    with pytest.raises(SlackApiError) as bad:
        client.files_getUploadURLExternal(filename="chart.png", length=0)
    assert bad.value.response["error"] == "invalid_arguments"
    with pytest.raises(SlackApiError) as user:
        client.files_upload_v2(channel="U0SANAMRZ", file=PNG, filename="chart.png")
    assert user.value.response["error"] == "invalid_channel"  # share into a conversation id
    with pytest.raises(SlackRequestError):
        client.files_upload_v2(channel="C1", filename="chart.png")
