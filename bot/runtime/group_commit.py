"""Group commit: many threads' small writes to the work queue's tables in one transaction.

Every acknowledgement waits for its event to be durable. Written one by one, concurrent requests
queue for SQLite's single write lock (and churn pooled connections), a commit each; here the
calling threads hand their item to one writer thread and wait, and the writer writes whatever
has queued up meanwhile with one `write(batch)` and one commit. Under load a commit serves tens
of requests; alone, a request waits only for its own write. The one implementation, used by
the inbox's `receive`.

No library does this for SQLAlchemy (a connection pool batches nothing); it is a condition
variable, a list and a thread that ends when idle. `submit_async` is the same for a caller on an
event loop (a channel's door): it awaits the commit without holding a thread of the pool.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 200
IDLE_EXIT = 2.0  # seconds without work before the writer thread ends (it restarts on demand)


@dataclass
class _Slot(Generic[T, R]):
    item: T
    done: threading.Event = field(default_factory=threading.Event)
    result: R | None = None
    error: Exception | None = None
    settled: Callable[[], object] | None = None  # an async caller's wake-up, from the writer


class GroupCommit(Generic[T, R]):
    def __init__(
        self,
        name: str,
        write: Callable[[Sequence[T]], Sequence[R]],
        *,
        max_batch: int = MAX_BATCH,
    ) -> None:
        """`write(items)` writes a batch in one transaction and returns one result per item;
        if it raises, each item is written alone, so one bad item fails only its caller."""
        self.name = name
        self.write = write
        self.max_batch = max_batch
        self._cond = threading.Condition()
        self._queue: list[_Slot[T, R]] = []
        self._running = False

    def submit(self, item: T) -> R:
        """Blocks until the item is committed; its result, or its write's error raised."""
        slot: _Slot[T, R] = _Slot(item)
        self._enqueue(slot)
        slot.done.wait()
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]  # set with done, unless error

    async def submit_async(self, item: T) -> R:
        """As `submit`, awaited on the caller's event loop, which the writer calls back."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        slot: _Slot[T, R] = _Slot(item, settled=lambda: loop.call_soon_threadsafe(_resolve, future))
        self._enqueue(slot)
        await future
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]  # set when settled, unless error

    def _enqueue(self, slot: _Slot[T, R]) -> None:
        with self._cond:
            self._queue.append(slot)
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name=self.name, daemon=True).start()
            else:
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._queue and not self._cond.wait_for(lambda: self._queue, IDLE_EXIT):
                    self._running = False
                    return
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
            self._write(batch)

    def _write(self, batch: list[_Slot[T, R]]) -> None:
        try:
            results = self.write([s.item for s in batch])
        except Exception as exc:
            if len(batch) > 1:  # one bad item must not fail the others: one by one
                for slot in batch:
                    self._write([slot])
                return
            batch[0].error = exc
            _settle(batch[0])
            return
        for slot, result in zip(batch, results, strict=True):
            slot.result = result
            _settle(slot)


def _settle(slot: _Slot[Any, Any]) -> None:
    slot.done.set()
    if slot.settled is not None:
        slot.settled()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
