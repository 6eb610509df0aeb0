"""The applicant card in a role's channel: its buttons, updates in place, threads, retries."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from starlette.testclient import TestClient

from bot.bootstrap import bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.domain.stages import REJECTED
from bot.runtime.server import build_server
from storage.models import CardPost, OutboxMessage, StageMove
from tests.channels.slack.harness import HINA, HIRING, Slack, find_button, slack_env, text_of
from tests.fakes.slack_api import FakeSlackAPI, validate_blocks

ADD = 'add senior-backend "Ayesha Khan" email=ayesha@example.com phone=03001234567 skills=python'


def added(slack: Slack, command: str = ADD) -> dict[str, Any]:
    """Add an applicant over /hire and deliver the card; returns it as posted."""
    assert slack.command(command).status_code == 200
    slack.deliver()
    return slack.card()


def moves(slack: Slack) -> list[tuple[str | None, str]]:
    with slack.hirebot.uow() as uow:
        return [(m.from_stage, m.to_stage) for m in uow.session.scalars(select(StageMove))]


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {
        e["action_id"]: e.get("value", "")
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }


def test_a_new_applicant_gets_a_card_with_buttons_and_no_personal_data(slack: Slack) -> None:
    card = added(slack)
    assert validate_blocks(card["blocks"]) == []
    shown = text_of(card)
    assert "#1 Ayesha Khan" in shown
    assert "Senior Backend Engineer" in shown
    assert "Applied" in shown
    assert "python" in shown
    assert "ayesha@example.com" not in json.dumps(card)
    assert "3001234567" not in json.dumps(card)
    assert {"advance": "1:applied", "reject": "1:applied", "details": "1"}.items() <= buttons(
        card
    ).items()
    with slack.hirebot.uow() as uow:
        post = uow.session.scalar(select(CardPost))
        assert post is not None
        assert (post.destination, post.message_ref) == (HIRING, card["ts"])


def test_advance_edits_the_card_in_place_and_threads_a_line(slack: Slack) -> None:
    card = added(slack)
    slack.api.reset()
    response = slack.click(card, "advance")
    assert response.status_code == 200
    [answer] = slack.responses()
    assert answer.params["response_type"] == "ephemeral"
    assert "Moved #1 Ayesha Khan: Applied → Screening" in text_of(answer.params)

    assert slack.deliver() == 2
    [update] = slack.api.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (HIRING, card["ts"])
    [line] = slack.api.calls_to("chat.postMessage")
    assert line.params["thread_ts"] == card["ts"]
    assert "Screening — by Sana Mirza" in text_of(line.params)
    edited = slack.card()
    assert "Screening — by Sana Mirza" in text_of(edited)
    assert buttons(edited)["advance"] == "1:screening"
    assert moves(slack) == [(None, "applied"), ("applied", "screening")]


def test_double_clicks_and_retried_deliveries_move_once_and_post_once(slack: Slack) -> None:
    card = added(slack)
    slack.api.reset()
    assert slack.click(card, "advance", trigger_id="click-1").status_code == 200
    retried = slack.click(card, "advance", trigger_id="click-1", headers={"X-Slack-Retry-Num": "1"})
    assert retried.status_code == 200
    assert slack.click(card, "advance", trigger_id="click-2").status_code == 200  # same card
    slack.deliver()
    assert moves(slack) == [(None, "applied"), ("applied", "screening")]
    assert len(slack.api.calls_to("chat.update")) == 1
    assert len(slack.api.calls_to("chat.postMessage")) == 1
    answers = [text_of(call.params) for call in slack.responses()]
    assert len(answers) == 2  # the retry is a duplicate: no second answer either
    assert any("is already in Screening" in a for a in answers)


def test_reject_asks_for_the_reason_in_a_modal(slack: Slack) -> None:
    card = added(slack)
    slack.api.reset()
    assert slack.click(card, "reject", trigger_id="reject-1").status_code == 200
    [opened] = slack.api.calls_to("views.open")
    assert opened.params["trigger_id"] == "reject-1"
    view = opened.response["view"]
    assert view["callback_id"] == "hirebot.action_input"
    assert "Reason for rejecting" in text_of(view)
    assert moves(slack) == [(None, "applied")]  # nothing happens before the reason

    blank = slack.submit(view, {"input": "   "})
    assert blank.json()["response_action"] == "errors"
    assert "say why" in blank.json()["errors"]["input"]
    assert moves(slack) == [(None, "applied")]

    done = slack.submit(view, {"input": "needs more <b>distributed</b> systems depth"})
    body = done.json()
    assert body["response_action"] == "update"
    assert "Applied → Rejected" in text_of(body["view"])
    assert moves(slack) == [(None, "applied"), ("applied", REJECTED)]
    with slack.hirebot.uow() as uow:
        move = uow.session.scalars(select(StageMove).order_by(StageMove.id.desc())).first()
        assert move is not None
        assert move.reason == "needs more <b>distributed</b> systems depth"
    slack.deliver()
    edited = slack.card()
    assert "Rejected — by Sana Mirza" in text_of(edited)
    assert "advance" not in buttons(edited)
    assert "reject" not in buttons(edited)


def test_details_answer_only_the_clicker_with_contact_for_those_allowed(slack: Slack) -> None:
    card = added(slack)
    slack.api.reset()
    slack.click(card, "details", trigger_id="t-sana")
    slack.click(card, "details", user=HINA, trigger_id="t-hina")
    slack.click(card, "advance", user="U0STRANGER", trigger_id="t-stranger")
    sana, hina, stranger = (slack.answer(t) for t in ("t-sana", "t-hina", "t-stranger"))
    assert "sorry, I don't know you yet" in stranger
    assert moves(slack) == [(None, "applied")]
    assert "ayesha@example.com" in sana
    assert "Ayesha Khan" in hina
    assert "ayesha@example.com" not in hina  # interviewers see no contact details
    slack.deliver()
    assert slack.api.calls_to("chat.postMessage") == []  # nothing went to the channel


def test_user_text_never_pings_or_formats(slack: Slack) -> None:
    name = "<!channel> <@U123> *_[x](y)_* <b>Bo</b> & Co"
    slack.command(f"add senior-backend '{name}' source=<!here>", trigger_id="t-markup")
    slack.deliver()
    card = slack.card()
    answers = [call.params for call in slack.answers("cmd-t-markup")]
    assert answers
    posted = json.dumps([card, *answers], ensure_ascii=False)
    for raw in ("<!channel>", "<@U123>", "<b>", "<!here>"):
        assert raw not in posted
    # Style marks that could take effect are lookalikes (∗ ˍ), so nothing is bold or italic.
    assert "&lt;!channel&gt; &lt;@U123&gt; ∗ˍ[x](y)ˍ∗ &lt;b&gt;Bo&lt;/b&gt; &amp; Co" in posted
    texts = [b["text"] for b in card["blocks"] if b["type"] == "section" and "text" in b]
    assert all(t["type"] == "mrkdwn" and t["verbatim"] is True for t in texts)


def test_a_rate_limited_post_waits_for_retry_after_then_goes_once(
    slack: Slack, clock: FrozenClock
) -> None:
    slack.api.fail_next("chat.postMessage", status=429, retry_after=30)
    assert slack.command(ADD).status_code == 200
    assert slack.deliver() == 0
    with slack.hirebot.uow() as uow:
        row = uow.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "card"))
        assert row is not None
        assert row.status == "pending"
        assert row.next_attempt_at == clock.now() + timedelta(seconds=30)
    assert slack.deliver() == 0  # not due yet
    clock.advance(timedelta(seconds=31))
    assert slack.deliver() == 1
    assert len(slack.posted()) == 1
    assert [c.status for c in slack.api.calls_to("chat.postMessage")] == [429, 200]


def test_server_errors_back_off_and_permanent_errors_stop(slack: Slack, clock: FrozenClock) -> None:
    slack.api.fail_next("chat.postMessage", status=503)
    slack.command(ADD)
    assert slack.deliver() == 0
    clock.advance(timedelta(minutes=1))
    assert slack.deliver() == 1

    slack.api.error_next("chat.update", "channel_not_found")
    slack.command("move 1 screening")
    slack.deliver()
    with slack.hirebot.uow() as uow:
        statuses = dict(
            uow.session.execute(
                select(OutboxMessage.kind, OutboxMessage.status).where(
                    OutboxMessage.kind == "card_update"
                )
            ).all()
        )
        dead = uow.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "failed")
        )
    assert statuses == {"card_update": "failed"}
    assert dead == 1
    clock.advance(timedelta(hours=1))
    slack.deliver()
    assert len(slack.api.calls_to("chat.update")) == 1  # never retried


def test_buttons_carry_what_a_click_needs(slack: Slack) -> None:
    card = added(slack)
    block, element = find_button(card["blocks"], "reject")
    assert len(block["block_id"]) <= 255
    assert len(element["value"]) <= 2000
    assert element["style"] == "danger"


def test_a_role_can_show_initials_instead_of_names(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock, slack_api: FakeSlackAPI
) -> None:
    data = shipped_config.model_dump(mode="json")
    for role in data["roles"]:
        role["show_initials"] = True
    hirebot = bootstrap(
        config=HirebotConfig.model_validate(data),
        database_url=database_url,
        clock=clock,
        env=slack_env(slack_api),
    )
    server = build_server(hirebot)
    try:
        slack = Slack(hirebot, server, slack_api, TestClient(server.asgi()))
        card = added(slack)
        assert "#1 A. K." in text_of(card)
        assert "Ayesha" not in json.dumps(card)
        slack.click(card, "advance")
        slack.deliver()
        assert "Ayesha" not in json.dumps(slack.posted())
        assert "Ayesha Khan" in text_of(slack.responses()[0].params)  # the clicker sees the name
    finally:
        server.runtimes[0].stop()
        hirebot.close()
