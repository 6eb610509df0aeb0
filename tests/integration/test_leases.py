"""Leases on claimed work (bot/runtime/leases.py): renewed while a handler runs, taken back at
start-up only from processes that have ended, and on the process's clock whatever instant a run acts
as of."""

from __future__ import annotations

import os
import subprocess
import threading
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import select, update

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.runtime.leases import LEASE, holder_is_gone, worker_id
from bot.services.context import Context
from storage.models import InboundEvent, ScheduledTask
from tests.helpers import wait_for

T = TypeVar("T")


def events(app: Hirebot) -> dict[str, InboundEvent]:
    with app.uow() as uow:
        return {e.key: e for e in uow.session.scalars(select(InboundEvent))}


def ended_pid() -> int:
    """The pid of a process that has run and been reaped."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_long_handler_keeps_its_events_past_the_lease(
    app: Hirebot, clock: FrozenClock, database_url: str, shipped_config: HirebotConfig
) -> None:
    app.inbox.leases.heartbeat = 0.1  # renew often: the test waits for a renewal
    started, finish = threading.Event(), threading.Event()

    def slow(payload: dict[str, Any]) -> None:
        started.set()
        assert finish.wait(60)

    app.inbox.processors["chat"] = slow
    app.inbox.receive("chat", "first", "alice", {"n": 1})
    app.inbox.receive("chat", "second", "alice", {"n": 2})  # the same person, right after
    worker = threading.Thread(target=app.inbox.run_pending)
    worker.start()
    replica = bootstrap(
        config=shipped_config,
        database_url=database_url,
        clock=clock,
        env=Environment.model_validate({}),
    )
    try:
        assert started.wait(30)
        clock.advance(LEASE * 3)  # long past the lease the claim took
        wait_for(
            lambda: events(app)["first"].next_attempt_at > clock.now(),
            "the heartbeat to renew the lease",
        )
        seen: list[dict[str, Any]] = []
        replica.inbox.processors["chat"] = seen.append

        assert replica.inbox.run_pending().done == 0  # still in the first one's hands
        finish.set()
        worker.join(120)
        assert not worker.is_alive()
        assert {k: e.status for k, e in events(app).items()} == {
            "first": "done",
            "second": "done",
        }
        assert seen == []
    finally:
        finish.set()
        worker.join(30)
        replica.close()


def test_start_up_takes_back_only_the_work_of_ended_processes_of_this_machine(
    app: Hirebot,
) -> None:
    machine, pid, _token = worker_id().rsplit(":", 2)
    holders = {
        "ended here": f"{machine}:{ended_pid()}:0badc0de",
        "our pid, an earlier process": f"{machine}:{pid}:0badc0de",
        "running here": f"{machine}:{os.getppid()}:0badc0de",
        "another machine": f"elsewhere@4026531836:{ended_pid()}:0badc0de",
        "unreadable": "not a worker id",
    }
    for lane in holders:
        app.inbox.receive("chat", lane, lane, {})
    claimed = app.inbox._claim()
    app.inbox.leases.drop(c.id for c in claimed)  # held by the processes named below instead
    with app.uow() as uow:
        for lane, holder in holders.items():
            uow.session.execute(
                update(InboundEvent).where(InboundEvent.lane == lane).values(claimed_by=holder)
            )
        uow.commit()

    assert app.inbox.leases.recover() == 2

    status = {k: e.status for k, e in events(app).items()}
    assert status == {
        "ended here": "pending",
        "our pid, an earlier process": "pending",
        "running here": "working",
        "another machine": "working",
        "unreadable": "working",
    }
    assert not holder_is_gone(worker_id())  # never ourselves


def running_task(app: Hirebot, clock: FrozenClock, kind: str, subject: str, holder: str) -> None:
    """A task a runner (`holder`) claimed a moment ago: running, its lease still on."""
    with app.uow() as uow:
        uow.session.add(
            ScheduledTask(
                kind=kind,
                subject=subject,
                key=f"{kind}:{subject}",
                due_at=clock.now(),
                status="working",
                attempts=1,
                lease_until=clock.now() + LEASE,
                claimed_by=holder,
                created_at=clock.now(),
            )
        )
        uow.commit()


def test_a_run_as_of_a_later_instant_leaves_a_live_runner_s_tasks_alone(
    app: Hirebot, clock: FrozenClock
) -> None:
    # its runner is alive and renewing, on another machine
    running_task(app, clock, "interview.prep", "interview:1", f"elsewhere@1:{ended_pid()}:0badc0de")

    report = app.tasks.run_due(clock.now() + timedelta(days=365))

    assert "interview.prep" not in report.ran + report.failed
    with app.uow() as uow:
        task = uow.session.scalars(
            select(ScheduledTask).where(ScheduledTask.subject == "interview:1")
        ).one()
    assert (task.status, task.attempts) == ("working", 1)


def test_a_task_a_killed_process_left_running_runs_again_once_taken_back(
    app: Hirebot, clock: FrozenClock
) -> None:
    machine = worker_id().rsplit(":", 2)[0]
    ran: list[str] = []

    def work(ctx: Context, task: ScheduledTask) -> str:
        ran.append(task.subject)
        return "ok"

    app.tasks.register("test.work", work)
    running_task(app, clock, "test.work", "item:1", f"{machine}:{ended_pid()}:0badc0de")
    assert app.tasks.run_due(clock.now()).ran["test.work"] == 0  # its lease still runs

    assert app.tasks.leases.recover() == 1
    assert app.tasks.run_due(clock.now()).ran["test.work"] == 1
    assert ran == ["item:1"]
