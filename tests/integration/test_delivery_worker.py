"""The delivery worker against a recording sender (a fake of our own Sender port)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import Hirebot
from bot.clock import Clock, FrozenClock, ShiftedClock, SystemClock
from bot.delivery.sender import DeliveryError, OutgoingMessage
from bot.delivery.worker import HOLD, MAX_ATTEMPTS, DeliveryWorker
from bot.domain.channels import SendLimits
from bot.messages.reply import Reply
from bot.services import outbox
from bot.services.context import Actor, Context
from storage.models import CardPost, OutboxMessage


@dataclass
class RecordingSender:
    channel: str = "chat"
    sent: list[OutgoingMessage] = field(default_factory=list)
    failures: list[DeliveryError] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: OutgoingMessage) -> str | None:
        with self.lock:
            if self.failures:
                raise self.failures.pop(0)
            self.sent.append(message)
            return f"ref-{message.id}"


def queue(app: Hirebot, destination: str, text: str, **kwargs: object) -> int:
    with app.uow() as uow:
        ctx = Context(uow, app.catalog, app.clock, Actor("system", "test"), "cid", app.channels)
        row = outbox.enqueue(
            ctx,
            outbox.Destination("chat", destination, shared=True),
            Reply(text=text, private=False),
            **kwargs,  # type: ignore[arg-type]
        )
        uow.commit()
        return row.id


def statuses(app: Hirebot) -> dict[int, str]:
    with app.uow() as uow:
        return {r.id: r.status for r in uow.session.scalars(select(OutboxMessage))}


def test_messages_go_out_in_order_and_once(app: Hirebot) -> None:
    sender = RecordingSender()
    worker = DeliveryWorker(app.uow, sender, app.clock)
    ids = [queue(app, "room", f"m{n}") for n in range(5)]
    assert worker.run_once().done == 5
    assert worker.run_once().done == 0
    assert [m.reply.text for m in sender.sent] == ["m0", "m1", "m2", "m3", "m4"]
    assert set(statuses(app).values()) == {"done"}
    assert [m.id for m in sender.sent] == ids


def test_rate_limit_holds_the_conversation_and_honours_retry_after(
    app: Hirebot, clock: FrozenClock
) -> None:
    sender = RecordingSender(failures=[DeliveryError("429", retry_after=30)])
    worker = DeliveryWorker(app.uow, sender, clock)
    queue(app, "room", "first")
    queue(app, "room", "second")
    queue(app, "other", "elsewhere")
    stats = worker.run_once()
    assert (stats.done, stats.retried, stats.waiting) == (1, 1, 1)
    assert [m.reply.text for m in sender.sent] == ["elsewhere"]
    clock.advance(timedelta(seconds=29))
    assert worker.run_once().done == 0  # still waiting: second must not overtake first
    clock.advance(timedelta(seconds=1))
    assert worker.run_once().done == 2
    assert [m.reply.text for m in sender.sent] == ["elsewhere", "first", "second"]


def test_permanent_failures_and_exhausted_retries_are_dead(
    app: Hirebot, clock: FrozenClock
) -> None:
    sender = RecordingSender(failures=[DeliveryError("channel_not_found", retryable=False)])
    worker = DeliveryWorker(app.uow, sender, clock)
    dead = queue(app, "gone", "x")
    worker.run_once()
    assert statuses(app)[dead] == "failed"

    sender.failures = [DeliveryError("503") for _ in range(MAX_ATTEMPTS)]
    flaky = queue(app, "flaky", "y")
    for _ in range(MAX_ATTEMPTS):
        clock.advance(timedelta(hours=1))
        worker.run_once()
    with app.uow() as uow:
        row = uow.session.get(OutboxMessage, flaky)
        assert row is not None
        assert row.status == "failed"
        assert row.attempts == MAX_ATTEMPTS
        assert row.last_error == "503"


def test_card_refs_are_remembered_for_edits_and_threads(app: Hirebot) -> None:
    sender = RecordingSender()
    worker = DeliveryWorker(app.uow, sender, app.clock)
    card = queue(app, "room", "card", kind="card", card_key="applicant:1")
    queue(app, "room", "card v2", kind="card_update", card_key="applicant:1")
    queue(app, "room", "moved", thread_card_key="applicant:1")
    worker.run_once()
    update, thread = sender.sent[1], sender.sent[2]
    assert update.card_ref == f"ref-{card}"
    assert thread.card_ref == f"ref-{card}"
    with app.uow() as uow:
        post = uow.session.scalars(select(CardPost)).one()
        assert post.message_ref == f"ref-{card}"


def test_an_expired_lease_is_claimed_again(app: Hirebot, clock: FrozenClock) -> None:
    row_id = queue(app, "room", "x")
    with app.uow() as uow:
        row = uow.session.get(OutboxMessage, row_id)
        assert row is not None
        row.status, row.next_attempt_at = "working", clock.now() + timedelta(seconds=60)
        uow.commit()
    sender = RecordingSender()
    worker = DeliveryWorker(app.uow, sender, clock)
    assert worker.run_once().done == 0
    clock.advance(timedelta(seconds=61))
    assert worker.run_once().done == 1


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_workers_on_postgres_never_send_a_row_twice(app: Hirebot) -> None:
    for n in range(120):
        queue(app, f"room-{n % 12}", f"m{n}")
    sender = RecordingSender()
    workers = [DeliveryWorker(app.uow, sender, app.clock, batch=7) for _ in range(2)]
    barrier = threading.Barrier(2)

    def drain(worker: DeliveryWorker) -> None:
        """Passes until every row is sent (by either worker), however slow the machine."""
        barrier.wait()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if worker.run_once().done == 0 and all(s == "done" for s in statuses(app).values()):
                return

    threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(330)
    assert not any(t.is_alive() for t in threads)
    ids = [m.id for m in sender.sent]
    assert len(ids) == 120
    assert len(set(ids)) == 120
    for room in range(12):
        texts = [int(m.reply.text[1:]) for m in sender.sent if m.destination == f"room-{room}"]
        assert texts == sorted(texts)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_conversation_waits_behind_a_message_another_worker_has_locked(app: Hirebot) -> None:
    """Another worker's claim, still in its transaction, holds one message of a conversation:
    this worker's claim skips it (SKIP LOCKED), so it must not send the later ones past it."""
    sender = RecordingSender()
    worker = DeliveryWorker(app.uow, sender, app.clock)
    ids = [
        queue(app, room, text) for room, text in [("room", "m0"), ("room", "m1"), ("room", "m2")]
    ]
    with app.engine.connect() as other, other.begin():  # the other worker's claim
        other.execute(
            select(OutboxMessage.id).where(OutboxMessage.id == ids[1]).with_for_update()
        ).all()
        assert worker.run_once().done == 1
    assert [m.reply.text for m in sender.sent] == ["m0"]  # not m2: m1 is before it
    assert worker.run_once().done == 2
    assert [m.reply.text for m in sender.sent] == ["m0", "m1", "m2"]


def test_personal_data_is_refused_for_a_shared_destination(app: Hirebot) -> None:
    from bot.messages.reply import Field
    from bot.services.outbox import PrivacyViolation

    contact = Reply(text="x", fields=[Field(label="Email", value="a@example.com", private=True)])
    with app.uow() as uow:
        ctx = Context(uow, app.catalog, app.clock, Actor("system", "test"), "cid", app.channels)
        with pytest.raises(PrivacyViolation):
            outbox.enqueue(ctx, outbox.Destination("chat", "#team", shared=True), contact)
        # the same reply is fine privately, or ephemerally to one person in a shared channel
        outbox.enqueue(ctx, outbox.Destination("chat", "U1", shared=False), contact)
        outbox.enqueue(
            ctx, outbox.Destination("chat", "#team", shared=True, ephemeral_to="U1"), contact
        )


def attempts(app: Hirebot) -> dict[int, int]:
    with app.uow() as uow:
        return {r.id: r.attempts for r in uow.session.scalars(select(OutboxMessage))}


def test_pacing_holds_a_busy_conversation_back_without_spending_attempts(
    app: Hirebot, clock: FrozenClock
) -> None:
    sender = RecordingSender()
    limits = SendLimits(per_conversation=1.0, burst=2)
    worker = DeliveryWorker(app.uow, sender, clock, limits=limits)
    busy = [queue(app, "busy", f"b{n}") for n in range(5)]
    quiet = queue(app, "quiet", "q0")
    stats = worker.run_once()
    assert stats.done == 3
    assert stats.waiting == 3
    assert stats.next_due == clock.now() + timedelta(seconds=1)
    assert quiet in {m.id for m in sender.sent}
    assert {attempts(app)[i] for i in busy[2:]} == {0}  # handed back, no attempt spent
    assert worker.run_once().done == 0  # nothing is due before the bucket refills
    for _ in range(3):
        clock.advance(timedelta(seconds=1))
        assert worker.run_once().done == 1
    assert [m.reply.text for m in sender.sent if m.destination == "busy"] == [
        f"b{n}" for n in range(5)
    ]
    assert set(statuses(app).values()) == {"done"}


def test_a_rate_limit_answer_slows_the_conversation_bucket(
    app: Hirebot, clock: FrozenClock
) -> None:
    sender = RecordingSender(failures=[DeliveryError("429", retry_after=10, rate_limited=True)])
    worker = DeliveryWorker(app.uow, sender, clock, limits=SendLimits(per_conversation=5.0))
    queue(app, "room", "m0")
    assert worker.run_once().retried == 1
    clock.advance(timedelta(seconds=10))
    assert worker.run_once().done == 1  # the retry-after and the emptied bucket agree


def test_conversations_are_sent_side_by_side(app: Hirebot) -> None:
    """Two conversations' sends overlap: each blocks until the other has started."""
    both = threading.Barrier(2, timeout=30)

    @dataclass
    class MeetingSender(RecordingSender):
        def send(self, message: OutgoingMessage) -> str | None:
            both.wait()  # would time out (BrokenBarrierError, the row retried) if serial
            return super().send(message)

    sender = MeetingSender()
    worker = DeliveryWorker(app.uow, sender, app.clock, threads=2)
    queue(app, "a", "a0")
    queue(app, "b", "b0")
    assert worker.run_once().done == 2
    worker.close()


def test_paced_sends_are_waited_out_in_place_only_on_a_clock_that_runs(app: Hirebot) -> None:
    """A wait of a fraction of a second is spent in place on the system clock or one shifted
    from it (a rehearsal), never on a frozen one, where it would never end as the clock sees
    it."""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    frozen = FrozenClock(start)
    running: dict[str, Clock] = {
        "system": SystemClock(),
        "shifted from the system": ShiftedClock(start),
    }
    for name, clock in running.items():
        assert DeliveryWorker(app.uow, RecordingSender(), clock).hold == HOLD, name
    for clock in (frozen, ShiftedClock(start, base=frozen)):
        assert DeliveryWorker(app.uow, RecordingSender(), clock).hold == 0.0
