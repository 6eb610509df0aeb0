"""Runs due tasks: the work queue (bot/runtime/work.py) claims rows with a short lease renewed
while the batch runs; this runs each claimed batch in one unit of work as the system (a failing
task is replayed alone, and the queue's retry policy says when it runs again). Several replicas
can run this at once.

`run_due(now)` takes the instant to run at, which is how `hirebot jobs run-due --at` and the
tests move time. That instant decides what is due and what the tasks see as "now"; what they
queue is due to leave at the runner's own clock (the process's), so a run as of next year does
not hold every later message to those people until next year.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock, FrozenClock, SystemClock
from bot.domain.catalog import Catalog
from bot.domain.errors import UserError
from bot.flows.engine import FlowEngine
from bot.handlers.dispatcher import new_correlation_id
from bot.logging_setup import correlation
from bot.runtime.work import Claimed, RetryPolicy, WorkQueue
from bot.services.catalog_source import CatalogSource
from bot.services.context import Actor, Context
from storage.models import ScheduledTask
from storage.queue import TASKS
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

TaskHandler = Callable[[Context, ScheduledTask], str]
Prefetch = Callable[[UnitOfWork, list[ScheduledTask]], object]
RETRY_DELAY = timedelta(minutes=5)
MAX_ATTEMPTS = 3
BATCH = 100
POLICY = RetryPolicy(
    MAX_ATTEMPTS, first=RETRY_DELAY.total_seconds(), cap=RETRY_DELAY.total_seconds()
)


@dataclass
class RunReport:
    ran: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.ran.values()) + sum(self.failed.values())


class TaskRunner:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        catalog: Catalog,
        channels: frozenset[str],
        flows: FlowEngine,
        *,
        clock: Clock | None = None,
    ) -> None:
        """`clock` is the process's: when queued messages leave (None: at the run's instant)."""
        self.uow_factory = uow_factory
        self.clock = clock
        # Leases are on the process's clock whatever instant a run acts as of.
        self.queue: WorkQueue[None] = WorkQueue(
            TASKS, uow_factory, clock or SystemClock(), POLICY, batch=BATCH
        )
        self.leases = self.queue.leases
        self.catalog = catalog
        self.channels = channels
        self.flows = flows
        self.handlers: dict[str, TaskHandler] = {}
        self.prefetchers: dict[str, Prefetch] = {}
        self.on_run: list[Callable[[RunReport], None]] = []
        # Called before and after every pass, each in its own unit of work (recurring jobs).
        self.planners: list[Callable[[UnitOfWork, datetime], object]] = []
        # The catalog in step with the database (set by the wiring), checked at each pass: a
        # role opened or a person added by another process counts in this one's work.
        self.source: CatalogSource | None = None

    def register(
        self, kind: str, handler: TaskHandler, *, prefetch: Prefetch | None = None
    ) -> None:
        """`prefetch` loads, in one query for a whole batch, the rows the handler reads for
        each task (what it returns is held while the batch runs, so the unit of work keeps it)."""
        if kind in self.handlers:
            raise ValueError(f"task kind '{kind}' registered twice")
        self.handlers[kind] = handler
        if prefetch is not None:
            self.prefetchers[kind] = prefetch

    def run_due(self, now: datetime, *, limit: int | None = None) -> RunReport:
        report = RunReport()
        if self.source is not None:
            self.catalog = self.source.current()
        self._plan(now)
        while limit is None or report.total < limit:
            claimed = self._claim(now)
            if not claimed:
                break
            try:
                self._run_batch(claimed, now, report)
            finally:
                self.queue.drop(c.id for c in claimed)
        if report.total:
            self._plan(now)  # what just ran may be recurring: plan its next occurrence now
        for callback in self.on_run:
            callback(report)
        return report

    def _plan(self, now: datetime) -> None:
        for planner in self.planners:
            try:
                with self.uow_factory() as uow:
                    planner(uow, now)
            except Exception:  # planning again next pass is harmless; running due work is not
                log.exception("planning recurring work failed")

    def _claim(self, now: datetime) -> list[Claimed[None]]:
        return self.queue.claim(now=now)

    def context(self, uow: UnitOfWork, now: datetime) -> Context:
        return Context(
            uow,
            self.catalog,
            FrozenClock(now),
            Actor("system", "scheduler"),
            new_correlation_id(),
            self.channels,
            flows=self.flows,
            sending_clock=self.clock,
        )

    def _run_batch(self, claimed: list[Claimed[None]], now: datetime, report: RunReport) -> None:
        """The claimed tasks in one transaction: one commit per batch instead of one per task
        (10,000 due reminders are 100 commits, not 10,000). If any task fails, the batch rolls
        back and each task runs alone, so a failure still costs only its own task."""
        ran: Counter[str] = Counter()
        task_ids = [c.id for c in claimed]
        with self.uow_factory() as uow:
            tasks = {t.id: t for t in uow.tasks.by_ids(task_ids)}
            held = [
                prefetch(uow, [t for t in tasks.values() if t.kind == kind])
                for kind, prefetch in self.prefetchers.items()
                if any(t.kind == kind for t in tasks.values())
            ]
            try:
                results: list[tuple[ScheduledTask, str]] = []
                for task_id in task_ids:
                    task = tasks.get(task_id)
                    if task is None:
                        continue
                    handler = self.handlers.get(task.kind)
                    if handler is None:
                        raise UserError(f"no handler for task kind '{task.kind}'")
                    ctx = self.context(uow, now)
                    with correlation(ctx.correlation_id):
                        results.append((task, handler(ctx, task)))
                # Marked done together at the end: a task row changed after each handler
                # would be flushed by the next handler's first query, one UPDATE per task.
                for task, result in results:
                    uow.queue.done_row(TASKS, task, now, result=result[:500])
                    ran[task.kind] += 1
                uow.commit()
            except Exception as exc:  # replayed one by one below, where failures are recorded
                uow.rollback()
                log.info("a batch of %d tasks failed (%s); running each alone", len(task_ids), exc)
                ran.clear()
                tasks = {}
            del held
        if tasks:
            report.ran.update(ran)
            return
        for item in claimed:
            self._run_one(item, now, report)

    def _run_one(self, item: Claimed[None], now: datetime, report: RunReport) -> None:
        with self.uow_factory() as uow:
            ctx = self.context(uow, now)
            task = uow.tasks.get(item.id)
            if task is None:
                return
            handler = self.handlers.get(task.kind)
            with correlation(ctx.correlation_id):
                try:
                    if handler is None:
                        raise UserError(f"no handler for task kind '{task.kind}'")
                    result = handler(ctx, task)
                except Exception as exc:  # a failing task must not stop the others
                    kind = task.kind
                    uow.rollback()
                    self._failed(item, now, exc)
                    report.failed[kind] += 1
                    return
                uow.queue.done_row(TASKS, task, now, result=result[:500])
                uow.commit()
                report.ran[task.kind] += 1

    def _failed(self, item: Claimed[None], now: datetime, exc: Exception) -> None:
        log.warning("task %s failed: %s", item.id, exc, exc_info=not isinstance(exc, UserError))
        self.queue.failed(item, f"{type(exc).__name__}: {exc}", now=now)
