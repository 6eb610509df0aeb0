"""What the webhook stores in the inbox: the translated `Inbound` in the codec's form (as
every channel stores it), the correlation id minted at the door, one id in the logs from the
webhook to the delivered reply, and raw updates recorded by an earlier version still handled."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.handlers import inbound_codec
from bot.logging_setup import CorrelationFilter
from storage.models import InboundEvent, OutboxMessage
from tests.channels.telegram.conftest import GROUP, SANA, SECRET, Telegram
from tests.channels.telegram.test_webhook import add_ayesha
from tests.fakes.telegram_api import callback_update, message_update

HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


def events(telegram: Telegram) -> list[InboundEvent]:
    with telegram.hirebot.uow() as uow:
        return list(uow.session.scalars(select(InboundEvent).order_by(InboundEvent.id)))


def replies(telegram: Telegram) -> list[OutboxMessage]:
    with telegram.hirebot.uow() as uow:
        return list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(CorrelationFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def kept() -> Iterator[_Kept]:
    """Every bot.* log record, with the correlation id bound when it was written."""
    handler, logger = _Kept(), logging.getLogger("bot")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_the_inbox_holds_the_translated_event_with_the_doors_correlation_id(
    telegram: Telegram,
) -> None:
    update = message_update(41, from_id=SANA, chat_id=SANA, text="/roles")
    assert telegram.client.post("/telegram/webhook", json=update, headers=HEADERS).is_success

    [row] = events(telegram)
    assert set(row.payload) == {"inbound"}  # no raw update: what the core needs, only
    inbound = inbound_codec.load(row.payload["inbound"])
    assert (inbound.channel, inbound.user_ref, inbound.conversation) == ("telegram", "1001", "1001")
    assert (inbound.text, inbound.dedup_key) == ("/roles", "telegram:41")
    assert inbound.correlation_id == row.correlation_id
    assert row.key == "telegram:update:41"
    assert row.lane == f"telegram:{SANA}"

    telegram.process()
    telegram.deliver()
    [reply] = replies(telegram)
    assert reply.correlation_id == row.correlation_id  # the reply's delivery logs say it too
    assert "senior-backend" in telegram.last(SANA)


def test_a_tap_is_stored_with_its_callback_query_answered_after_handling(
    telegram: Telegram,
) -> None:
    add_ayesha(telegram)
    tap = callback_update(
        42,
        from_id=SANA,
        chat_id=GROUP,
        message_id=1,
        data="a:advance:1:applied",
        chat_type="supergroup",
        query_id="q-42",
    )
    assert telegram.client.post("/telegram/webhook", json=tap, headers=HEADERS).is_success
    stored = events(telegram)[-1].payload
    assert stored["callback_query_id"] == "q-42"
    action = inbound_codec.load(stored["inbound"]).action
    assert action is not None
    assert (action.id, action.value) == ("advance", "1:applied")
    assert telegram.fake.calls_to("answerCallbackQuery") == []  # not before the core ran

    telegram.process()
    [answer] = telegram.fake.wait_for("answerCallbackQuery")
    assert answer.params["callback_query_id"] == "q-42"


def test_one_correlation_id_from_the_webhook_to_the_delivered_reply(
    telegram: Telegram, kept: _Kept
) -> None:
    telegram.say("/roles")
    telegram.deliver()

    [row] = events(telegram)
    mine = [r for r in kept.records if getattr(r, "correlation_id", "-") != "-"]
    where = {r.name for r in mine}
    # recorded at the door, handled by the core, sent by the delivery worker
    assert {"bot.inbox.inbox", "bot.handlers.dispatcher", "bot.delivery.worker"} <= where
    assert {r.correlation_id for r in mine} == {row.correlation_id}  # type: ignore[attr-defined]


def test_a_raw_update_recorded_before_the_upgrade_is_still_handled(
    telegram: Telegram, kept: _Kept
) -> None:
    """The transition: rows an earlier version wrote hold the raw update."""
    raw = message_update(43, from_id=SANA, chat_id=SANA, text="/roles")
    assert telegram.hirebot.inbox.receive(
        "telegram", "telegram:update:43", f"telegram:{SANA}", raw, correlation_id="earlier-0001"
    )
    assert telegram.process() == 1
    telegram.deliver()

    assert "senior-backend" in telegram.last(SANA)
    [reply] = replies(telegram)
    assert reply.correlation_id == "earlier-0001"
    handled = [r for r in kept.records if r.name == "bot.handlers.dispatcher"]
    assert handled
    assert {r.correlation_id for r in handled} == {"earlier-0001"}  # type: ignore[attr-defined]
