"""The background loop that runs due tasks: the same `PassLoop` as the inbox and delivery
(bot/runtime/background.py), every `interval_seconds` (or at once when woken). No schedule is
kept in memory: the due rows are the shared state, claimed by the work queue, so replicas never
run the same task. (APScheduler stays where it earns its place: the cron triggers of recurring
work in people's timezones, bot/domain/schedules.py and bot/scheduling/recurring.py.)"""

from __future__ import annotations

import logging

from bot.clock import Clock
from bot.runtime.background import PassLoop
from bot.scheduling.runner import TaskRunner

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, runner: TaskRunner, clock: Clock, *, interval_seconds: float = 30.0) -> None:
        self.runner = runner
        self.clock = clock
        self.interval_seconds = interval_seconds
        self._loop = PassLoop("hirebot-scheduler", self.tick, interval=interval_seconds)
        self.last_error: str | None = None

    def start(self) -> None:
        """Takes back first the tasks a killed process of this machine left running (serve or
        console alike), then runs due work every interval."""
        if self._loop.alive:
            return
        try:
            self.runner.leases.recover()
        except Exception:  # their leases still run out; running due work matters more
            log.exception("taking back the tasks of a stopped process failed")
        self._loop.start()

    def wake(self) -> None:
        self._loop.wake()

    def tick(self) -> int:
        """One pass; returns 0 so the loop waits an interval (a pass runs all that is due)."""
        try:
            self.runner.run_due(self.clock.now())
            self.last_error = None
        except Exception as exc:  # the next pass tries again; the error shows in /healthz
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("scheduler pass failed")
        return 0

    def stop(self, timeout: float = 30.0) -> None:
        """Waits for a pass in progress: its tasks finish and are recorded before we exit."""
        self._loop.stop(timeout)

    @property
    def alive(self) -> bool:
        return self._loop.alive
