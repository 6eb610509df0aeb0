"""Telegram over the real webhook route: commands, cards, taps, forced replies, limits."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from bot.runtime.body_limit import MAX_WEBHOOK_BODY
from storage.models import Applicant, AuditEvent, OutboxMessage
from tests.channels.telegram.conftest import (
    GROUP,
    HINA,
    OMAR,
    SANA,
    STRANGER,
    Telegram,
    wait_until,
)
from tests.fakes.telegram_api import callback_update, message_update


def count(telegram: Telegram, model: type[object]) -> int:
    with telegram.hirebot.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def applicant(telegram: Telegram, applicant_id: int) -> Applicant:
    with telegram.hirebot.uow() as uow:
        found = uow.applicants.get(applicant_id)
        assert found is not None
        return found


def keyboard_data(message: dict[str, object]) -> list[str]:
    markup = message["reply_markup"]
    assert isinstance(markup, dict)
    return [button["callback_data"] for row in markup["inline_keyboard"] for button in row]


def add_ayesha(telegram: Telegram) -> None:
    telegram.say('/add senior-backend "Ayesha Khan" email=ayesha@example.com skills=python,go')
    telegram.deliver()


# The webhook itself -----------------------------------------------------------------------


def test_the_webhook_needs_the_secret_token(telegram: Telegram) -> None:
    update = message_update(1, from_id=SANA, chat_id=SANA, text="/whoami")

    assert telegram.post(update, secret=None).status_code == 403
    assert telegram.post(update, secret="wrong").status_code == 403
    assert telegram.post(update, secret="").status_code == 403
    assert count(telegram, AuditEvent) == 0
    assert count(telegram, OutboxMessage) == 0

    assert telegram.post(update).status_code == 200
    telegram.deliver()
    assert "Sana Mirza" in telegram.last(SANA)
    assert telegram.fake.webhook["secret_token"] == "s3cret_Webhook-token"


def test_a_repeated_update_is_processed_once(telegram: Telegram) -> None:
    update = message_update(
        77, from_id=SANA, chat_id=SANA, text="/add senior-backend Bilal email=b@example.com"
    )
    assert telegram.post(update).status_code == 200
    assert telegram.post(update).status_code == 200  # Telegram retried
    telegram.deliver()

    assert count(telegram, Applicant) == 1
    assert len(telegram.texts(SANA)) == 1
    assert len(telegram.texts(GROUP)) == 1


def test_bad_bodies_are_refused(telegram: Telegram) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret_Webhook-token"}
    assert (
        telegram.client.post("/telegram/webhook", content=b"{", headers=headers).status_code == 400
    )
    assert telegram.client.post("/telegram/webhook", json=[1], headers=headers).status_code == 400
    assert (
        telegram.client.post("/telegram/webhook", content=b"\xff", headers=headers).status_code
        == 400
    )


def test_a_huge_body_is_refused_before_it_is_read_whole(telegram: Telegram) -> None:
    """A body over the webhooks' limit is refused with a 413 whether it says its length or
    streams without one (chunked), and nothing of it is recorded."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret_Webhook-token"}
    huge = json.dumps({"update_id": 1, "message": {"text": "x" * MAX_WEBHOOK_BODY}}).encode()
    declared = telegram.client.post("/telegram/webhook", content=huge, headers=headers)
    assert declared.status_code == 413

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(huge), 64 * 1024):
            yield huge[start : start + 64 * 1024]

    streamed = telegram.client.post("/telegram/webhook", content=chunks(), headers=headers)
    assert streamed.status_code == 413
    assert sum(telegram.hirebot.inbox.counts().values()) == 0


# Commands ----------------------------------------------------------------------------------


def test_every_shared_command(telegram: Telegram) -> None:
    def run(text: str) -> str:
        telegram.say(text)
        telegram.deliver()
        return telegram.last(SANA)

    before = len(telegram.texts(SANA))
    run("/help")  # longer than one Telegram message: split, the footer last
    assert "list [role]" in "\n".join(telegram.texts(SANA)[before:])
    assert "usage: move <id> [<id>…] <stage> [reason]" in run("/help move")
    assert "senior-backend — Senior Backend Engineer" in run("/roles")
    assert "Hiring manager: Omar Farooq" in run("/roles senior-backend")
    assert run('/add senior-backend "Ayesha Khan" email=ayesha@example.com').startswith(
        "✅ Added #1 Ayesha Khan"
    )
    run("/add senior-backend Bilal")
    run("/add senior-backend Chen")
    listed = run("/list")
    assert "#1 Ayesha Khan — Applied" in listed
    assert "#3 Chen" in listed
    shown = run("/show 1")
    assert "Email: ayesha@example.com" in shown  # a private chat may see contact details
    assert "Moved #1 Ayesha Khan: Applied → Screening" in run("/move 1 screening strong CV")
    assert "Screening → Technical assessment" in run("/advance 1")
    assert run("/note 1 great systems answers").startswith("✅ Noted on #1")
    assert "great systems answers" in run("/notes 1")
    assert "moved Ayesha Khan from Applied to Screening: strong CV" in run("/history 1")
    assert "Applied → Rejected" in run("/reject 2 not enough Go")
    assert "Applied → Withdrawn" in run("/withdraw 3 took another offer")
    assert "Identities: telegram: 1001" in run("/whoami")
    assert "unknown command 'hlep' — did you mean 'help'?" in run("/hlep")
    assert "which applicant?" in run("/show")
    # the command menu Telegram shows was published at start
    assert {"help", "add", "list", "whoami"} <= {c["command"] for c in telegram.fake.commands}


def test_permissions_and_errors_are_the_cores(telegram: Telegram) -> None:
    add_ayesha(telegram)
    telegram.say("/reject 1 nope", user=HINA)
    telegram.say("/show 1", user=HINA)
    telegram.deliver()
    refused, shown = telegram.texts(HINA)
    assert refused.startswith("⚠️ you need permission to move")
    assert "ayesha@example.com" not in shown  # interviewers never see contact details
    assert applicant(telegram, 1).stage == "applied"


def test_commands_in_the_role_group_answer_privately(telegram: Telegram) -> None:
    add_ayesha(telegram)
    before = len(telegram.texts(GROUP))
    telegram.say("/show@hirebot_test_bot 1", chat=GROUP)
    telegram.say("/list@some_other_bot", chat=GROUP)  # not addressed to us
    telegram.deliver()

    assert len(telegram.texts(GROUP)) == before  # nothing personal in the group
    assert "Email: ayesha@example.com" in telegram.last(SANA)  # the asker's private chat
    assert count(telegram, AuditEvent) > 0
    with telegram.hirebot.uow() as uow:
        summaries = [e.summary for e in uow.session.scalars(select(AuditEvent))]
    assert not any("some_other_bot" in s for s in summaries)


def test_unlinked_users_are_refused_politely(telegram: Telegram) -> None:
    telegram.say("/list", user=STRANGER)
    telegram.say("hello there", user=STRANGER)
    telegram.deliver()

    refusals = telegram.texts(STRANGER)
    assert len(refusals) == 2
    assert all("sorry, I don't know you yet" in text for text in refusals)


def test_unknown_groups_and_removals_are_ignored(
    telegram: Telegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.channels.telegram")
    telegram.say("/list", chat=-1009999)  # a group that is no role's
    telegram.say("what do we think of #1?", chat=GROUP)  # chatter in the role group
    kicked = {
        "update_id": 500,
        "my_chat_member": {
            "chat": {"id": GROUP, "type": "supergroup", "title": "Hiring"},
            "from": {"id": SANA, "is_bot": False, "first_name": "Sana"},
            "date": int(time.time()),
            "old_chat_member": {"user": telegram.fake.bot_user, "status": "member"},
            "new_chat_member": {
                "user": telegram.fake.bot_user,
                "status": "kicked",
                "until_date": 0,
            },
        },
    }
    assert telegram.post(kicked).status_code == 200

    assert count(telegram, AuditEvent) == 0
    assert count(telegram, OutboxMessage) == 0
    assert "from supergroup chat -1009999" in caplog.text
    assert f"bot is now kicked in supergroup chat {GROUP}" in caplog.text


def test_edited_messages_do_not_run_commands_again(telegram: Telegram) -> None:
    update = message_update(9, from_id=SANA, chat_id=SANA, text="/add senior-backend Dana")
    edited = {"update_id": 10, "edited_message": {**update["message"], "edit_date": 1}}
    assert telegram.post(edited).status_code == 200
    assert count(telegram, Applicant) == 0


# Cards and taps ----------------------------------------------------------------------------


def test_a_new_applicant_card_goes_to_the_role_group_with_buttons(telegram: Telegram) -> None:
    add_ayesha(telegram)

    card = telegram.fake.messages[GROUP][1]
    assert card["parse_mode"] == "HTML"
    assert card["plain_text"].startswith("#1 Ayesha Khan\nApplicant for Senior Backend Engineer")
    assert "Stage: Applied" in card["plain_text"]
    assert "ayesha@example.com" not in card["text"]  # never contact details in a group
    assert keyboard_data(card) == [
        "a:advance:1:applied",
        "i:schedule:1",
        "i:reject:1:applied",
        "a:details:1",
    ]
    assert "✅ Added #1 Ayesha Khan" in telegram.last(SANA)


def test_the_add_reply_names_the_role_channel_not_its_chat_id(telegram: Telegram) -> None:
    add_ayesha(telegram)
    added = telegram.last(SANA)
    assert "Card posted to #hiring-senior-backend." in added
    assert str(GROUP) not in added
    assert "C0HIRESBE" not in added


def test_a_tap_edits_the_card_in_place_and_answers(telegram: Telegram) -> None:
    add_ayesha(telegram)
    telegram.tap("a:advance:1:applied", user=SANA, message_id=1)
    telegram.deliver()

    wait_until(lambda: telegram.fake.calls_to("answerCallbackQuery"))  # sent beside the work
    assert len(telegram.fake.calls_to("answerCallbackQuery")) == 1
    edit = telegram.fake.calls_to("editMessageText")[-1]
    assert (edit.params["chat_id"], edit.params["message_id"]) == (GROUP, 1)
    assert edit.params["reply_markup"]["inline_keyboard"]  # the keyboard is re-sent
    card = telegram.fake.messages[GROUP][1]
    assert "Stage: Screening" in card["plain_text"]
    assert "Screening — by Sana Mirza" in card["plain_text"]
    assert keyboard_data(card)[0] == "a:advance:1:screening"
    thread = [c for c in telegram.fake.calls_to("sendMessage") if c.params.get("reply_parameters")]
    assert thread[-1].params["reply_parameters"]["message_id"] == 1
    assert "Moved #1 Ayesha Khan: Applied → Screening" in telegram.last(SANA)

    # a second tap on the same (now stale) button changes nothing
    telegram.tap("a:advance:1:applied", user=OMAR, message_id=1)
    telegram.deliver()
    assert applicant(telegram, 1).stage == "screening"
    assert "already in Screening" in telegram.last(OMAR)


def test_a_double_tap_says_already_done_in_the_callback_answer(telegram: Telegram) -> None:
    add_ayesha(telegram)
    telegram.tap("a:advance:1:applied", user=SANA, message_id=1)
    telegram.tap("a:advance:1:applied", user=SANA, message_id=1)  # the same button again
    telegram.deliver()

    wait_until(lambda: len(telegram.fake.calls_to("answerCallbackQuery")) == 2)
    answers = telegram.fake.calls_to("answerCallbackQuery")
    texts = sorted((str(a.params.get("text") or "") for a in answers), key=len)
    # the move itself answers with no text (the card shows it); the second tap says why not
    assert texts == ["", "Already done: #1 Ayesha Khan is already in Screening."]
    assert applicant(telegram, 1).stage == "screening"


def test_a_tap_runs_once_though_its_query_is_stale(telegram: Telegram) -> None:
    add_ayesha(telegram)
    tap = callback_update(
        900,
        from_id=SANA,
        chat_id=GROUP,
        message_id=1,
        data="a:advance:1:applied",
        chat_type="supergroup",
    )
    telegram.fake.fail_next(
        "answerCallbackQuery",
        status=400,
        description="Bad Request: query is too old and response timeout expired",
    )
    assert telegram.post(tap).status_code == 200
    assert telegram.post(tap).status_code == 200  # Telegram's redelivery: skipped at the door
    telegram.deliver()

    assert applicant(telegram, 1).stage == "screening"
    assert sum("Moved #1" in text for text in telegram.texts(SANA)) == 1


def test_reject_asks_for_the_reason_with_a_forced_reply(telegram: Telegram) -> None:
    add_ayesha(telegram)
    telegram.tap("i:reject:1:applied", user=OMAR, message_id=1)
    telegram.deliver()

    assert applicant(telegram, 1).stage == "applied"  # nothing happens before the reason
    prompt_id = max(telegram.fake.messages[GROUP])
    prompt = telegram.fake.messages[GROUP][prompt_id]
    assert prompt["reply_markup"]["force_reply"] is True
    assert prompt["reply_markup"]["selective"] is True
    assert prompt["plain_text"].startswith("Omar Farooq, #1 Ayesha Khan\nReason for rejecting\n")
    mention = next(e for e in prompt["parsed_entities"] if e["type"] == "text_mention")
    assert mention["user"]["id"] == OMAR  # the selective forced reply opens for the tapper

    telegram.answer("no distributed systems experience", to=prompt_id, chat=GROUP, user=OMAR)
    telegram.deliver()

    assert applicant(telegram, 1).stage == "rejected"
    with telegram.hirebot.uow() as uow:
        move = uow.moves.for_applicant(1)[-1]
    assert move.reason == "no distributed systems experience"
    card = telegram.fake.messages[GROUP][1]
    assert "Stage: Rejected" in card["plain_text"]
    assert keyboard_data(card) == ["a:details:1"]
    assert "Applied → Rejected" in telegram.last(OMAR)


def test_the_reason_prompt_survives_a_restart(telegram: Telegram) -> None:
    """The pending action is in the prompt's text, so a new process can still match it."""
    add_ayesha(telegram)
    telegram.tap("i:reject:1:applied", user=SANA, message_id=1)
    telegram.deliver()
    prompt_id = max(telegram.fake.messages[GROUP])
    telegram.runtime.stop()
    telegram.runtime.start()

    telegram.answer("salary expectations", to=prompt_id, chat=GROUP, user=SANA)
    assert applicant(telegram, 1).stage == "rejected"


def test_the_guided_add_flow_in_a_private_chat(telegram: Telegram) -> None:
    telegram.say("/add")
    telegram.deliver()
    asked = telegram.fake.messages[SANA][1]
    assert asked["plain_text"].startswith("New applicant\nWhich role are they applying for?")
    role_button = keyboard_data(asked)[0]
    assert role_button.startswith("a:flow:")

    telegram.tap(role_button, chat=SANA, message_id=1)
    for answer in ("Zainab <Ali>", "zainab@example.com", "skip", "referral", "go, sql", "skip"):
        telegram.say(answer)
    telegram.deliver()
    confirm = telegram.fake.messages[SANA][max(telegram.fake.messages[SANA])]
    assert "Name: Zainab <Ali>" in confirm["plain_text"]
    add_button = next(d for d in keyboard_data(confirm) if d.endswith(":add"))
    telegram.tap(add_button, chat=SANA, message_id=confirm["message_id"])
    telegram.deliver()

    assert "Added #1 Zainab <Ali>" in telegram.last(SANA)
    assert telegram.texts(GROUP)[0].startswith("#1 Zainab <Ali>")


def test_the_guided_add_is_refused_in_a_group(telegram: Telegram) -> None:
    telegram.say("/add", chat=GROUP)
    telegram.deliver()
    assert "send 'add' to me in a direct message" in telegram.last(SANA)


# Escaping and limits -----------------------------------------------------------------------


def test_markup_in_names_renders_literally(telegram: Telegram) -> None:
    name = "*_[x](y) <b>x</b> & <!channel>"
    telegram.say(f'/add senior-backend "{name}" skills=c++,<script>')
    telegram.deliver()

    card = telegram.fake.messages[GROUP][1]
    assert card["plain_text"].startswith(f"#1 {name}\n")
    assert "Skills: c++, <script>" in card["plain_text"]
    assert [e["type"] for e in card["parsed_entities"]] == ["bold"] * 4 + ["italic"]
    assert f"Added #1 {name}" in telegram.last(SANA)


def test_texts_over_4096_characters_are_split(telegram: Telegram) -> None:
    add_ayesha(telegram)
    note = ("lorem ipsum " * 417)[:4999] + "!"  # 5,000 characters
    telegram.say(f"/note 1 {note}")
    telegram.say("/notes 1")
    telegram.deliver()

    calls = telegram.fake.calls_to("sendMessage")[-2:]
    assert all(call.status == 200 for call in calls)
    parts = telegram.texts(SANA)[-2:]
    assert all(len(part) <= 4096 for part in parts)
    assert note in "".join(parts).replace("\n", "")


def test_an_update_that_fails_is_retried_from_the_inbox(telegram: Telegram) -> None:
    """Telegram gets its 200 at once; a failure while handling is retried by hirebot."""
    engine = telegram.hirebot.engine
    with engine.begin() as conn:  # the core cannot write its audit log for now
        conn.execute(text("ALTER TABLE audit_events RENAME TO audit_events_away"))
    try:
        update = message_update(800, from_id=SANA, chat_id=SANA, text="/roles")
        assert telegram.post(update).status_code == 200
        assert telegram.hirebot.inbox.counts() == {"pending": 1}
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_events_away RENAME TO audit_events"))
    assert telegram.process() == 0  # backing off
    telegram.clock.set(telegram.clock.now() + timedelta(minutes=1))
    assert telegram.process() == 1
    telegram.deliver()
    assert "senior-backend" in telegram.last(SANA)
    assert telegram.hirebot.inbox.counts() == {"done": 1}
