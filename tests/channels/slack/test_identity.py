"""Slack's auth.test failing after a restart never loses a command nor tells anyone to reinstall:
the bot identity is resolved in the background, with retries, and requests never wait on it."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import AuditEvent
from tests.channels.slack.harness import Slack, new_trigger, text_of

REINSTALL = "no longer available"


def test_a_command_is_recorded_and_answered_while_auth_test_fails(slack: Slack) -> None:
    slack.api.fail_next("auth.test", status=500, times=3)
    identity = slack.runtime.identity
    identity.first_retry = 0.01  # the resolver's backoff, kept short for the test
    trigger = new_trigger()

    response = slack.command("whoami", trigger_id=trigger)

    assert response.status_code == 200
    assert REINSTALL not in response.text
    assert response.content == b""  # the usual empty ack
    answers = slack.answers(f"cmd-{trigger}")
    assert answers, "the command was not answered"
    told = "\n".join(text_of(c.params) for c in answers)
    assert "Sana Mirza" in told
    assert REINSTALL not in told
    with slack.hirebot.uow() as uow:
        recorded = uow.session.scalars(
            select(AuditEvent.summary).where(AuditEvent.direction == "in")
        ).all()
    assert "/hire whoami" in recorded

    # The command never needed the identity (the door records it without Bolt's authorize);
    # the server's start resolves it in the background, as here: learnt once Slack answers
    # (three 500s, then 200), and then kept.
    identity.start()
    assert identity.wait(timeout=30)
    assert [c.status for c in slack.api.calls_to("auth.test")] == [500, 500, 500, 200]
    assert slack.runtime.health()["identity"] == "resolved"
    result = identity.authorize(None, "T0001", "U0SANAMRZ")
    assert (result.bot_user_id, result.bot_id) == (slack.api.bot_user_id, slack.api.bot_id)
    assert slack.ask("roles")
    assert len(slack.api.calls_to("auth.test")) == 4


def test_a_direct_message_is_kept_while_auth_test_fails(slack: Slack) -> None:
    slack.api.fail_next("auth.test", status=503, times=1000)  # Slack down for a while
    slack.runtime.identity.first_retry = 0.01
    response = slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D0SANA",
            "user": "U0SANAMRZ",
            "text": "whoami",
            "ts": "1.1",
        }
    )
    assert response.status_code == 200
    assert REINSTALL not in response.text
    slack.deliver()
    [reply] = slack.posted("D0SANA")
    assert "Sana Mirza" in text_of(reply)
    assert not slack.runtime.identity.resolved
    slack.runtime.identity.stop()
