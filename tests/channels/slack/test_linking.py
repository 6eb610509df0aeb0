"""Linking works on every channel that links accounts with codes: a Slack account nobody put in
config.yaml binds itself to a person with `start CODE` in a DM, as on Telegram."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services import linking
from bot.services.context import Actor, Context
from storage.models import AuditEvent
from tests.channels.slack.harness import Slack, text_of

STRANGER = "U0ZARAHUS"
DM = "D0ZARA001"


def issue(slack: Slack, person: str) -> str:
    app = slack.hirebot
    with app.uow() as uow:
        ctx = Context(uow, app.catalog, app.clock, Actor("system", "test"), "t", app.channels)
        issued = linking.create_code(ctx, person, channel="slack", ttl=timedelta(hours=1))
        uow.commit()
    return issued.code


def dm(slack: Slack, text: str) -> str:
    """Send a DM as the stranger; what hirebot answered in the DM."""
    before = len(slack.posted(DM))
    event = {"type": "message", "channel_type": "im", "user": STRANGER, "channel": DM}
    assert slack.event({**event, "text": text, "ts": f"{before + 1}.0"}).status_code == 200
    slack.deliver()
    return "\n".join(text_of(m) for m in slack.posted(DM)[before:])


def test_a_slack_account_links_itself_with_a_code_in_a_dm(slack: Slack) -> None:
    assert "I don't know you yet" in dm(slack, "whoami")
    code = issue(slack, "lucas")
    assert "that link code is not valid" in dm(slack, "start not-a-real-code-at-all")
    answer = dm(slack, f"start {code}")
    assert "Linked: this slack account is now Lucas" in answer
    assert code not in answer
    assert "Identities: slack: U0ZARAHUS" in dm(slack, "whoami")
    assert "already been used" in dm(slack, f"start {code}")
    with slack.hirebot.uow() as uow:
        lucas = uow.people.by_identity("slack", STRANGER)
        assert lucas is not None
        assert lucas.key == "lucas"
        [identity] = [i for i in lucas.identities if i.channel == "slack"]
        assert identity.linked_by == "code"
        assert identity.verified_at == slack.hirebot.clock.now()


def test_a_code_posted_in_a_channel_links_nobody(slack: Slack) -> None:
    code = issue(slack, "lucas")
    slack.ask(f"start {code}", user=STRANGER)  # a slash command in the hiring channel
    with slack.hirebot.uow() as uow:
        assert uow.people.by_identity("slack", STRANGER) is None
        stored = [str(e.summary) + str(e.payload) for e in uow.session.scalars(select(AuditEvent))]
    assert stored  # the attempt is recorded…
    assert not [row for row in stored if code in row]  # …without the code


def test_an_account_replaced_by_a_new_link_no_longer_speaks_for_the_person(slack: Slack) -> None:
    answer = dm(slack, f"start {issue(slack, 'lucas')}")
    assert "Linked: this slack account is now Lucas" in answer
    assert "Lucas Meyer" in dm(slack, "whoami")  # known now, and remembered
    # lucas links a second account, in its own DM: it replaces the first one
    code = issue(slack, "lucas")
    event = {"type": "message", "channel_type": "im", "user": "U0LUCASNW", "channel": "D0LUCAS02"}
    assert slack.event({**event, "text": f"start {code}", "ts": "1.0"}).status_code == 200
    slack.deliver()
    assert "Linked: this slack account is now Lucas" in text_of(slack.posted("D0LUCAS02")[-1])
    assert "I don't know you yet" in dm(slack, "whoami")
