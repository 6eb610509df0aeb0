"""Delivery keeps within each platform's send limits, through the real server and the real
clients, against fakes that enforce those limits (429 with Retry-After, Telegram's
`retry_after`, WhatsApp's 130429 / 131056).

The limits are set small (tens a second) so that a run is short, and time is the test's: the
hirebot and the fake share one frozen clock, the test runs delivery passes and moves the clock
to the moment the server says held-back rows fall due. So the counts below are exact, whatever
the machine's load: no refusal at the fake, at least 90 % of the allowed rate used (by the
fake's timestamps), and each conversation's messages in the order they were queued.

Telegram's sends also go side by side across chats (the sender's one event loop runs every
delivery thread's send at once), while each chat's stay in order: a fake that holds every
send unanswered shows them at the platform together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.delivery.worker import THREADS
from bot.environment import Environment
from bot.messages.reply import Reply
from bot.runtime.server import Server, build_server
from bot.services import outbox
from bot.services.context import Actor, Context
from tests.fakes.rate_limits import Limit, RateLimits, busiest_second, rate_used
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.helpers import wait_for

ROOM, OTHER_ROOM = "C0PACEDRM", "C0QUIETRM"
GROUP = -1001000000077


def seconds(clock: FrozenClock) -> Callable[[], float]:
    """The fake's time: seconds on the test's clock since the test began."""
    start = clock.now()
    return lambda: (clock.now() - start).total_seconds()


def queue(app: Hirebot, channel: str, destination: str, text: str, *, shared: bool) -> None:
    with app.uow() as uow:
        ctx = Context(uow, app.catalog, app.clock, Actor("system", "test"), "cid", app.channels)
        outbox.enqueue(
            ctx, outbox.Destination(channel, destination, shared=shared), Reply(text=text)
        )
        uow.commit()


def drain(server: Server, clock: FrozenClock, finished: Callable[[], bool]) -> int:
    """Delivery passes until `finished()`, moving the clock to each moment paced rows fall
    due; returns the passes it took."""
    for passes in range(1, 20_000):
        if server.delivery.run_pending() == 0:
            if finished():
                return passes
            wait = server.delivery.next_due()
            assert wait is not None, "nothing sent, nothing held back, and not finished"
            clock.advance(max(timedelta(seconds=wait), timedelta(microseconds=1)))
    raise AssertionError("delivery never finished")


def build(
    database_url: str, config: HirebotConfig, clock: FrozenClock, env: dict[str, str]
) -> tuple[Hirebot, Server]:
    environment = Environment.model_validate({"HIREBOT_DELIVERY_PACING": "on", **env})
    app = bootstrap(config=config, database_url=database_url, clock=clock, env=environment)
    return app, build_server(app, scheduler=False)


@pytest.fixture
def slack_fake(clock: FrozenClock) -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def telegram_fake() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI() as fake:
        yield fake


def test_many_messages_to_one_slack_channel_keep_to_its_rate(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock, slack_fake: FakeSlackAPI
) -> None:
    limits = slack_fake.enforce_limits(per_channel=Limit(rate=20, burst=3), now=seconds(clock))
    app, server = build(
        database_url,
        shipped_config,
        clock,
        {
            "SLACK_BOT_TOKEN": slack_fake.token,
            "SLACK_SIGNING_SECRET": "x" * 32,
            "SLACK_API_URL": slack_fake.base_url,
            "SLACK_PER_CHANNEL_PER_SECOND": "20",
            "SLACK_CHANNEL_BURST": "3",
        },
    )
    try:
        for n in range(60):
            queue(app, "slack", ROOM, f"card {n}", shared=True)
        for n in range(5):
            queue(app, "slack", OTHER_ROOM, f"note {n}", shared=True)
        drain(server, clock, lambda: len(limits.accepted) == 65)
    finally:
        server.runtimes[0].stop()
        app.close()
    assert limits.refused == 0
    room = limits.times(ROOM)
    assert rate_used(room, allowed=20, burst=3) >= 0.9
    assert busiest_second(room) <= 20 + 3
    texts = [m["text"] for m in slack_fake.messages[ROOM]]
    assert texts == [f"card {n}" for n in range(60)]
    # The quiet room went at its own pace (its burst, then 20 a second), not behind the busy
    # one's 60 messages: its last message was out within a tenth of a second.
    assert max(limits.times(OTHER_ROOM)) <= 2 / 20 + 0.001
    assert [m["text"] for m in slack_fake.messages[OTHER_ROOM]] == [f"note {n}" for n in range(5)]


def telegram_env(fake: FakeTelegramAPI, **limits: str) -> dict[str, str]:
    return {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_URL": fake.base_url, **limits}


def sent_texts(fake: FakeTelegramAPI, chat: int) -> list[Any]:
    return [m["text"] for _id, m in sorted(fake.messages.get(chat, {}).items())]


def paced_telegram(
    database_url: str,
    config: HirebotConfig,
    clock: FrozenClock,
    fake: FakeTelegramAPI,
    *,
    per_group_per_minute: int,
) -> tuple[RateLimits, Hirebot, Server]:
    """hirebot and the fake held to the same Telegram limits: 30 a second in all (burst 3),
    20 a second per chat, and the group's rate the test gives."""
    limits = fake.enforce_limits(
        overall=Limit(rate=30, burst=3),
        per_chat=Limit(rate=20),
        per_group=Limit(rate=per_group_per_minute / 60),
        now=seconds(clock),
    )
    app, server = build(
        database_url,
        config,
        clock,
        telegram_env(
            fake,
            TELEGRAM_MESSAGES_PER_SECOND="30",
            TELEGRAM_PER_CHAT_PER_SECOND="20",
            TELEGRAM_PER_GROUP_PER_MINUTE=str(per_group_per_minute),
        ),
    )
    return limits, app, server


def test_messages_to_many_telegram_chats_keep_to_the_overall_rate(
    database_url: str,
    shipped_config: HirebotConfig,
    clock: FrozenClock,
    telegram_fake: FakeTelegramAPI,
) -> None:
    limits, app, server = paced_telegram(
        database_url, shipped_config, clock, telegram_fake, per_group_per_minute=120
    )
    chats = [5000 + n for n in range(60)]
    try:
        for round_ in range(2):
            for chat in chats:
                queue(app, "telegram", str(chat), f"m{round_} to {chat}", shared=False)
        drain(server, clock, lambda: len(limits.accepted) == 120)
    finally:
        server.runtimes[0].stop()
        app.close()
    assert limits.refused == 0
    assert rate_used(limits.times(), allowed=30, burst=3) >= 0.9
    for chat in chats:
        assert sent_texts(telegram_fake, chat) == [f"m0 to {chat}", f"m1 to {chat}"]


def test_a_telegram_group_gets_its_stricter_rate_and_chats_beside_it_are_not_held(
    database_url: str,
    shipped_config: HirebotConfig,
    clock: FrozenClock,
    telegram_fake: FakeTelegramAPI,
) -> None:
    limits, app, server = paced_telegram(
        database_url, shipped_config, clock, telegram_fake, per_group_per_minute=300
    )
    try:
        for n in range(30):
            queue(app, "telegram", str(GROUP), f"group {n}", shared=True)
        for n in range(20):
            queue(app, "telegram", "7001", f"private {n}", shared=False)
        drain(server, clock, lambda: len(limits.accepted) == 50)
    finally:
        server.runtimes[0].stop()
        app.close()
    assert limits.refused == 0
    group = limits.times(str(GROUP))
    assert rate_used(group, allowed=5) >= 0.9
    assert sent_texts(telegram_fake, GROUP) == [f"group {n}" for n in range(30)]
    assert sent_texts(telegram_fake, 7001) == [f"private {n}" for n in range(20)]
    # The private chat went at its own pace (20 a second), not the group's (5).
    private = limits.times("7001")
    assert private[-1] - private[0] <= 20 / 20 + 0.01
    assert group[-1] - group[0] >= 29 / 5 - 0.01


def test_telegram_sends_to_different_chats_are_under_way_together_each_chat_in_order(
    database_url: str,
    shipped_config: HirebotConfig,
    clock: FrozenClock,
    telegram_fake: FakeTelegramAPI,
) -> None:
    app, server = build(
        database_url,
        shipped_config,
        clock,
        {**telegram_env(telegram_fake), "HIREBOT_DELIVERY_PACING": "off"},
    )
    chats = [6000 + n for n in range(THREADS)]
    for round_ in range(2):
        for chat in chats:
            queue(app, "telegram", str(chat), f"m{round_} to {chat}", shared=False)
    held = telegram_fake.hold("sendMessage")
    delivering = threading.Thread(target=server.delivery.run_pending, daemon=True)
    try:
        delivering.start()
        # One send per delivery thread is at the platform, unanswered, at the same time: no
        # chat's send waits for another chat's.
        wait_for(lambda: held.waiting == len(chats), f"{len(chats)} sends under way at once")
    finally:
        held.release()
        delivering.join(60)
        server.runtimes[0].stop()
        app.close()
    assert not delivering.is_alive()
    for chat in chats:
        assert sent_texts(telegram_fake, chat) == [f"m0 to {chat}", f"m1 to {chat}"]
