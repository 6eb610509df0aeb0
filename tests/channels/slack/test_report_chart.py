"""`/hire report` on Slack: the numbers as blocks, the chart as a PNG file uploaded with
files_upload_v2 (announced, uploaded, completed) into the asker's DM, never the role channel."""

from __future__ import annotations

import io
import json

from PIL import Image
from sqlalchemy import select

from bot.messages import charts
from storage.models import OutboxMessage
from tests.channels.slack.harness import HINA, HIRING, OMAR, Slack, new_trigger, text_of
from tests.fakes.slack_api import validate_blocks
from tests.report_history import seed_history


def test_a_report_asked_in_a_channel_sends_its_chart_to_the_askers_dm(slack: Slack) -> None:
    seed_history(slack.hirebot)
    trigger = new_trigger()
    assert slack.command("report period=all", user=OMAR, trigger_id=trigger).status_code == 200
    assert slack.answers(f"cmd-{trigger}") == []  # a response_url cannot carry the file
    assert slack.deliver() == 1

    [ephemeral] = slack.api.calls_to("chat.postEphemeral")
    assert ephemeral.params["user"] == OMAR
    assert ephemeral.params["channel"] == HIRING
    assert validate_blocks(ephemeral.params["blocks"]) == []
    assert "Applied: 8" in text_of(ephemeral.params)
    [announced] = slack.api.calls_to("files.getUploadURLExternal")
    assert announced.params["filename"] == "hiring-report.png"
    [completed] = slack.api.calls_to("files.completeUploadExternal")
    assert completed.response["ok"] is True, completed.response
    [upload] = slack.api.files.values()
    assert upload.channel is not None
    assert upload.channel.startswith("D")
    assert upload.channel != HIRING
    assert upload.title.startswith("Hiring report: ")
    assert upload.content is not None
    assert len(upload.content) == int(announced.params["length"])
    with Image.open(io.BytesIO(upload.content)) as image:
        assert image.format == "PNG"
        assert image.size == (charts.WIDTH_PX, charts.HEIGHT_PX)
    with slack.hirebot.uow() as uow:
        row = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.id > 0)).all()[-1]
        assert row.status == "done"
        assert row.payload["chart"]["filename"] == "hiring-report.png"
        assert len(json.dumps(row.payload)) < 10_000  # the numbers, not the picture's bytes


def test_an_upload_refused_for_a_missing_scope_is_kept_to_retry_by_hand(slack: Slack) -> None:
    seed_history(slack.hirebot)
    slack.api.scopes = "chat:write,commands,im:write"  # an app installed before files:write
    slack.command("report period=all", user=OMAR)
    assert slack.deliver() == 0
    [refused] = slack.api.calls_to("files.getUploadURLExternal")
    assert refused.response == {
        "ok": False,
        "error": "missing_scope",
        "needed": "files:write",
        "provided": "chat:write,commands,im:write",
    }
    with slack.hirebot.uow() as uow:
        rows = uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        last = rows[-1]
    assert last.status == "failed"  # `hirebot outbox retry` once the scope is granted
    assert "missing_scope" in (last.last_error or "")


def test_an_interviewer_is_refused_and_no_file_leaves(slack: Slack) -> None:
    seed_history(slack.hirebot)
    text = slack.ask("report", user=HINA)
    assert "see hiring reports" in text
    slack.deliver()
    assert slack.api.calls_to("files.getUploadURLExternal") == []
