"""Offer approval in Slack: the hiring manager's DM with one-tap Approve, and Decline asking
for the reason in a modal, through signed requests against the fake Web API."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from storage.models import Offer
from tests.channels.slack.harness import HIRING, OMAR, SANA, Slack, text_of
from tests.fakes.slack_api import validate_blocks, validate_view

GOOD = "pay=12500 start=2027-01-10 terms=scope,ip,confidentiality"


def hire(slack: Slack, text: str) -> str:
    return slack.ask(text)


def to_final(slack: Slack, name: str) -> int:
    answer = hire(slack, f"add senior-backend {name}")
    applicant_id = int(answer.split("#")[1].split()[0])
    for _ in range(4):
        hire(slack, f"advance {applicant_id}")
    return applicant_id


def dm_of(slack: Slack, user: str) -> str:
    for call in slack.api.calls_to("chat.postMessage"):
        if call.params.get("channel") == user and call.response.get("ok"):
            return str(call.response["channel"])
    raise AssertionError(f"hirebot never wrote to {user}")


def newest(slack: Slack, channel: str, starts: str) -> dict[str, Any]:
    for message in reversed(slack.posted(channel)):
        if starts in text_of(message):
            found: dict[str, Any] = message
            return found
    raise AssertionError(f"no message with {starts!r} in {channel}")


def statuses(slack: Slack) -> list[str]:
    with slack.hirebot.uow() as uow:
        return [o.status for o in uow.session.scalars(select(Offer).order_by(Offer.id))]


def test_the_manager_approves_in_one_tap_and_declines_with_a_reason(slack: Slack) -> None:
    first = to_final(slack, "Ayesha")
    drafted = hire(slack, f"offer {first} {GOOD}")
    assert "Waiting for Omar Farooq" in drafted
    slack.deliver()
    omar_dm = dm_of(slack, OMAR)
    request = newest(slack, omar_dm, "needs your approval")
    assert validate_blocks(request["blocks"]) == []
    assert "USD 12,500.00 per month" in text_of(request)
    # the team channel sees the stage move only, never the pay
    assert "12,500" not in json.dumps(slack.posted(HIRING))

    assert slack.click(request, "offer_approve", user=OMAR, channel=omar_dm).status_code == 200
    slack.deliver()
    assert "Approved offer #1" in "\n".join(text_of(c.params) for c in slack.responses())
    assert statuses(slack) == ["approved"]
    assert "is approved" in text_of(newest(slack, dm_of(slack, SANA), "is approved"))

    second = to_final(slack, "Bilal")
    hire(slack, f"offer {second} {GOOD.replace('12500', '16000')} reason='rare <!here> skills'")
    slack.deliver()
    request = newest(slack, omar_dm, f"for #{second} Bilal needs your approval")
    assert "rare <!here> skills" not in json.dumps(request)  # escaped, never a ping
    slack.api.reset()
    assert slack.click(request, "offer_decline", user=OMAR, channel=omar_dm).status_code == 200
    [opened] = slack.api.calls_to("views.open")
    view = opened.response["view"]
    assert validate_view(opened.params["view"]) == []
    assert "Reason for declining this offer" in text_of(view)
    assert statuses(slack) == ["approved", "pending_approval"]  # nothing before the reason

    blank = slack.submit(view, {"input": "  "}, user=OMAR)
    assert blank.json()["response_action"] == "errors"
    done = slack.submit(view, {"input": "over budget"}, user=OMAR)
    assert done.json()["response_action"] == "update"
    assert "Declined offer #2" in text_of(done.json()["view"])
    assert statuses(slack) == ["approved", "declined_by_manager"]
    slack.deliver()
    told = newest(slack, dm_of(slack, SANA), "was declined")
    assert "over budget" in text_of(told)
