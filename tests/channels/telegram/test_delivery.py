"""The Telegram sender under the delivery loop: rate limits, network errors, unreachable chats."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import OutboxMessage
from tests.channels.telegram.conftest import GROUP, HINA, OMAR, SANA, STRANGER, Telegram


def rows(telegram: Telegram) -> list[OutboxMessage]:
    with telegram.hirebot.uow() as uow:
        return list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_429_is_retried_after_the_delay_and_delivered_once(telegram: Telegram) -> None:
    telegram.say("/whoami")
    telegram.fake.fail_next("sendMessage", status=429, retry_after=3)

    assert telegram.deliver() == 0
    [row] = rows(telegram)
    assert row.status == "pending"
    assert row.next_attempt_at == telegram.clock.now() + timedelta(seconds=3)
    assert "Flood control exceeded" in (row.last_error or "")

    telegram.clock.advance(timedelta(seconds=2))
    assert telegram.deliver() == 0  # not before Telegram said
    telegram.clock.advance(timedelta(seconds=1))
    assert telegram.deliver() == 1

    assert [c.status for c in telegram.fake.calls_to("sendMessage")] == [429, 200]
    assert len(telegram.texts(SANA)) == 1
    assert rows(telegram)[0].status == "done"


def test_network_errors_are_retried_with_backoff(telegram: Telegram) -> None:
    telegram.say("/whoami")
    telegram.fake.fail_next("sendMessage", status=502)

    assert telegram.deliver() == 0
    assert rows(telegram)[0].status == "pending"
    telegram.clock.advance(timedelta(seconds=2))
    assert telegram.deliver() == 1
    assert len(telegram.texts(SANA)) == 1


def test_a_bad_request_is_not_retried(telegram: Telegram) -> None:
    telegram.say("/whoami")
    telegram.fake.fail_next("sendMessage", status=400, description="Bad Request: chat not found")

    telegram.deliver()
    [row] = rows(telegram)
    assert row.status == "failed"
    assert "chat not found" in (row.last_error or "").lower()


def test_a_person_who_blocked_the_bot_is_reported_to_the_recruiter(telegram: Telegram) -> None:
    telegram.say("/roles", user=OMAR)
    telegram.fake.user_blocked_chats.add(OMAR)
    telegram.deliver()

    first = rows(telegram)[0]
    assert (first.destination, first.status) == (str(OMAR), "failed")
    told = telegram.last(SANA)  # sana recruits for omar's role
    assert told.startswith("⚠️ Unreachable on Telegram\nOmar Farooq cannot be reached")
    assert "blocked by the user" in told

    # more messages to omar die too, but the recruiter is told once a day, not each time
    telegram.say("/help", user=OMAR)
    telegram.deliver()
    assert len(telegram.texts(SANA)) == 1


def test_a_private_reply_to_someone_who_never_started_the_bot(telegram: Telegram) -> None:
    telegram.say('/add senior-backend "Ayesha Khan"')
    telegram.deliver()
    telegram.fake.blocked_chats.add(HINA)
    telegram.say("/show 1", user=HINA, chat=GROUP)  # answered privately, so to hina's chat
    telegram.deliver()

    assert "Hina Baig cannot be reached on Telegram" in telegram.last(SANA)
    assert "about #1" in telegram.last(SANA)
    assert telegram.last(GROUP) == (
        "I could not send Hina Baig a private reply: open a private chat with me and press "
        "Start, then ask again."
    )


def test_strangers_in_the_group_are_told_where_they_asked(telegram: Telegram) -> None:
    telegram.fake.blocked_chats.add(STRANGER)
    telegram.say("/list", user=STRANGER, chat=GROUP)
    telegram.deliver()

    assert telegram.last(GROUP).startswith("I could not send you a private reply")
    assert SANA not in telegram.fake.messages  # nobody to tell about a stranger


def test_a_group_that_removed_the_bot_is_reported(telegram: Telegram) -> None:
    telegram.fake.kicked_chats.add(GROUP)
    telegram.say('/add senior-backend "Ayesha Khan"')
    telegram.deliver()

    card = next(r for r in rows(telegram) if r.kind == "card")
    assert card.status == "failed"
    told = telegram.last(SANA)
    assert f"I cannot post to Senior Backend Engineer's Telegram chat ({GROUP})" in told
    assert "an applicant card about #1 was not delivered" in told


def test_a_card_update_without_a_posted_card_is_posted_anew(telegram: Telegram) -> None:
    telegram.fake.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    telegram.say('/add senior-backend "Ayesha Khan"')  # the card is the first row: it dies
    telegram.deliver()
    telegram.say("/advance 1")
    telegram.deliver()

    assert telegram.texts(GROUP)[0].startswith("#1 Ayesha Khan")
    assert "Stage: Screening" in telegram.texts(GROUP)[0]
    assert not telegram.fake.calls_to("editMessageText")
