"""Scheduling one-off work as due rows. Scheduling the same work twice (same key) is a no-op."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.domain.catalog import PersonSpec
from bot.services.context import Context
from storage.models import ScheduledTask


def schedule(
    ctx: Context, kind: str, subject: str, due_at: datetime, *, key: str | None = None
) -> ScheduledTask | None:
    key = key or f"{kind}:{subject}:{due_at.isoformat()}"
    if ctx.uow.tasks.by_key(key) is not None:
        return None
    task = ScheduledTask(
        kind=kind,
        subject=subject,
        key=key,
        due_at=due_at,
        status="pending",
        attempts=0,
        created_at=ctx.clock.now(),
    )
    ctx.uow.tasks.add(task)
    return task


def cancel_pending(ctx: Context, subject: str, kinds: Iterable[str] | None = None) -> int:
    wanted = set(kinds) if kinds is not None else None
    count = 0
    for task in ctx.uow.tasks.pending_for(subject):
        if wanted is None or task.kind in wanted:
            task.status = "cancelled"
            task.finished_at = ctx.clock.now()
            count += 1
    return count


def defer(ctx: Context, task: ScheduledTask, until: datetime, why: str) -> str:
    """Run this task's work again at `until` (a new row; the current one finishes as deferred)."""
    schedule(ctx, task.kind, task.subject, until, key=f"{task.key}:deferred:{until.isoformat()}")
    return f"deferred to {until.isoformat()} ({why})"


def hold_for_quiet_hours(ctx: Context, task: ScheduledTask, person: PersonSpec) -> str | None:
    """Defer to the end of the person's quiet hours when now falls in them; else None."""
    if person.quiet_hours is None:
        return None
    now = ctx.clock.now()
    allowed = person.quiet_hours.next_allowed(now, person.timezone)
    return defer(ctx, task, allowed, "quiet hours") if allowed > now else None
