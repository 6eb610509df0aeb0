"""Group commit for the inbox: many requests' events written in one transaction.

Every acknowledgement waits for its event to be durable. Written one by one, concurrent
requests queue for SQLite's single write lock (and churn pooled connections), a commit each;
here request threads hand their row to one writer thread and wait, and the writer inserts
whatever has queued up meanwhile with a single multi-row INSERT and one commit. Under load a
commit serves tens of requests; alone, a request waits only for its own insert.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from storage.inbox import insert_new

log = logging.getLogger(__name__)

MAX_BATCH = 200
IDLE_EXIT = 2.0  # seconds without work before the writer thread ends (it restarts on demand)


@dataclass
class _Slot:
    values: dict[str, Any]
    done: threading.Event = field(default_factory=threading.Event)
    new: bool = False
    error: Exception | None = None


class GroupWriter:
    def __init__(self, engine: Engine, *, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._cond = threading.Condition()
        self._queue: list[_Slot] = []
        self._running = False

    def insert(self, values: dict[str, Any]) -> bool:
        """Blocks until the row is committed; False if its key was already there."""
        slot = _Slot(values)
        with self._cond:
            self._queue.append(slot)
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="hirebot-inbox-writer", daemon=True).start()
            else:
                self._cond.notify()
        slot.done.wait()
        if slot.error is not None:
            raise slot.error
        return slot.new

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._queue and not self._cond.wait_for(lambda: self._queue, IDLE_EXIT):
                    self._running = False
                    return
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
            self._write(batch)

    def _write(self, batch: list[_Slot]) -> None:
        try:
            with self.engine.begin() as conn:
                added = insert_new(conn, [s.values for s in batch])
        except Exception as exc:
            if len(batch) > 1:  # one bad row must not fail the others: one by one
                for slot in batch:
                    self._write([slot])
                return
            batch[0].error = exc
            batch[0].done.set()
            return
        for slot in batch:
            key = slot.values["key"]
            slot.new = key in added
            added.discard(key)  # the same key twice in one batch: only the first is new
            slot.done.set()
