"""Delivery's pacing: token buckets from a channel's declared limits, on a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.channels import registry
from bot.clock import FrozenClock
from bot.delivery.pacing import Pacer, later
from bot.domain.channels import UNLIMITED, SendLimits
from bot.environment import Environment

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _group(destination: str) -> bool:
    return destination.startswith("-")


def send(pacer: Pacer, destination: str, kind: str = "message", count: int = 1) -> float:
    """A send through the pacer that comes back at once: 0 (the tokens taken), or the wait."""
    wait = pacer.reserve(destination, kind, count)
    if wait == 0:
        pacer.sent(destination, kind, count)
    return wait


def test_a_conversation_gets_its_burst_then_its_rate_and_others_are_not_held() -> None:
    clock = FrozenClock(START)
    pacer = Pacer(SendLimits(per_conversation=1.0, burst=3), clock)
    assert [send(pacer, "C1") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert send(pacer, "C1") == pytest.approx(1.0)
    assert send(pacer, "C2") == 0.0  # another conversation has its own bucket
    clock.advance(timedelta(seconds=1))
    assert send(pacer, "C1") == 0.0
    assert send(pacer, "C1") == pytest.approx(1.0)


def test_the_overall_rate_and_a_stricter_one_for_groups() -> None:
    clock = FrozenClock(START)
    limits = SendLimits(
        overall=30.0, per_conversation=1.0, per_shared_conversation=20 / 60, is_shared=_group
    )
    pacer = Pacer(limits, clock)
    assert pacer.available() == 1
    assert send(pacer, "1") == 0.0
    assert send(pacer, "2") == pytest.approx(1 / 30)  # the channel's bucket is spent
    assert pacer.available() == 0
    clock.advance(timedelta(seconds=1))
    assert send(pacer, "-100") == 0.0
    clock.advance(timedelta(seconds=1))
    assert send(pacer, "-100") == pytest.approx(2.0)  # 20 a minute: one every 3 s
    assert send(pacer, "1") == 0.0


def test_a_kind_with_a_tier_of_its_own_skips_the_conversation_bucket() -> None:
    clock = FrozenClock(START)
    pacer = Pacer(SendLimits(per_conversation=1.0, per_kind=(("card_update", 0.5),)), clock)
    assert send(pacer, "C1", "card") == 0.0
    assert send(pacer, "C1", "card_update") == 0.0  # the channel's bucket is not asked
    assert send(pacer, "C2", "card_update") == pytest.approx(2.0)  # the method's is spent


def test_a_refusal_empties_the_bucket_for_as_long_as_the_platform_said() -> None:
    clock = FrozenClock(START)
    pacer = Pacer(SendLimits(per_conversation=1.0, burst=3), clock)
    pacer.back_off("C1", "message", 5.0)
    assert send(pacer, "C1") == pytest.approx(5.0)
    clock.advance(timedelta(seconds=5))
    assert send(pacer, "C1") == 0.0


def test_a_bundle_larger_than_the_bucket_goes_when_it_is_full() -> None:
    clock = FrozenClock(START)
    pacer = Pacer(SendLimits(per_conversation=1 / 6, burst=3), clock)
    assert send(pacer, "+1", count=5) == 0.0  # four parts of a long message, say
    assert send(pacer, "+1") == pytest.approx(18.0)  # in debt by two, then one to earn


def test_unlimited_never_waits_and_later_never_rounds_early() -> None:
    pacer = Pacer(UNLIMITED, FrozenClock(START))
    assert all(send(pacer, "x") == 0.0 for _ in range(1000))
    assert pacer.available() is None
    assert later(START, 1 / 30) - START == timedelta(microseconds=33334)


def test_each_channel_declares_limits_a_deployment_can_change() -> None:
    env = Environment.model_validate(
        {
            "SLACK_PER_CHANNEL_PER_SECOND": "20",
            "SLACK_CHANNEL_BURST": "2",
            "TELEGRAM_PER_GROUP_PER_MINUTE": "60",
            "WHATSAPP_PAIR_INTERVAL_SECONDS": "0",
        }
    )
    slack = registry.send_limits("slack", env)
    assert (slack.per_conversation, slack.burst) == (20.0, 2)
    assert slack.kind_rate("card_update") == pytest.approx(50 / 60)  # chat.update, Tier 3
    telegram = registry.send_limits("telegram", env)
    assert telegram.spacing(shared=True) == pytest.approx(1.0)
    assert telegram.is_shared("-1001234")
    assert not telegram.is_shared("1234")
    assert registry.send_limits("whatsapp", env).per_conversation is None
    unset = Environment.model_validate({})
    assert registry.send_limits("telegram", unset).overall == 30.0  # the published figure


def test_a_send_that_came_back_late_counts_as_gone_then_with_those_still_under_way() -> None:
    # The platform counts arrivals: a send whose token was taken at 0 may arrive as late as it
    # came back (0.5 s), and one still under way just before that, so the bucket keeps no more
    # than it would after both had gone at 0.5 s: its burst less two.
    clock = FrozenClock(START)
    pacer = Pacer(SendLimits(per_conversation=10.0, burst=3), clock)
    assert [pacer.reserve("C1") for _ in range(2)] == [0.0, 0.0]
    clock.advance(timedelta(seconds=0.5))  # refilled to 3 by the clock alone
    pacer.sent("C1")
    assert pacer.reserve("C1") == 0.0  # the one token left
    assert pacer.reserve("C1") == pytest.approx(0.1)
    pacer.sent("C1")
    pacer.sent("C1")  # the last one back: nothing under way, nothing more taken
    assert pacer.reserve("C1") == pytest.approx(0.1)


def test_available_counts_what_the_overall_rate_adds_within_a_moment() -> None:
    clock = FrozenClock(START)
    pacer = Pacer(SendLimits(overall=30.0, overall_burst=3), clock)
    assert pacer.available() == 3
    assert pacer.available(within=0.25) == 10  # 3, and 7.5 more by then


def test_no_more_sends_under_way_at_once_than_the_burst() -> None:
    # However far apart their tokens were taken, sends still under way may arrive together.
    clock = FrozenClock(START)
    pacer = Pacer(SendLimits(overall=30.0, overall_burst=3), clock)
    assert [pacer.reserve(str(n)) for n in range(3)] == [0.0, 0.0, 0.0]
    clock.advance(timedelta(seconds=1))  # the bucket full again, the three not back
    assert pacer.reserve("4") == pytest.approx(1 / 30)
    pacer.sent("1")  # back, and the two under way may have arrived with it: the bucket empty
    assert pacer.reserve("4") == pytest.approx(1 / 30)
    clock.advance(later(START, 1 / 30) - START)
    assert pacer.reserve("4") == 0.0
