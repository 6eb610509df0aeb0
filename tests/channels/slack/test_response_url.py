"""An answer to a slash command is never dropped: a response_url that fails is tried again with
backoff, and what still cannot be posted there goes to the asker's DM through the outbox."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from bot.clock import FrozenClock
from storage.models import OutboxMessage
from tests.channels.slack.harness import SANA, Slack, new_trigger, text_of
from tests.helpers import handle_inbox


def fast_retries(slack: Slack) -> None:
    """The responder's backoff, kept short for the test (the real one is seconds long)."""
    slack.runtime.bridge.responder.retry_delays = (0.01, 0.02, 0.04, 0.08, 0.16)


def wait_for_statuses(slack: Slack, wanted: list[tuple[str, str, str | None]]) -> None:
    """Wait (generously) for the outbox rows to reach `wanted`: the responder is a thread."""
    deadline = time.monotonic() + 30
    while (found := statuses(slack)) != wanted:
        assert time.monotonic() < deadline, found
        time.sleep(0.02)


def statuses(slack: Slack) -> list[tuple[str, str, str | None]]:
    with slack.hirebot.uow() as uow:
        rows = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "message").order_by(OutboxMessage.id)
        ).all()
        return [(r.status, r.destination, r.ephemeral_to) for r in rows]


def test_an_answer_is_delivered_on_retry_after_a_server_error(
    slack: Slack, clock: FrozenClock
) -> None:
    fast_retries(slack)
    slack.api.fail_next("response_url", status=500, times=2)
    trigger = new_trigger()

    slack.command("whoami", trigger_id=trigger)

    posts = slack.answers(f"cmd-{trigger}")
    assert [p.status for p in posts] == [500, 500, 200]
    assert "Sana Mirza" in text_of(posts[-1].params)
    # While retrying, the answer waited in the outbox for the DM; posted, that row is taken
    # back (an answer given inline is no row at all).
    assert statuses(slack) == []
    clock.advance(timedelta(minutes=3))  # past the lease
    slack.deliver()
    assert slack.api.calls_to("chat.postMessage") == []  # nothing went twice


def test_an_answer_goes_to_the_askers_dm_when_the_response_url_keeps_failing(
    slack: Slack,
) -> None:
    fast_retries(slack)
    slack.api.fail_next("response_url", status=503, times=100)
    trigger = new_trigger()

    slack.command("whoami", trigger_id=trigger)

    posts = slack.answers(f"cmd-{trigger}")
    assert [p.status for p in posts] == [503] * 6  # the first try and five retries
    assert statuses(slack) == [("pending", SANA, None)]  # the outbox has it: survives a restart
    assert slack.deliver() == 1
    [dm] = slack.api.calls_to("chat.postMessage")
    assert dm.params["channel"] == SANA
    assert "Sana Mirza" in text_of(dm.params)
    assert statuses(slack) == [("done", SANA, None)]


def test_personal_data_for_the_asker_stays_private_when_it_falls_back(slack: Slack) -> None:
    fast_retries(slack)
    slack.command("add senior-backend Ayesha email=ayesha@example.com")
    slack.api.fail_next("response_url", status=500, times=100)
    trigger = new_trigger()

    slack.command("show 1", trigger_id=trigger)  # in the shared channel, ephemeral there

    slack.deliver()
    [dm] = [c for c in slack.api.calls_to("chat.postMessage") if c.params["channel"] == SANA]
    assert "ayesha@example.com" in text_of(dm.params)  # a DM is private
    posted_to_channel = [m for m in slack.posted() if "ayesha@example.com" in text_of(m)]
    assert posted_to_channel == []


def test_a_refused_post_is_not_retried_and_goes_by_dm(slack: Slack) -> None:
    fast_retries(slack)
    trigger = new_trigger()
    slack.api.expire(f"cmd-{trigger}")  # Slack says 404 expired_url: no retry can fix that

    slack.command("whoami", trigger_id=trigger)

    assert [p.status for p in slack.answers(f"cmd-{trigger}")] == [404]
    slack.deliver()
    [dm] = slack.api.calls_to("chat.postMessage")
    assert dm.params["channel"] == SANA
    assert "Sana Mirza" in text_of(dm.params)


def test_an_answer_handled_after_the_response_url_expired_goes_by_dm(
    slack: Slack, clock: FrozenClock
) -> None:
    trigger = new_trigger()
    slack.command("whoami", trigger_id=trigger, process=False)
    clock.advance(timedelta(minutes=31))  # a backlog: handled after Slack's 30 minutes

    slack.process()

    assert slack.answers(f"cmd-{trigger}") == []  # the URL is not tried
    slack.deliver()
    [dm] = slack.api.calls_to("chat.postMessage")
    assert dm.params["channel"] == SANA
    assert "Sana Mirza" in text_of(dm.params)


def test_stopping_sends_answers_waiting_for_a_retry_by_dm(slack: Slack) -> None:
    slack.runtime.bridge.responder.retry_delays = (600.0,)  # a retry that stopping cuts short
    slack.api.fail_next("response_url", status=500, times=1)
    slack.command("whoami", process=False)
    assert handle_inbox(slack.hirebot) == 1
    slack.api.wait_for("response_url", 1, timeout=30)

    slack.runtime.stop()  # what `hirebot serve` does on SIGTERM

    assert statuses(slack) == [("pending", SANA, None)]
    assert slack.deliver() == 1
    [dm] = slack.api.calls_to("chat.postMessage")
    assert "Sana Mirza" in text_of(dm.params)


def test_an_answer_waiting_for_a_retry_survives_the_process_being_killed(
    slack: Slack, clock: FrozenClock
) -> None:
    slack.runtime.bridge.responder.retry_delays = (600.0,)  # this process never retries again
    slack.api.fail_next("response_url", status=502, times=1)
    slack.command("whoami", process=False)
    assert handle_inbox(slack.hirebot) == 1

    # The answer is already in the outbox for the DM, held for the retry's lease.
    wait_for_statuses(slack, [("pending", SANA, None)])
    assert slack.server.delivery.run_pending() == 0  # not while this process may still retry
    # Killed here: a restarted process's delivery worker finds it once the lease is over.
    clock.advance(timedelta(minutes=3))
    assert slack.server.delivery.run_pending() == 1
    [dm] = slack.api.calls_to("chat.postMessage")
    assert dm.params["channel"] == SANA
    assert "Sana Mirza" in text_of(dm.params)


def test_answers_share_one_kept_alive_connection(slack: Slack) -> None:
    for _ in range(3):
        assert slack.ask("roles")
    assert len(slack.api.response_url_peers) == 3
    assert len(set(slack.api.response_url_peers)) == 1  # no new connection per answer


def test_cards_share_one_kept_alive_connection(slack: Slack) -> None:
    """The delivery worker's Web API calls reuse one connection (slack_sdk's pooled client,
    bot/channels/slack/kept_alive.py), not a new one per message as urllib opens."""
    for name in ("Ayesha Khan", "Bo Chen", "Carl Diaz"):
        slack.ask(f'add senior-backend "{name}"')
        slack.deliver()
    posts = slack.api.calls_to("chat.postMessage")
    assert len(posts) == 3
    assert len({call.peer for call in posts}) == 1, [call.peer for call in posts]
