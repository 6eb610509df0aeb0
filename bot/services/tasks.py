"""Scheduling one-off work as due rows. Scheduling the same work twice (same key) is a no-op."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

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
