"""Roles from chat over signed `/hire` requests: a hiring manager opens one whose cards go to
the channel it was typed in (`channel=here`), a new applicant's card is posted there through
the fake Web API at once; an interviewer cannot open roles; closing lists the open applicants
with a "Reject all" button."""

from __future__ import annotations

from bot.channels.slack.render import unescape
from tests.channels.slack.harness import HINA, OMAR, Slack, new_trigger, text_of

LEADS = "C0LEADS01"


def test_a_role_opened_in_a_channel_gets_its_cards_there(slack: Slack) -> None:
    opened = unescape(
        slack.ask(
            'role open backend-lead from=senior-backend title="Backend Lead" '
            'channel=here channel_name="#backend-leads"',
            user=OMAR,
            channel=LEADS,
        )
    )
    assert "Opened Backend Lead (backend-lead)" in opened
    assert "Cards go to #backend-leads" in opened
    assert slack.hirebot.catalog.role("backend-lead").channels["slack"] == LEADS

    added = unescape(slack.ask('add backend-lead "Ayesha Khan" email=ayesha@example.com'))
    assert "Added #1 Ayesha Khan to Backend Lead (Applied)" in added
    assert "Card posted to #backend-leads" in added
    slack.deliver()
    [card] = [m for m in slack.posted(LEADS) if "thread_ts" not in m]
    assert "Ayesha Khan" in str(card)
    assert "ayesha@example.com" not in str(card)

    refused = unescape(
        slack.ask('role open x-lead from=senior-backend title="X"', user=HINA, channel=LEADS)
    )
    assert "only admins and hiring managers can open roles" in refused
    assert "x-lead" not in slack.hirebot.catalog.roles

    bad = unescape(slack.ask("role set backend-lead channel=general", user=OMAR))
    assert "'general' is not a Slack channel id" in bad

    trigger = new_trigger()
    closed = slack.command("role close backend-lead", user=OMAR, channel=LEADS, trigger_id=trigger)
    assert closed.status_code == 200
    [answer] = slack.answers(f"cmd-{trigger}")
    text = unescape(text_of(answer.params))
    assert "Closed Backend Lead (backend-lead) to new applications" in text
    assert "#1 Ayesha Khan — Applied" in text
    assert "Reject all 1…" in text
    assert "closed to new applications" in unescape(
        slack.ask('add backend-lead "Bilal Ahmed" email=bilal@example.com')
    )
