"""Queries for due work in scheduled_tasks: claims with row locks, listings bounded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from storage.models import ScheduledTask
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
        """The pending or running dated occurrences (`kind:subject:YYYY-MM-DD`) of one
        recurring series."""
        return self.session.scalars(
            select(ScheduledTask).where(
                ScheduledTask.kind == kind,
                ScheduledTask.subject == subject,
                ScheduledTask.status.in_(("pending", "running")),
                ScheduledTask.key.like(f"{kind}:{subject}:____-__-__"),
            )
        ).all()

    def last_finished(self, kind: str, subject: str) -> datetime | None:
        """When an occurrence of one series last ran to the end."""
        return self.session.scalar(
            select(func.max(ScheduledTask.finished_at)).where(
                ScheduledTask.kind == kind,
                ScheduledTask.subject == subject,
                ScheduledTask.status == "done",
            )
        )

    def add_once(self, task: ScheduledTask) -> bool:
        """Add `task` unless a task with its key exists (another replica planned it first: the
        unique key holds); False then, and the caller's transaction carries on (a savepoint)."""
        try:
            with self.session.begin_nested():
                self.session.add(task)
        except IntegrityError:
            return False
        return True

    def claim(
        self, now: datetime, limit: int, lease_until: datetime, holder: str, lease_now: datetime
    ) -> list[int]:
        """Claim up to `limit` tasks due at `now` for `holder` until `lease_until`: running
        tasks whose lease ran out by `lease_now` (the process's clock: a run as of another
        instant must not take a live runner's tasks) first, then pending ones, oldest first.
        Returns their ids in that order.

        Rows are picked with FOR UPDATE SKIP LOCKED, so replicas never pick the same row, by
        two queries that each read one range of the (status, due_at, id) index in order and
        stop at `limit` (as one `pending OR (running AND lease ran out)` query, PostgreSQL
        ORed two bitmap scans and sorted, and bitmap scans never skip the dead index entries
        a run leaves behind, each task being updated twice: during a run of 10,000 tasks
        every claim read 10,000+ entries to find its 100). They are then claimed by one
        UPDATE that re-checks they are still claimable, rather than an UPDATE per task."""
        stale = self.session.scalars(
            select(ScheduledTask.id)
            .where(
                ScheduledTask.status == "running",
                ScheduledTask.due_at <= now,
                ScheduledTask.lease_until < lease_now,
            )
            .order_by(ScheduledTask.due_at, ScheduledTask.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        picked = list(stale)
        if len(picked) < limit:
            picked += self.session.scalars(
                select(ScheduledTask.id)
                .where(ScheduledTask.status == "pending", ScheduledTask.due_at <= now)
                .order_by(ScheduledTask.due_at, ScheduledTask.id)
                .limit(limit - len(picked))
                .with_for_update(skip_locked=True)
            ).all()
        if not picked:
            return []
        claimed = set(
            self.session.scalars(
                update(ScheduledTask)
                .where(
                    ScheduledTask.id.in_(picked),
                    ScheduledTask.due_at <= now,
                    (ScheduledTask.status == "pending")
                    | (
                        (ScheduledTask.status == "running")
                        & (ScheduledTask.lease_until < lease_now)
                    ),
                )
                .values(
                    status="running",
                    lease_until=lease_until,
                    claimed_by=holder,
                    attempts=ScheduledTask.attempts + 1,
                )
                .returning(ScheduledTask.id)
                .execution_options(synchronize_session=False)
            ).all()
        )
        return [task_id for task_id in picked if task_id in claimed]

    def pending_for(self, subject: str) -> Sequence[ScheduledTask]:
        return self.session.scalars(
            select(ScheduledTask).where(
                ScheduledTask.subject == subject, ScheduledTask.status == "pending"
            )
        ).all()

    def listing(self, *, statuses: Sequence[str], limit: int) -> Sequence[ScheduledTask]:
        return self.session.scalars(
            select(ScheduledTask)
            .where(ScheduledTask.status.in_(list(statuses)))
            .order_by(ScheduledTask.due_at)
            .limit(limit)
        ).all()
