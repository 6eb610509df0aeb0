"""`/hire` and direct messages over signed HTTP: the shared command set, acknowledged at once
and answered through the command's response_url."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select, text

from bot.channels.slack.render import SECTION_TEXT_MAX, unescape
from bot.runtime.body_limit import MAX_WEBHOOK_BODY
from storage.models import Applicant, AuditEvent, Note, OutboxMessage
from tests.channels.slack.harness import HINA, HIRING, SANA, Slack, new_trigger, sign, text_of
from tests.fakes.slack_api import validate_blocks
from tests.helpers import say

ADD = (
    'add senior-backend "Ayesha Khan" email=ayesha@example.com phone=03001234567 '
    "source=referral skills=python,postgres"
)


def count(slack: Slack, model: type, *where: Any) -> int:
    with slack.hirebot.uow() as uow:
        stmt = select(func.count()).select_from(model).where(*where)
        return uow.session.scalar(stmt) or 0


def ask(slack: Slack, text: str, **kwargs: Any) -> str:
    """Run `/hire <text>`: an empty ack, then the answer through the response_url, ephemeral
    and valid Block Kit."""
    trigger_id = new_trigger()
    response = slack.command(text, trigger_id=trigger_id, **kwargs)
    assert response.status_code == 200, response.text
    assert response.content == b""
    calls = slack.answers(f"cmd-{trigger_id}")
    assert calls, f"nothing was answered to {text!r}"
    for call in calls:
        assert call.params["response_type"] == "ephemeral"
        assert call.params["replace_original"] is False
        assert validate_blocks(call.params["blocks"]) == []
    return unescape("\n".join(text_of(call.params) for call in calls))


def test_every_shared_command_is_answered_to_the_asker(slack: Slack) -> None:
    assert "hirebot commands" in ask(slack, "help")
    assert "hirebot commands" in ask(slack, "")
    assert "usage: move <id> [<id>…] <stage> [reason]" in ask(slack, "help move")
    whoami = ask(slack, "whoami")
    assert "Sana Mirza" in whoami
    assert "slack: U0SANAMRZ" in whoami
    assert "senior-backend — Senior Backend Engineer" in ask(slack, "roles")
    assert "Added #1 Ayesha Khan to Senior Backend Engineer (Applied)" in ask(slack, ADD)
    assert "#1 Ayesha Khan — Applied" in ask(slack, "list")
    shown = ask(slack, "show 1")
    assert "ayesha@example.com" in shown  # only in the asker's ephemeral answer
    assert "Applied → Screening" in ask(slack, "move 1 screening phone screen booked")
    assert "Noted on #1" in ask(slack, "note 1 strong <b>SQL</b> & tests")
    assert "strong <b>SQL</b> & tests" in ask(slack, "notes 1")
    history = ask(slack, "history 1")
    assert "History of #1 Ayesha Khan" in history
    assert "moved Ayesha Khan from Applied to Screening: phone screen booked" in history
    ask(slack, "add senior-backend Bilal")
    assert "Applied → Rejected" in ask(slack, "reject 2 not enough backend experience")
    ask(slack, "add senior-backend Chen")
    assert "Applied → Withdrawn" in ask(slack, "withdraw 3 took another offer")
    assert "unknown command 'lst' — did you mean 'list'?" in ask(slack, "lst")
    assert "you need permission to move" in ask(slack, "move 1 interview", user=HINA)

    # Every answer went to a response_url, recorded as sent; none went to the Web API.
    assert count(slack, OutboxMessage, OutboxMessage.status == "inline") == 0
    assert slack.api.calls_to("chat.postEphemeral") == []

    # The team channel gets one card per applicant, edited in place, with events threaded.
    slack.deliver()
    posted = slack.posted()
    cards = [m for m in posted if "thread_ts" not in m]
    assert len(cards) == 3
    assert len(slack.api.calls_to("chat.update")) == 3  # screening, rejected, withdrawn
    assert all(m["thread_ts"] in {c["ts"] for c in cards} for m in posted if "thread_ts" in m)
    channel_text = json.dumps(posted)
    assert "ayesha@example.com" not in channel_text
    assert "3001234567" not in channel_text  # nor the phone number


def test_unknown_person_is_refused_politely(slack: Slack) -> None:
    answer = ask(slack, ADD, user="U0STRANGER")
    assert "sorry, I don't know you yet (slack user U0STRANGER)" in answer
    assert count(slack, Applicant) == 0
    slack.deliver()
    assert slack.posted() == []


def test_bad_or_stale_signatures_are_refused_and_change_nothing(slack: Slack) -> None:
    for headers in (
        {"X-Slack-Signature": "v0=" + "0" * 64},  # forged
        sign("something else"),  # signed for another body
        sign("x", secret="not-the-secret"),
    ):
        response = slack.command(ADD, headers=headers)
        assert response.status_code == 401
    stale = int(time.time()) - 301
    body = "command=%2Fhire&text=list&user_id=U0SANAMRZ&channel_id=C0HIRESBE&trigger_id=t1"
    response = slack.post(
        body, "application/x-www-form-urlencoded", signed=sign(body, timestamp=stale)
    )
    assert response.status_code == 401
    response = slack.http.post(
        "/slack/events",
        content=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401
    huge = body + "&x=" + "y" * MAX_WEBHOOK_BODY  # signed, and refused for its size first
    response = slack.post(huge, "application/x-www-form-urlencoded", signed=sign(huge))
    assert response.status_code == 413
    assert count(slack, Applicant) == 0
    assert count(slack, AuditEvent) == 0
    assert count(slack, OutboxMessage) == 0


def test_a_retried_command_runs_once(slack: Slack) -> None:
    first = slack.command(ADD, trigger_id="trig-1")
    retry = slack.command(
        ADD,
        trigger_id="trig-1",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert first.status_code == retry.status_code == 200
    answers = slack.answers("cmd-trig-1")
    assert len(answers) == 1
    assert "Added #1" in text_of(answers[0].params)
    assert count(slack, Applicant) == 1
    slack.deliver()
    assert len(slack.posted()) == 1


def test_long_notes_are_split_over_sections_and_messages(slack: Slack) -> None:
    ask(slack, ADD)
    note = ("R&D <team> " * 1000)[:10_000].strip()
    for _ in range(6):
        assert "Noted on #1" in ask(slack, f"note 1 {note}")
    slack.command("notes 1", trigger_id="notes-trigger")
    shown = [call.params for call in slack.answers("cmd-notes-trigger")]
    assert 1 < len(shown) <= 5, "notes too many for one message continue, within Slack's 5 posts"
    for message in shown:
        assert validate_blocks(message["blocks"]) == []
        assert len(message["blocks"]) <= 50
        for block in message["blocks"]:
            if block["type"] == "section" and "text" in block:
                assert len(block["text"]["text"]) <= SECTION_TEXT_MAX
    everything = unescape("".join(text_of(m["blocks"]) for m in shown))
    assert everything.replace("\n", "").count(note.replace("\n", "")) == 6  # whole, never cut
    assert count(slack, Note) == 6
    assert count(slack, OutboxMessage, OutboxMessage.status == "inline") == 0


def test_a_direct_message_is_a_command_answered_in_the_dm(slack: Slack) -> None:
    ask(slack, ADD)
    event = {
        "type": "message",
        "channel": "D0SANA",
        "channel_type": "im",
        "user": SANA,
        "text": "show 1",
        "ts": "1700000001.000100",
    }
    assert slack.event(event, event_id="Ev1").status_code == 200
    assert slack.event(event, event_id="Ev1").status_code == 200  # Slack's retry
    slack.event({**event, "subtype": "message_changed"})
    slack.event({**event, "channel_type": "channel", "channel": HIRING})
    slack.deliver()
    replies = slack.posted("D0SANA")
    assert len(replies) == 1
    assert "ayesha@example.com" in text_of(replies[0])  # a DM is private


def test_url_verification_echoes_the_challenge(slack: Slack) -> None:
    body = json.dumps({"token": "legacy", "challenge": "c-123", "type": "url_verification"})
    response = slack.post(body, "application/json")
    assert response.status_code == 200
    assert response.json() == {"challenge": "c-123"}


def post_unprocessed(slack: Slack, text: str, trigger_id: str) -> httpx.Response:
    """A signed /hire straight to the endpoint, with no inbox pass afterwards."""
    body = urlencode(
        {
            "command": "/hire",
            "text": text,
            "user_id": SANA,
            "channel_id": HIRING,
            "trigger_id": trigger_id,
            "response_url": slack.api.response_url(f"cmd-{trigger_id}"),
        }
    )
    response: httpx.Response = slack.http.post(
        "/slack/events",
        content=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **sign(body)},
    )
    return response


def test_a_command_is_recorded_and_acked_before_it_runs(slack: Slack) -> None:
    """The ack leaves after one INSERT; the command runs after it, from the inbox."""
    response = post_unprocessed(slack, ADD, "t-early")
    assert response.status_code == 200
    assert response.content == b""
    assert count(slack, Applicant) == 0
    assert slack.hirebot.inbox.pending() == 1
    assert slack.process() == 1
    assert count(slack, Applicant) == 1
    [answer] = slack.answers("cmd-t-early")
    assert "Added #1 Ayesha Khan" in text_of(answer.params)


def test_a_command_that_cannot_be_recorded_is_answered_with_an_apology(slack: Slack) -> None:
    engine = slack.hirebot.engine
    with engine.begin() as conn:  # the inbox is unusable (e.g. database trouble)
        conn.execute(text("ALTER TABLE inbound_events RENAME TO inbound_events_away"))
    try:
        response = post_unprocessed(slack, "list", "t-down")
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE inbound_events_away RENAME TO inbound_events"))
    assert response.status_code == 200
    assert response.json()["response_type"] == "ephemeral"
    assert "could not take that just now" in text_of(response.json())


def test_metrics_show_the_events_acknowledged_but_not_handled(slack: Slack) -> None:
    def gauge(state: str) -> float:
        text = slack.http.get("/metrics").text
        line = next(
            x for x in text.splitlines() if x.startswith(f'hirebot_inbox_events{{state="{state}"}}')
        )
        return float(line.split()[-1])

    post_unprocessed(slack, "list", "t-metrics")
    assert gauge("pending") == 1
    slack.process()
    assert (gauge("pending"), gauge("working"), gauge("failed")) == (0, 0, 0)


def test_an_answer_longer_than_five_posts_ends_saying_what_was_left_out(slack: Slack) -> None:
    """Slack takes up to 5 posts to one response_url; 50 notes at the length limit need more."""
    ask(slack, ADD)
    note = ("Long interview notes. " * 500)[:10_000]
    for _ in range(50):
        say(slack.hirebot, f"note 1 {note}")
    slack.command("notes 1", trigger_id="t-long")
    posts = [call.params for call in slack.answers("cmd-t-long")]
    assert len(posts) == 5
    assert all(validate_blocks(p["blocks"]) == [] for p in posts)
    assert "more messages of this answer did not fit" in text_of(posts[-1])
    assert "Slack takes 5 answers to one command" in text_of(posts[-1])
