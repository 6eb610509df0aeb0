"""The work queue's claim (storage/queue.py) is one atomic `UPDATE … RETURNING`: two processes
claiming from one SQLite file at the same time take disjoint rows, and every row is taken."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from bot.bootstrap import Hirebot
from bot.clock import FrozenClock
from bot.runtime.work import RetryPolicy
from tests.helpers import wait_for

ROOT = Path(__file__).resolve().parents[2]

# One claiming process: waits for the go file, then claims 3 at a time until nothing is left.
CLAIMER = textwrap.dedent(
    """
    import json, sys, time
    from datetime import datetime, timedelta, timezone
    from pathlib import Path
    from storage.db import create_db_engine, create_session_factory
    from storage.queue import INBOX
    from storage.unit_of_work import UnitOfWork

    url, name, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    engine = create_db_engine(url)
    sessions = create_session_factory(engine)
    (go.parent / name).touch()  # ready: imported and connected
    deadline = time.monotonic() + 120
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.001)
    now = datetime(2030, 1, 1, tzinfo=timezone.utc)
    mine, empty = [], 0
    while empty < 3 and time.monotonic() < deadline:
        with UnitOfWork(sessions) as uow:
            rows = uow.queue.claim(
                INBOX, now=now, lease_now=now, lease_until=now + timedelta(hours=1),
                holder=name, limit=3,
            )
            uow.commit()
        mine += [r.id for r in rows]
        empty = 0 if rows else empty + 1
    print(json.dumps(mine))
    """
)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_two_processes_claiming_one_sqlite_file_take_disjoint_rows(
    app: Hirebot, tmp_path: Path, database_url: str
) -> None:
    for n in range(300):  # one lane each: the lane rule holds nothing back
        app.inbox.receive("chat", f"ev-{n}", f"lane-{n}", {"n": n})
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMER, database_url, f"claimer-{i}", str(go)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    wait_for(
        lambda: all((tmp_path / f"claimer-{i}").exists() for i in range(2)),
        "both claimers to be ready",
    )
    go.touch()  # both start claiming at once
    claimed = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        claimed.append(json.loads(out))
    first, second = (set(ids) for ids in claimed)
    assert not first & second  # never the same row twice
    assert len(claimed[0]) + len(claimed[1]) == 300
    assert len(first | second) == 300  # and every row once
    assert app.inbox.counts() == {"working": 300}


def test_retry_policy_backs_off_honours_retry_after_and_gives_up(clock: FrozenClock) -> None:
    policy = RetryPolicy(3, first=2.0, cap=5.0)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [2.0, 4.0, 5.0, 5.0]
    assert policy.delay(1, retry_after=30) == 30.0  # the platform said when
    now = clock.now()
    assert policy.next_try(2, now) is not None
    assert policy.next_try(3, now) is None  # out of attempts
    assert policy.next_try(1, now, permanent=True) is None


def test_a_claim_keeps_lane_order_and_counts_an_attempt(app: Hirebot, clock: FrozenClock) -> None:
    for n, lane in enumerate(["alice", "alice", "bob"]):
        app.inbox.receive("chat", f"ev-{n}", lane, {"n": n})
    queue = app.inbox.queue
    first = queue.claim(limit=1)  # alice's first only
    assert [c.lane for c in first] == [("alice",)]
    rest = queue.claim()
    assert [c.lane for c in rest] == [("bob",)]  # alice's second waits behind her first
    assert {c.attempts for c in first + rest} == {1}
    queue.release([first[0].id])
    again = queue.claim()
    assert [(c.id, c.attempts) for c in again] == [(first[0].id, 1), (first[0].id + 1, 1)]
    queue.drop(c.id for c in first + rest + again)


def test_rows_queued_behind_a_waiting_lane_leave_the_claim_to_other_lanes(
    app: Hirebot, clock: FrozenClock
) -> None:
    """A lane whose first row waits (paced, or for a retry) and which keeps getting rows: those
    cannot be claimed until the first goes, so they must not take the claim's places."""
    queue = app.inbox.queue
    app.inbox.receive("chat", "ev-held", "group", {"n": 0})
    held = queue.claim(limit=1)
    queue.release([held[0].id], at=clock.now() + timedelta(minutes=1), lane=held[0].lane)
    queue.drop(c.id for c in held)
    for n in range(1, 4):  # due now, but behind the held row
        app.inbox.receive("chat", f"ev-{n}", "group", {"n": n})
    app.inbox.receive("chat", "ev-answer", "alice", {"n": 4})
    claimed = queue.claim(limit=3)
    assert [c.lane for c in claimed] == [("alice",)]
    queue.done([c.id for c in claimed])
    queue.drop(c.id for c in claimed)
    clock.advance(timedelta(minutes=1))
    later = queue.claim(limit=10)  # once due, the held row leads its lane again, in order
    assert [c.lane for c in later] == [("group",)] * 4
    assert later[0].id == held[0].id
    assert [c.id for c in later] == sorted(c.id for c in later)
    queue.drop(c.id for c in later)
