"""The inbox: events recorded at the door, handled once, in order per lane, retried on failure,
shared between replicas without double handling, and kept across a restart."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import StatementError

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.handlers import inbound_codec
from bot.handlers.inbound import Inbound
from bot.inbox.inbox import KEEP_DONE, KEEP_FAILED, MAX_ATTEMPTS, PURGE_EVERY, Inbox
from bot.runtime.leases import LEASE
from storage.models import Applicant, AuditEvent, InboundEvent, OutboxMessage
from tests.helpers import handle_inbox, wait_for


def recorder(into: list[Any], fail: Callable[[dict[str, Any]], bool] = lambda _: False) -> Any:
    lock = threading.Lock()

    def process(payload: dict[str, Any]) -> None:
        if fail(payload):
            raise RuntimeError(f"cannot handle {payload['n']}")
        with lock:
            into.append(payload["n"])

    return process


def rows(app: Hirebot) -> dict[str, InboundEvent]:
    with app.uow() as uow:
        return {r.key: r for r in uow.session.scalars(select(InboundEvent))}


def test_a_redelivered_event_is_recorded_once(app: Hirebot) -> None:
    woken: list[bool] = []
    app.inbox.on_receive.append(lambda: woken.append(True))
    assert app.inbox.receive("chat", "ev-1", "alice", {"n": 1}) is True
    assert app.inbox.receive("chat", "ev-1", "alice", {"n": 1}) is False
    assert list(rows(app)) == ["ev-1"]
    assert woken == [True]  # only a new event wakes the loop


def test_events_are_handled_once_in_order_and_marked_done(app: Hirebot) -> None:
    seen: list[int] = []
    app.inbox.processors["chat"] = recorder(seen)
    for n in range(30):  # more than one claim batch
        app.inbox.receive("chat", f"ev-{n}", f"lane-{n % 3}", {"n": n})
    assert handle_inbox(app) == 30
    assert seen == list(range(30))
    assert {r.status for r in rows(app).values()} == {"done"}
    assert {str(r.payload) for r in rows(app).values()} == {"{}"}  # what was said is not kept
    assert app.inbox.pending() == 0


def test_a_failure_holds_its_lane_back_retries_and_finally_gives_up(
    app: Hirebot, clock: FrozenClock
) -> None:
    seen: list[int] = []
    app.inbox.processors["chat"] = recorder(seen, fail=lambda p: p["n"] == 1)
    app.inbox.receive("chat", "a1", "alice", {"n": 1})
    app.inbox.receive("chat", "a2", "alice", {"n": 2})
    app.inbox.receive("chat", "b1", "bob", {"n": 3})
    stats = app.inbox.run_pending()
    assert (stats.done, stats.retried, stats.waiting) == (1, 1, 1)
    assert seen == [3]  # bob is not held up by alice's failure; alice's 2 waits for her 1
    assert "cannot handle 1" in (rows(app)["a1"].last_error or "")
    assert app.inbox.run_pending().done == 0  # backing off: nothing due yet
    for _ in range(MAX_ATTEMPTS - 1):
        clock.set(clock.now() + timedelta(minutes=10))
        app.inbox.run_pending()
    app.inbox.run_pending()
    state = rows(app)
    assert state["a1"].status == "failed"
    assert state["a1"].attempts == MAX_ATTEMPTS
    assert state["a2"].status == "done"  # once alice's 1 is given up, her 2 goes on
    assert seen == [3, 2]


def test_an_event_whose_handler_died_is_taken_again_after_its_lease(
    app: Hirebot, clock: FrozenClock
) -> None:
    seen: list[int] = []
    app.inbox.receive("chat", "ev", "alice", {"n": 7})
    claimed = app.inbox._claim()  # a replica claims it, then dies before finishing
    assert [c.id for c in claimed] == [rows(app)["ev"].id]
    app.inbox.leases.drop(c.id for c in claimed)  # dead: its heartbeat renews nothing
    app.inbox.processors["chat"] = recorder(seen)
    assert app.inbox.run_pending().done == 0  # leased to the dead replica
    clock.set(clock.now() + LEASE + timedelta(seconds=1))
    assert app.inbox.run_pending().done == 1
    assert seen == [7]


def test_events_survive_a_restart(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> None:
    def start() -> Hirebot:
        return bootstrap(
            config=shipped_config,
            database_url=database_url,
            clock=clock,
            env=Environment.model_validate({}),
        )

    first = start()
    first.inbox.receive("chat", "ev", "alice", {"n": 1})
    first.close()  # acknowledged, never handled
    second = start()
    try:
        seen: list[int] = []
        second.inbox.processors["chat"] = recorder(seen)
        assert second.inbox.run_pending().done == 1
        assert seen == [1]
    finally:
        second.close()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_replicas_on_postgres_never_handle_the_same_event(app: Hirebot) -> None:
    """Replicas share PostgreSQL; SQLite is the one-process embedded default."""
    seen: list[int] = []
    for n in range(200):
        app.inbox.receive("chat", f"ev-{n}", f"lane-{n % 7}", {"n": n})
    replicas = [Inbox(app.engine, app.uow, app.clock, batch=10) for _ in range(2)]
    for replica in replicas:
        replica.processors["chat"] = recorder(seen)

    def drain(inbox: Inbox) -> None:
        """Passes until every event is handled (by either replica), however slow the machine."""
        deadline = time.monotonic() + 300
        while app.inbox.pending() and time.monotonic() < deadline:
            inbox.run_pending()

    threads = [threading.Thread(target=drain, args=(r,)) for r in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(330)
    assert not any(t.is_alive() for t in threads)
    assert sorted(seen) == list(range(200))  # each exactly once
    for lane in range(7):  # and each lane in order
        mine = [n for n in seen if n % 7 == lane]
        assert mine == sorted(mine)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_lane_waits_behind_an_event_another_replica_has_locked(app: Hirebot) -> None:
    """Another replica's claim, still in its transaction, holds one event of a lane: this
    replica's claim skips it (SKIP LOCKED), so it must not take the lane's later events past
    it either, only those before it."""
    seen: list[int] = []
    for n, lane in enumerate(["alice", "bob", "alice", "alice"]):
        app.inbox.receive("chat", f"ev-{n}", lane, {"n": n})
    app.inbox.processors["chat"] = recorder(seen)
    with app.engine.connect() as other, other.begin():  # the other replica's claim
        other.execute(
            select(InboundEvent.id).where(InboundEvent.key == "ev-2").with_for_update()
        ).all()
        assert app.inbox.run_pending().done == 2
    assert seen == [0, 1]  # not ev-3: alice's ev-2 is before it
    app.inbox.run_pending()
    assert seen == [0, 1, 2, 3]


def test_handled_and_failed_events_are_purged_after_a_while(
    app: Hirebot, clock: FrozenClock
) -> None:
    app.inbox.processors["chat"] = recorder([], fail=lambda p: p["n"] == 0)
    app.inbox.max_attempts = 1
    app.inbox.receive("chat", "failed", "bob", {"n": 0})
    app.inbox.receive("chat", "old", "alice", {"n": 1})
    app.inbox.run_pending()
    assert rows(app)["failed"].status == "failed"
    clock.set(clock.now() + KEEP_DONE + PURGE_EVERY)
    app.inbox.receive("chat", "new", "alice", {"n": 2})
    app.inbox.run_pending()
    assert sorted(rows(app)) == ["failed", "new"]  # a failure is kept longer, to look into
    clock.set(clock.now() + KEEP_FAILED)
    app.inbox.receive("chat", "latest", "alice", {"n": 3})
    app.inbox.run_pending()
    assert list(rows(app)) == ["latest"]


def test_concurrent_receipts_share_a_commit_and_each_learns_if_it_was_new(app: Hirebot) -> None:
    """Group commit (bot/runtime/group_commit.py): requests that arrive while a write is under
    way go in the next one, so 60 receipts cost a few transactions, not 60."""
    app.inbox.receive("chat", "ev-0", "lane", {"n": 0})  # already there: its repeats are not new
    inserts: list[int] = []
    first = threading.Event()
    queue = app.inbox._writer._queue

    def slow_first_insert(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO INBOUND_EVENTS"):
            inserts.append(1)
            if not first.is_set():
                first.set()
                # the first receipt is being written: everyone else queues meanwhile
                wait_for(lambda: len(queue) == 59, "the other 59 receipts to queue")

    event.listen(app.engine, "before_cursor_execute", slow_first_insert)
    results: dict[int, bool] = {}

    def receive(n: int) -> None:
        key = f"ev-{n % 50}"  # 50 keys, 10 of them twice, ev-0 to ev-9 also repeats
        results[n] = app.inbox.receive("chat", key, "lane", {"n": n})

    threads = [threading.Thread(target=receive, args=(n,)) for n in range(60)]
    threads[0].start()
    wait_for(first.is_set, "the first receipt's insert")
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join(120)
    event.remove(app.engine, "before_cursor_execute", slow_first_insert)

    assert len(results) == 60
    assert sum(results.values()) == 49  # ev-1 … ev-49 once each; ev-0 was there before
    assert len(rows(app)) == 50
    assert len(inserts) == 2  # the first receipt alone, then the 59 that queued behind it


def test_receipts_awaited_on_an_event_loop_are_written_together_and_fail_alone(
    app: Hirebot,
) -> None:
    """`receive_async` (the Slack door's, on the server's event loop): the same group commit
    without a thread waiting; each caller learns whether its event was new, and an event that
    cannot be written fails only its own caller."""
    app.inbox.receive("chat", "ev-0", "lane", {"n": 0})
    woken: list[bool] = []
    app.inbox.on_receive.append(lambda: woken.append(True))

    async def receive_all() -> list[bool | BaseException]:
        receipts = [
            app.inbox.receive_async("chat", f"ev-{n % 5}", "lane", {"n": n}) for n in range(20)
        ]
        unwritable = app.inbox.receive_async("chat", "ev-bad", "lane", {"n": object()})
        return await asyncio.gather(*receipts, unwritable, return_exceptions=True)

    *results, bad = asyncio.run(receive_all())
    assert isinstance(bad, StatementError | TypeError)  # not JSON: refused, this one only
    assert results.count(True) == 4  # ev-1 … ev-4 once each; ev-0 was there before
    assert results.count(False) == 16
    assert len(woken) == 4
    assert sorted(rows(app)) == [f"ev-{n}" for n in range(5)]


def test_the_correlation_id_minted_at_the_door_is_kept_and_bound_while_handling(
    app: Hirebot,
) -> None:
    from bot.logging_setup import _correlation

    seen: list[str] = []
    app.inbox.processors["chat"] = lambda _payload: seen.append(_correlation.get())
    app.inbox.receive("chat", "given", "alice", {"n": 1}, correlation_id="door0123")
    app.inbox.receive("chat", "minted", "bob", {"n": 2})
    stored = {k: r.correlation_id for k, r in rows(app).items()}
    assert stored["given"] == "door0123"
    assert stored["minted"] not in (None, "", "door0123")
    assert handle_inbox(app) == 2
    assert seen == ["door0123", stored["minted"]]


def test_an_inbound_is_stored_and_read_back_by_one_codec() -> None:
    from bot.handlers import inbound_codec
    from bot.handlers.dispatcher import ActionEvent, Inbound

    clicked = Inbound(
        "slack",
        "U1",
        "C1",
        action=ActionEvent("advance", "12:screening", "<@U2> *bold*"),
        dedup_key="trigger-1",
        shared_conversation=True,
        correlation_id="abc",
    )
    typed = Inbound("slack", "U1", "D1", text="show 12")
    for inbound in (clicked, typed):
        assert inbound_codec.load(inbound_codec.dump(inbound)) == inbound
    with pytest.raises(ValueError, match="user_ref"):
        inbound_codec.load({"channel": "slack", "conversation": "C1"})


def through_the_dispatcher(app: Hirebot) -> Any:
    """A processor as the channels' are: the recorded command goes to the dispatcher."""

    def process(payload: dict[str, Any]) -> None:
        app.dispatcher.handle(inbound_codec.load(payload["inbound"]))

    return process


def command(app: Hirebot, key: str, text: str) -> None:
    inbound = Inbound("console", "sana", "console:sana", text=text, dedup_key=key)
    app.inbox.receive("console", key, "sana", {"inbound": inbound_codec.dump(inbound)})


def test_an_event_is_marked_done_in_the_transaction_of_its_handling(app: Hirebot) -> None:
    """No commit between the command's effects and its done mark: a process killed between
    the two cannot leave an event handled but not done (handled again) or done but not
    handled (lost)."""
    app.inbox.processors["console"] = through_the_dispatcher(app)
    command(app, "ev-add", 'add senior-backend "Ayesha Khan" email=ayesha@example.com')
    seen: list[str] = []

    def on_statement(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        seen.append(" ".join(statement.split()))

    def on_commit(_conn: Any) -> None:
        seen.append("COMMIT")

    event.listen(app.engine, "before_cursor_execute", on_statement)
    event.listen(app.engine, "commit", on_commit)
    try:
        assert app.inbox.run_pending().done == 1
    finally:
        event.remove(app.engine, "before_cursor_execute", on_statement)
        event.remove(app.engine, "commit", on_commit)
    effect = next(i for i, s in enumerate(seen) if s.startswith("INSERT INTO applicants"))
    done = next(
        i for i, s in enumerate(seen) if s.startswith("UPDATE inbound_events") and "done_at" in s
    )
    assert effect < done
    assert "COMMIT" not in seen[effect:done], seen
    assert seen[done + 1] == "COMMIT", seen
    assert rows(app)["ev-add"].status == "done"


def test_a_refused_command_in_a_batch_undoes_only_its_own_work(app: Hirebot) -> None:
    """One pass, one session: a command that fails rolls back its own changes only; the
    events before and after it keep theirs, and all three are done, the refusal answered."""
    app.inbox.processors["console"] = through_the_dispatcher(app)
    command(app, "ok-1", 'add senior-backend "Ayesha Khan" email=ayesha@example.com')
    command(app, "refused", 'add no-such-role "Bo Chen"')
    command(app, "ok-2", 'add senior-backend "Carl Diaz" email=carl@example.com')
    assert app.inbox.run_pending().done == 3
    assert {k: r.status for k, r in rows(app).items()} == {
        "ok-1": "done",
        "refused": "done",
        "ok-2": "done",
    }
    with app.uow() as uow:
        names = sorted(a.name for a in uow.session.scalars(select(Applicant)))
        summaries = [
            e.summary for e in uow.session.scalars(select(AuditEvent)) if e.direction == "in"
        ]
        answered = uow.session.scalar(
            select(func.count()).where(OutboxMessage.destination == "console:sana")
        )
    assert names == ["Ayesha Khan", "Carl Diaz"]
    assert len(summaries) == 3
    assert sum("[refused]" in s for s in summaries) == 1
    assert answered == 3  # each answered, the refusal too (the two cards go elsewhere)
