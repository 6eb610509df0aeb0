"""Delivery on WhatsApp: pacing and rate limits, batching, status notifications, the
platform's refusals, and who a message goes to."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.channels.whatsapp.render import plain
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from storage.models import OutboxMessage
from tests.channels.whatsapp.conftest import WhatsApp, start_whatsapp
from tests.fakes.whatsapp_api import FakeWhatsAppAPI


@pytest.fixture
def paced(
    database_url: str, whatsapp_config: HirebotConfig, fake: FakeWhatsAppAPI, clock: FrozenClock
) -> Iterator[WhatsApp]:
    """Meta's pair rate limit in force: one message every 6 seconds per person."""
    harness = start_whatsapp(
        database_url, whatsapp_config, fake, clock, WHATSAPP_PAIR_INTERVAL_SECONDS="6"
    )
    try:
        yield harness
    finally:
        harness.runtime.stop()
        harness.hirebot.close()


def rows(wa: WhatsApp) -> list[OutboxMessage]:
    with wa.hirebot.uow() as uow:
        return list(
            uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.channel == "whatsapp")
                .order_by(OutboxMessage.id)
            )
        )


def test_a_pair_rate_limit_storm_loses_nothing_and_sends_nothing_twice(paced: WhatsApp) -> None:
    wa = paced
    commands = [f"show {n}" for n in range(1, 9)]  # eight errors ("no applicant #n"), one each
    for command in commands:
        wa.say(command)
    wa.fake.fail_next(131056, 3)  # and Meta says "slow down" three times on top
    for _ in range(40):
        wa.deliver()
        if all(r.status == "done" for r in rows(wa)):
            break
        wa.clock.advance(timedelta(seconds=6))
    assert all(r.status == "done" for r in rows(wa)), [
        (r.id, r.status, r.last_error) for r in rows(wa)
    ]
    shown = "\n".join(plain(m.text) for m in wa.shown())
    for n in range(1, 9):
        assert shown.count(f"#{n}") == 1, shown  # each answer exactly once, none lost
    positions = [shown.index(f"#{n}") for n in range(1, 9)]
    assert positions == sorted(positions)  # and in order
    assert len([c for c, _ in wa.fake.refused if c == 131056]) == 3
    # several due answers went together: fewer messages than rows
    assert len(wa.shown()) < len(rows(wa))
    # never faster than the pacing allows: at most the burst of 3 in any 6 s, after the first
    times = [m.at for m in wa.shown()]
    for index in range(3, len(times)):
        assert times[index] - times[index - 3] >= timedelta(seconds=6)


def test_a_130429_is_retried_later(wa_default: WhatsApp) -> None:
    wa = wa_default
    wa.fake.fail_next(130429)
    wa.say("roles")
    wa.deliver()
    assert wa.shown() == []
    (row,) = rows(wa)
    assert row.status == "pending"
    assert "130429" in (row.last_error or "")
    wa.clock.advance(timedelta(seconds=2))
    wa.deliver()
    assert len(wa.shown()) == 1


@pytest.fixture
def wa_default(whatsapp: WhatsApp) -> WhatsApp:
    return whatsapp


def test_statuses_are_recorded_against_the_outbox_row(whatsapp: WhatsApp) -> None:
    wa = whatsapp
    wa.say("roles")
    wa.deliver()
    sent = wa.last()
    for status in ("sent", "delivered", "read", "delivered"):  # a late 'delivered' is older news
        assert wa.post(wa.fake.status(sent, status)).status_code == 200
    (row,) = rows(wa)
    assert row.external_ref == sent.wamid
    assert row.receipt == "read"
    # a redelivered status is skipped at the door
    assert wa.hirebot.inbox.counts().get("done", 0) >= 3


def test_a_failed_status_with_a_permanent_error_reports_the_person_unreachable(
    whatsapp: WhatsApp,
) -> None:
    wa = whatsapp
    wa.say("whoami", wa.omar)  # Omar's window is open; Sana (an admin) hears about the failure
    wa.say("roles", wa.sana)
    wa.deliver()
    sent = wa.last(wa.omar)
    wa.post(wa.fake.status(sent, "failed", error=131026))
    wa.deliver()
    row = next(r for r in rows(wa) if r.external_ref == sent.wamid)
    assert row.status == "failed"
    assert row.receipt == "failed"
    notice = plain(wa.last(wa.sana).text)
    assert "+923001234502" in notice or "Omar" in notice


def test_a_failed_status_for_a_closed_window_sends_the_message_after_the_template(
    whatsapp: WhatsApp,
) -> None:
    wa = whatsapp
    wa.say("roles")
    wa.deliver()
    sent = wa.last()
    wa.post(wa.fake.status(sent, "failed", error=131047))
    wa.clock.advance(timedelta(hours=25))  # Meta was right: the window is long closed
    wa.deliver()
    assert wa.last().type == "template"
    wa.say("hi there")  # an answer to the invitation, not a command: no error for it
    wa.deliver()
    shown = "\n".join(plain(m.text) for m in wa.shown())
    assert shown.count("Roles\nsenior-backend") == 2  # the answer again, once the window opened
    assert "unknown command" not in shown
    assert all(r.status in ("done",) for r in rows(wa)), [
        (r.status, r.last_error) for r in rows(wa)
    ]


def test_a_131047_answer_turns_into_the_template_path(whatsapp: WhatsApp) -> None:
    wa = whatsapp
    wa.say("roles")
    wa.fake.last_inbound.clear()  # Meta's clock says her window closed after all
    wa.deliver()
    assert wa.last().type == "template"
    assert [c for c, _ in wa.fake.refused] == [131047]
    wa.say("ok")
    wa.deliver()
    assert "Senior Backend Engineer" in plain(wa.last().text)
    assert "unknown command" not in plain(wa.last().text)


def test_an_invalid_number_is_unreachable_not_retried(whatsapp: WhatsApp) -> None:
    wa = whatsapp
    wa.say("whoami", wa.omar)
    wa.fake.fail_next(131026, to="+923001234502")
    wa.deliver()
    (row,) = [r for r in rows(wa) if r.destination == "+923001234502"]
    assert row.status == "failed"
    assert "131026" in (row.last_error or "")


def test_a_user_known_only_by_their_user_id_is_found_and_answered_there(
    whatsapp: WhatsApp,
) -> None:
    wa = whatsapp
    wa.say("whoami", wa.sana)  # her number and her user id arrive together: both are noted
    wa.deliver()
    hidden = wa.fake.user(None, wa.sana.user_id, "Sana")  # she turns on a username
    wa.say("whoami", hidden)
    wa.deliver()
    answers = [m for m in wa.fake.sent if "Sana Mirza" in m.text]
    assert len(answers) == 2
    assert answers[-1].to == "+923001234501"  # her address; Meta routes it to her either way


def test_a_split_reply_resumes_after_a_restart_without_resending_or_dropping_parts(
    database_url: str, whatsapp_config: HirebotConfig, fake: FakeWhatsAppAPI, clock: FrozenClock
) -> None:
    lines = [f"line {n:02d} " + "observation " * 8 for n in range(90)]  # ~9,000 characters
    wa = start_whatsapp(database_url, whatsapp_config, fake, clock)
    try:
        wa.say('add senior-backend "Ayesha Khan"')
        wa.say("note 1 " + "\n".join(lines))
        wa.deliver()
        before = len(wa.shown())
        # Meta accepts the first part, then says to slow down; then hirebot stops.
        fake.fail_next(130429, to=wa.sana.wa_id, after=1)
        wa.say("notes 1")
        wa.deliver()
        first = wa.shown()[before:]
        assert len(first) == 1
        assert plain(first[0].text).endswith("⤵ continued below")
        (row,) = [r for r in rows(wa) if r.status == "pending"]
        assert row.parts_sent == 1
        assert row.external_ref == first[0].wamid
    finally:
        wa.runtime.stop()
        wa.hirebot.close()

    again = start_whatsapp(database_url, whatsapp_config, fake, clock)
    try:
        clock.advance(timedelta(seconds=2))
        again.deliver()
        parts = [plain(p.text) for p in again.shown()[before:]]
        assert len(parts) == 3
        assert all(p.endswith("⤵ continued below") for p in parts[:-1])
        shown = "\n".join(parts)
        for line in lines:  # every line once: no part sent twice, none dropped
            assert shown.count(line.strip()) == 1, line
        (after,) = [r for r in rows(again) if r.id == row.id]
        assert after.status == "done"
        assert after.external_ref == again.shown()[-1].wamid
    finally:
        again.runtime.stop()
        again.hirebot.close()
