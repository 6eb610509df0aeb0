"""When Slack refuses a message for good (the bot was removed from the role's channel, a person
left the workspace), the delivery worker reports it to someone who can fix it, as it does for
every channel: the message is not only logged."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import OutboxMessage
from tests.channels.slack.harness import HIRING, SANA, Slack, text_of

ADD = 'add senior-backend "Ayesha Khan" email=ayesha@example.com'


def test_a_role_channel_that_removed_the_bot_is_reported_to_the_recruiter(slack: Slack) -> None:
    slack.api.error_next("chat.postMessage", "not_in_channel")
    assert slack.command(ADD).status_code == 200
    slack.deliver()  # the card is refused for good
    with slack.hirebot.uow() as uow:
        card = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "card")).one()
        assert card.status == "failed"
    slack.deliver()  # the notice goes out
    notices = [c for c in slack.api.calls_to("chat.postMessage") if c.params.get("channel") == SANA]
    assert len(notices) == 1
    text = text_of(notices[0].params)
    assert f"I cannot post to Senior Backend Engineer's Slack chat ({HIRING})" in text
    assert "not_in_channel" in text
    assert "an applicant card about #1 was not delivered" in text


def test_a_refusal_that_is_not_about_reach_is_not_reported(slack: Slack) -> None:
    slack.api.error_next("chat.postMessage", "invalid_blocks")
    assert slack.command(ADD).status_code == 200
    slack.deliver()
    slack.deliver()
    assert [
        c for c in slack.api.calls_to("chat.postMessage") if c.params.get("channel") == SANA
    ] == []
