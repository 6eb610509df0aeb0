"""Erasure reaches what Slack already shows: the card in the role channel and the private
messages delivered about the candidate are edited with chat.update (DMs by their D channel),
through signed `/hire` commands, `hirebot applicant erase` and the delivery worker."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FrozenClock
from tests.channels.slack.harness import HINA, HIRING, Slack
from tests.cli_runner import run_cli
from tests.fakes.slack_api import FakeSlackAPI

ADD = "add senior-backend 'Ayesha Khan' email=ayesha@example.com phone=+92-301-7654321"
SCHEDULE = "schedule 1 2026-11-24 15:00 with=hina,lucas duration=1h stage=interview"
STARTS = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 15:00 in Karachi


def dm_of(api: FakeSlackAPI, user: str) -> str:
    for call in api.calls_to("chat.postMessage"):
        if call.params.get("channel") == user and call.response.get("ok"):
            return str(call.response["channel"])
    raise AssertionError(f"hirebot never wrote to {user}")


def test_erasure_edits_her_card_and_the_private_messages_about_her(
    slack: Slack,
    slack_api: FakeSlackAPI,
    clock: FrozenClock,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slack.ask(ADD)
    slack.ask("advance 1")
    slack.ask("advance 1")
    assert "Interview #1 scheduled" in slack.ask(SCHEDULE)
    slack.deliver()
    clock.set(STARTS - timedelta(minutes=30))
    slack.hirebot.tasks.run_due(clock.now())  # the prep messages
    slack.deliver()
    hina = dm_of(slack_api, HINA)
    about_her = [m for m in slack.posted(hina) if "Ayesha Khan" in json.dumps(m)]
    assert len(about_her) >= 2  # the interview notice and the prep message
    assert "Ayesha Khan" in json.dumps(slack.posted(HIRING))

    # the operator's CLI runs with the deployment's environment (Slack on)
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack_api.token)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "test-signing-secret")
    monkeypatch.setenv("SLACK_API_URL", slack_api.base_url)
    code, output = run_cli(database_url, clock, "applicant", "erase", "1", "--yes")
    assert code == 0, output
    assert "delivered message(s) will be edited" in output
    slack.deliver()

    updates = slack_api.calls_to("chat.update")
    assert all(c.response.get("ok") for c in updates), [c.response for c in updates]
    edited = {(c.params["channel"], c.params["ts"]) for c in updates}
    assert {(hina, m["ts"]) for m in about_her} <= edited
    for message in slack.posted(hina):
        if (hina, message["ts"]) in edited:
            assert "personal data was erased" in json.dumps(message)
    thread = [m for m in slack.posted(HIRING) if "thread_ts" in m]
    assert thread  # the card's thread: no personal data in it, so kept for the team
    assert not {(HIRING, m["ts"]) for m in thread} & edited
    everything = json.dumps(slack_api.messages).lower()
    assert "ayesha" not in everything  # no message Slack shows still names her
    assert "7654321" not in everything
    # the interviewers are told the interview is off, without her name
    notice = slack.posted(hina)[-1]
    assert "Applicant #1: closed" in json.dumps(notice)
    assert "Interview #1" in json.dumps(notice)
