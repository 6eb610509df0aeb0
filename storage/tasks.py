"""Queries for due work in scheduled_tasks of its own: by key, a series' occurrences, adding one
only once (claims, results and listings are the work queue's: storage/queue.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage.db import savepoint
from storage.models import ScheduledTask
from storage.queue import TASKS
from storage.repository import Repository


class TaskRepository(Repository[ScheduledTask]):
    def by_key(self, key: str) -> ScheduledTask | None:
        return self.session.scalar(select(ScheduledTask).where(ScheduledTask.key == key))

    def get(self, task_id: int) -> ScheduledTask | None:
        return self.session.get(ScheduledTask, task_id)

    def by_ids(self, ids: Sequence[int]) -> Sequence[ScheduledTask]:
        return self.session.scalars(
            select(ScheduledTask).where(ScheduledTask.id.in_(list(ids)))
        ).all()

    def open_occurrences(self, kind: str, subject: str) -> Sequence[ScheduledTask]:
        """The pending or working dated occurrences (`kind:subject:YYYY-MM-DD`) of one
        recurring series."""
        return self.session.scalars(
            select(ScheduledTask).where(
                ScheduledTask.kind == kind,
                ScheduledTask.subject == subject,
                ScheduledTask.status.in_(TASKS.states.open),
                ScheduledTask.key.like(f"{kind}:{subject}:____-__-__"),
            )
        ).all()

    def last_done(
        self, kind: str, subject: str, *, at: Literal["due_at", "finished_at"] = "finished_at"
    ) -> datetime | None:
        """When an occurrence of one series last ran to the end (`finished_at`), or when that
        occurrence was due (`due_at`: the end of the period a digest covered)."""
        return self.session.scalar(
            select(func.max(getattr(ScheduledTask, at))).where(
                ScheduledTask.kind == kind,
                ScheduledTask.subject == subject,
                ScheduledTask.status == TASKS.states.done,
            )
        )

    def add_once(self, task: ScheduledTask) -> bool:
        """Add `task` unless a task with its key exists (another replica planned it first: the
        unique key holds); False then, and the caller's transaction carries on (a savepoint)."""
        try:
            with savepoint(self.session):
                self.session.add(task)
        except IntegrityError:
            return False
        return True

    def pending_for(self, subject: str) -> Sequence[ScheduledTask]:
        return self.session.scalars(
            select(ScheduledTask).where(
                ScheduledTask.subject == subject, ScheduledTask.status == "pending"
            )
        ).all()
