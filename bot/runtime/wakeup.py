"""Waking `hirebot worker` when `hirebot serve --web` has written work for it.

In one process (`hirebot serve`) the inbox's insert and the dispatcher's commit wake the
loops directly. Split in two, the web process announces and the worker listens, through the
database (storage/wakeup.py): NOTIFY on PostgreSQL, a `PRAGMA data_version` look every
`SQLITE_POLL` seconds on SQLite. Either is only a nudge: the loops still poll at their own
interval, so a nudge lost costs a second, never an event.

- `Announcer` (web side): `inbox()` after an event is recorded, `outbox()` after a commit
  that may have queued messages (a modal's submission, the API, the careers pages). The
  NOTIFY goes from a thread of its own, so an acknowledgement never waits for it; topics
  announced while one is being sent go in the next.
- `Waker` (worker side): one thread that waits for notices (or changes) and wakes the inbox
  or delivery loop they name; it reconnects after a failure and then wakes both, since
  notices sent meanwhile were missed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

from sqlalchemy import Engine

from bot.runtime.background import BackgroundThread, PassLoop
from storage.wakeup import ChangeWatch, Listener, is_postgres, notify

log = logging.getLogger(__name__)

INBOX = "hirebot_inbox"
OUTBOX = "hirebot_outbox"
TOPICS = (INBOX, OUTBOX)
SQLITE_POLL = 0.005  # seconds between looks at data_version (docs/benchmarks.md)
LISTEN_TICK = 1.0  # seconds a wait for notices lasts before the stop flag is looked at
RECONNECT = 2.0  # seconds after a failed connection before the next try


class Announcer:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.enabled = is_postgres(engine)  # SQLite's worker watches the file instead
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._loop = PassLoop("hirebot-announce", self._send, interval=60.0)

    def start(self) -> None:
        if self.enabled:
            self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

    def inbox(self) -> None:
        self._announce(INBOX)

    def outbox(self) -> None:
        self._announce(OUTBOX)

    def _announce(self, topic: str) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._pending.add(topic)
        self._loop.wake()

    def _send(self) -> int:
        with self._lock:
            topics, self._pending = self._pending, set()
        if topics:
            notify(self.engine, sorted(topics))
        return 0  # then sleep until the next announcement


class Waker(BackgroundThread):
    def __init__(
        self,
        engine: Engine,
        wake: Mapping[str, Callable[[], None]],
        *,
        poll: float = SQLITE_POLL,
    ) -> None:
        """`wake` maps a topic (INBOX, OUTBOX) to the loop's wake()."""
        super().__init__("hirebot-wakeup")
        self.engine = engine
        self.wake = dict(wake)
        self.poll = poll
        self.mode = "listen" if is_postgres(engine) else "poll"
        self.connected = False

    def start(self) -> None:
        if self.wake:  # nothing to wake: no thread
            super().start()

    def health(self) -> str:
        if not self.wake:
            return "ok"  # nothing to wake
        if not self.alive:
            return "stopped"
        return "ok" if self.connected else "connecting"

    def _wake_all(self) -> None:
        for wake in self.wake.values():
            wake()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.mode == "listen":
                    self._listen()
                else:
                    self._watch()
            except Exception:  # the database went away: connect again, then look at everything
                log.exception("waiting for new work failed; trying again")
            self.connected = False
            self._stop.wait(RECONNECT)

    def _listen(self) -> None:
        listener = Listener(self.engine, self.wake)
        try:
            self.connected = True
            self._wake_all()  # what was announced before we listened
            while not self._stop.is_set():
                for topic in listener.wait(LISTEN_TICK):
                    self.wake[topic]()
        finally:
            listener.close()

    def _watch(self) -> None:
        watch = ChangeWatch(self.engine)
        try:
            self.connected = True
            self._wake_all()
            while not self._stop.wait(self.poll):
                if watch.changed():
                    self._wake_all()
        finally:
            watch.close()
