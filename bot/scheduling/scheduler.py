"""APScheduler as a thin local trigger: every tick claims and runs whatever is due in the
database. No job store is shared between processes (APScheduler does not support that); the
due rows are the shared state, claimed with row locks."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from bot.clock import Clock
from bot.scheduling.runner import TaskRunner

log = logging.getLogger(__name__)
JOB_ID = "hirebot.run_due"


class Scheduler:
    def __init__(self, runner: TaskRunner, clock: Clock, *, interval_seconds: float = 30.0) -> None:
        self.runner = runner
        self.clock = clock
        self.interval_seconds = interval_seconds
        self._scheduler = BackgroundScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )
        self.last_error: str | None = None

    def start(self) -> None:
        """Takes back first the tasks a killed process of this machine left running (serve or
        console alike), then ticks."""
        if self._scheduler.running:
            return
        try:
            self.runner.leases.recover()
        except Exception:  # their leases still run out; ticking matters more
            log.exception("taking back the tasks of a stopped process failed")
        self._scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.interval_seconds,
            id=JOB_ID,
            replace_existing=True,
            next_run_time=self.clock.now(),
        )
        self._scheduler.start()

    def tick(self) -> None:
        try:
            self.runner.run_due(self.clock.now())
            self.last_error = None
        except Exception as exc:  # the next tick tries again; the error shows in /healthz
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("scheduler tick failed")

    def stop(self) -> None:
        """Waits for a tick in progress: its tasks finish and are recorded before we exit."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    @property
    def alive(self) -> bool:
        return bool(self._scheduler.running)
