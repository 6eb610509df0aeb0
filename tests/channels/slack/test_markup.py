"""User text with Slack's style marks is shown as typed on every Slack surface: the answer to a
command, the card, a DM, a modal's result, the App Home, and each message's
notification `text`. mrkdwn has no escape for `*`, `_`, `~`, backticks or a quoting `>`, so
the marks that could style text arrive as lookalikes."""

from __future__ import annotations

import json
from typing import Any

from bot.clock import FrozenClock
from tests.channels.slack.harness import HINA, HIRING, SANA, Slack, new_trigger
from tests.fakes.slack_api import validate_blocks

NAME = "*bold* _it_ ~s~ `code`"
SHOWN = "\u2217bold\u2217 \u02cdit\u02cd \u223cs\u223c \u02cbcode\u02cb"  # ∗bold∗ ˍitˍ ∼s∼ ˋcodeˋ
NOTE = "really *strong* on _infra_"
NOTE_SHOWN = "really \u2217strong\u2217 on \u02cdinfra\u02cd"


def mrkdwn_texts(node: Any) -> list[str]:
    """What Slack parses as mrkdwn: mrkdwn text objects, and a message's top-level `text`."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "plain_text":  # never parsed: shown as sent
            return found
        for key, value in node.items():
            if key == "text" and isinstance(value, str):  # a mrkdwn object's, or a message's
                found.append(value)
            else:
                found += mrkdwn_texts(value)
    elif isinstance(node, list):
        for item in node:
            found += mrkdwn_texts(item)
    return found


def assert_literal(payload: Any, shown: str = SHOWN, raw: str = NAME) -> None:
    """The typed text arrives only in its inert form, in the blocks and in the `text`."""
    texts = mrkdwn_texts(payload)
    joined = "\n".join(texts)
    assert shown in joined, json.dumps(payload, ensure_ascii=False)[:800]
    assert raw not in joined
    for mark in ("*bold*", "_it_", "~s~", "`code`", "*strong*", "_infra_"):
        assert mark not in joined, mark


def test_names_and_notes_with_style_marks_read_as_typed_everywhere(
    slack: Slack, clock: FrozenClock
) -> None:
    # The answer to the command (response_url), blocks and fallback text.
    trigger = new_trigger()
    slack.command(f"add senior-backend '{NAME}'", trigger_id=trigger)
    [added] = slack.answers(f"cmd-{trigger}")
    assert validate_blocks(added.params["blocks"]) == []
    assert_literal(added.params["blocks"])
    assert_literal({"text": added.params["text"]})

    slack.command(f"note 1 {NOTE}\n> not a quote")
    slack.command("notes 1", trigger_id=(notes := new_trigger()))
    [listed] = slack.answers(f"cmd-{notes}")
    assert_literal(listed.params, NOTE_SHOWN, NOTE)
    shown = "\n".join(mrkdwn_texts(listed.params))
    assert "\n\uff1e not a quote" in shown  # ＞: a line starting with > is not a quote
    assert "\n&gt; not a quote" not in shown

    # The card in the role's channel (thread lines name only stages and people from
    # config.yaml; they go through the same rendering).
    slack.deliver()
    card = slack.card()
    assert_literal(card["blocks"])
    assert_literal({"text": card["text"]})
    bold_title = card["blocks"][0]["text"]["text"]
    assert bold_title.startswith("*")  # the title's bold stays whole around the name
    assert SHOWN in bold_title

    # A reply in a direct message.
    slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D0SANA",
            "user": SANA,
            "text": "show 1",
            "ts": "1.1",
        }
    )
    slack.deliver()
    [dm] = slack.posted("D0SANA")
    assert_literal(dm)

    # A modal's result: the add form submitted with such a name.
    slack.command("add", channel=HIRING, trigger_id="form-markup")
    [opened] = slack.api.calls_to("views.open")
    done = slack.submit(opened.response["view"], {"name": NAME}).json()
    assert done["response_action"] == "update", done
    assert_literal(done["view"]["blocks"])

    # The App Home of an interviewer with an interview with the applicant.
    slack.api.reset()
    slack.click(slack.card(), "schedule")
    [opened] = slack.api.calls_to("views.open")
    scheduled = slack.submit(opened.response["view"], {"input": "2026-11-25 15:00 with=hina"})
    assert scheduled.json()["response_action"] == "update", scheduled.text
    slack.event({"type": "app_home_opened", "user": HINA, "tab": "home"})
    [published] = slack.api.calls_to("views.publish")
    assert_literal(published.params["view"]["blocks"])
