"""Bulk actions over signed Slack requests: a command for several applicants, and "Reject
all…" under a list, confirmed once, each card updated in place."""

from __future__ import annotations

from typing import Any

from bot.channels.slack.render import unescape
from tests.channels.slack.harness import HINA, Slack, new_trigger, text_of
from tests.fakes.slack_api import validate_blocks

NAMES = ("Ayesha Khan", "Bilal Ahmed", "Chen Wei")


def add_three(slack: Slack) -> None:
    for index, name in enumerate(NAMES, start=1):
        assert "Added #" in slack.ask(f'add senior-backend "{name}" email=a{index}@example.com')
    slack.deliver()


def answer_message(slack: Slack, key: str) -> dict[str, Any]:
    [call] = slack.answers(key)
    assert validate_blocks(call.params["blocks"]) == []
    return dict(call.params)


def button_id(message: dict[str, Any], label: str) -> str:
    for block in message["blocks"]:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if unescape(element["text"]["text"]) == label:
                return str(element["action_id"])
    raise AssertionError(f"no button {label!r} in {text_of(message)}")


def test_reject_several_by_command_names_the_one_already_closed(slack: Slack) -> None:
    add_three(slack)
    assert "Applied → Rejected" in slack.ask("reject 2 reason=withdrew")
    answer = unescape(slack.ask("reject 1 2 3 reason=role-filled"))
    assert "Rejected 2 of 3 applicants (role filled)" in answer
    assert "#1 Ayesha Khan: Applied → Rejected" in answer
    assert "not changed: #2 Bilal Ahmed — " in answer
    slack.deliver()
    updates = slack.api.calls_to("chat.update")
    assert len(updates) == 3  # #2 once, by its own rejection; #1 and #3 by the bulk one
    assert all("Rejected — by Sana Mirza" in text_of(u.params) for u in updates)


def test_an_interviewer_cannot(slack: Slack) -> None:
    add_three(slack)
    refused = slack.ask("advance 1 2", user=HINA)
    assert "you need permission to move, reject or withdraw applicants" in refused


def test_reject_all_under_a_list_asks_once_then_updates_every_card(slack: Slack) -> None:
    add_three(slack)
    slack.api.reset()
    listed = new_trigger()
    slack.command("list senior-backend", trigger_id=listed)
    listing = answer_message(slack, f"cmd-{listed}")
    reject_all = button_id(listing, "Reject all 3…")
    slack.click(listing, reject_all, trigger_id="t-all", ephemeral=True)
    confirm = answer_message(slack, "act-t-all")
    shown = unescape(text_of(confirm))
    assert "Reject 3 applicants (Senior Backend Engineer, open)" in shown
    for name in NAMES:
        assert name in shown
    assert not slack.api.calls_to("chat.update")  # nothing changed before the answer

    slack.click(confirm, button_id(confirm, "no response"), trigger_id="t-go", ephemeral=True)
    done = unescape(text_of(answer_message(slack, "act-t-go")))
    assert "Rejected 3 of 3 applicants (no response)" in done
    slack.deliver()
    assert len(slack.api.calls_to("chat.update")) == 3

    # the same confirmation tapped again changes nothing
    slack.click(confirm, button_id(confirm, "no response"), trigger_id="t-again", ephemeral=True)
    assert "already finished" in text_of(answer_message(slack, "act-t-again"))
    slack.deliver()
    assert len(slack.api.calls_to("chat.update")) == 3
