"""Which task kinds exist and which core service runs each: the scheduler's whole job table."""

from __future__ import annotations

from bot.scheduling.runner import TaskRunner
from bot.services import interviews


def register_jobs(runner: TaskRunner) -> None:
    runner.register(interviews.PREP, interviews.send_prep)
    runner.register(interviews.REQUEST, interviews.request_feedback)
    runner.register(interviews.REMIND, interviews.remind)
    runner.register(interviews.ESCALATE, interviews.escalate)
