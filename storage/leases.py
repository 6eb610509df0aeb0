"""Queries for the leases on claimed work, the same for the three queues that claim rows
(inbound events, outbox messages, scheduled tasks): renew this process's, and hand back those
of a process that is gone.

`LeasedTable` says how one queue marks a claimed row; `LeaseRepository` (the unit of work's
`uow.leases`) runs the queries over whichever table it is given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, update

from storage.models import InboundEvent, OutboxMessage, ScheduledTask
from storage.repository import Queries


@dataclass(frozen=True)
class LeasedTable:
    """How one queue marks a claimed row: its status while held, the status it goes back to,
    and the column that holds the lease's end (for the inbox and the outbox that column is also
    when the row is next due, so a row handed back is due at once)."""

    table: Table
    claimed: str
    waiting: str
    lease_column: str
    lease_is_due_time: bool


class LeaseRepository(Queries):
    """The lease queries, over the table of the queue each call names."""

    def renew(self, leased: LeasedTable, ids: Sequence[int], holder: str, until: datetime) -> int:
        """Push the lease of these rows to `until`, if this holder still has them.

        Rows locked right now are skipped: the lock is the holder's own transaction finishing
        them (a batch of tasks marked done), and waiting for it could deadlock with it."""
        if not ids:
            return 0
        t = leased.table
        held = (
            select(t.c.id)
            .where(t.c.id.in_(list(ids)), t.c.status == leased.claimed, t.c.claimed_by == holder)
            .with_for_update(skip_locked=True)
        )
        result = self.session.execute(
            update(t).where(t.c.id.in_(held.scalar_subquery())).values({leased.lease_column: until})
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def holders(self, leased: LeasedTable) -> list[str]:
        """Who holds claimed rows now (each a worker id, see bot/runtime/leases.py)."""
        t = leased.table
        return [
            str(h)
            for h in self.session.scalars(
                select(t.c.claimed_by)
                .where(t.c.status == leased.claimed, t.c.claimed_by.is_not(None))
                .distinct()
            )
        ]

    def release(self, leased: LeasedTable, holders: Sequence[str], now: datetime) -> int:
        """Hand back every row these holders claimed: waiting again, due now, attempts kept (a
        handler that kills its process runs out of attempts like one that raises)."""
        if not holders:
            return 0
        t = leased.table
        values: dict[str, Any] = {
            "status": leased.waiting,
            "claimed_by": None,
            leased.lease_column: now if leased.lease_is_due_time else None,
        }
        result = self.session.execute(
            update(t)
            .where(t.c.status == leased.claimed, t.c.claimed_by.in_(list(holders)))
            .values(values)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def _table(model: type[object]) -> Table:
    table = getattr(model, "__table__")  # noqa: B009 (mapped classes expose it untyped)
    assert isinstance(table, Table)
    return table


INBOX = LeasedTable(_table(InboundEvent), "working", "pending", "next_attempt_at", True)
OUTBOX = LeasedTable(_table(OutboxMessage), "sending", "pending", "next_attempt_at", True)
TASKS = LeasedTable(_table(ScheduledTask), "running", "pending", "lease_until", False)
