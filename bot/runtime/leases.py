"""Leases on claimed work: the one heartbeat of the work queue (bot/runtime/work.py), for the
inbox, outbox delivery and the scheduled-task runner alike.

A claimed row carries who holds it (`claimed_by`, this process's worker id) and until when
(a short lease, LEASE). While a handler runs, a heartbeat thread pushes the lease of every row
the process still holds forward every HEARTBEAT, so a long handler keeps its rows and a dead
process loses them within one lease: another replica then takes them again.

A process that was killed (`kill -9`, the OOM killer, a power cut) cannot say it is gone, and
waiting out its lease would hold each person's later events behind the ones it was handling.
So on start-up a process hands back at once the rows held by a process of its own machine that
no longer runs (`recover`). "Its own machine" is the same host name and the same PID namespace:
a pid is only meaningful there, so a replica on another machine, or in another container, is
never judged by a pid, and its rows are only taken when their lease runs out.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from bot.clock import Clock
from storage.queue import QueueTable
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=20)
HEARTBEAT = 5.0  # seconds between renewals: four chances per lease, for a loaded machine

_ME: tuple[int, str] | None = None


def _machine() -> str:
    """The host name and PID namespace: where a pid names one process."""
    try:
        namespace = os.readlink("/proc/self/ns/pid").removeprefix("pid:").strip("[]")
    except OSError:
        namespace = "-"
    return f"{socket.gethostname()[:60]}@{namespace}"


def worker_id() -> str:
    """This process: machine, pid and a token drawn at start (a reused pid is another process)."""
    global _ME
    pid = os.getpid()
    if _ME is None or _ME[0] != pid:  # drawn again in a forked child
        _ME = (pid, f"{_machine()}:{pid}:{uuid.uuid4().hex[:8]}")
    return _ME[1]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it runs
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except (OSError, IndexError):
        return True


def holder_is_gone(holder: str, me: str | None = None) -> bool:
    """True only when `holder` is certainly a process that has ended: same machine as us, and
    its pid runs no process, or the pid is ours but the token is not (we reuse its pid)."""
    me = me or worker_id()
    try:
        machine, pid_text, token = holder.rsplit(":", 2)
        my_machine, my_pid, my_token = me.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if machine != my_machine:
        return False
    if pid_text == my_pid:
        return token != my_token
    return not _running(pid)


class Leases:
    """The rows of one queue that this process holds, renewed while it holds any."""

    def __init__(
        self,
        leased: QueueTable,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
        *,
        heartbeat: float = HEARTBEAT,
    ) -> None:
        self.leased = leased
        self.uow_factory = uow_factory
        self.clock = clock
        self.heartbeat = heartbeat
        self.holder = worker_id()
        self._held: set[int] = set()
        self._cond = threading.Condition()
        self._beating = False

    def until(self) -> datetime:
        """The end of a lease taken now (what a claim writes)."""
        return self.clock.now() + LEASE

    def hold(self, ids: Iterable[int]) -> None:
        """Rows just claimed: renewed from now on until dropped."""
        with self._cond:
            self._held.update(ids)
            if self._held and not self._beating:
                self._beating = True
                threading.Thread(
                    target=self._beat, name=f"hirebot-lease-{self.leased.table.name}", daemon=True
                ).start()

    def drop(self, ids: Iterable[int]) -> None:
        """Rows finished or handed back: no longer renewed."""
        with self._cond:
            self._held.difference_update(ids)

    def renew(self) -> int:
        """One heartbeat: the lease of every held row pushed to a full LEASE from now."""
        with self._cond:
            ids = sorted(self._held)
        if not ids:
            return 0
        with self.uow_factory() as uow:
            renewed = uow.queue.renew(self.leased, ids, self.holder, self.clock.now() + LEASE)
            uow.commit()
        return renewed

    def recover(self) -> int:
        """Hand back the rows held by processes of this machine that have ended (at start-up)."""
        with self.uow_factory() as uow:
            gone = [h for h in uow.queue.holders(self.leased) if holder_is_gone(h, self.holder)]
            released = uow.queue.take_back(self.leased, gone, self.clock.now())
            uow.commit()
        if released:
            log.warning(
                "%s: took back %d row(s) held by stopped process(es) %s",
                self.leased.table.name,
                released,
                ", ".join(gone),
            )
        return released

    def _beat(self) -> None:
        while True:
            with self._cond:
                self._cond.wait(self.heartbeat)
                if not self._held:
                    self._beating = False
                    return
            try:
                self.renew()
            except Exception:  # the database is away: the next beat tries again
                log.exception("renewing %s leases failed", self.leased.table.name)
