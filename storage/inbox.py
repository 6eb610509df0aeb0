"""Queries for the inbound-event inbox (kept beside the shared repositories module)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import InboundEvent
from storage.repository import Queries

OPEN_STATUSES = ("pending", "working")


def insert_new(conn: Connection, rows: Sequence[dict[str, Any]]) -> set[str]:
    """One multi-row INSERT that skips keys already present; returns the keys it added.

    Core, not the ORM: this runs while the platform waits for its acknowledgement.
    """
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(InboundEvent)
        .values(list(rows))
        .on_conflict_do_nothing()
        .returning(InboundEvent.key)
    )
    return {str(key) for (key,) in conn.execute(stmt)}


class InboxRepository(Queries):
    def due(self, now: datetime, limit: int) -> Sequence[InboundEvent]:
        """Due events, oldest first, locked so replicas don't take the same ones.

        A `working` row whose lease (`next_attempt_at`) ran out belongs to a replica that died.
        """
        stmt = (
            select(InboundEvent)
            .where(
                InboundEvent.status.in_(OPEN_STATUSES),
                InboundEvent.next_attempt_at <= now,
            )
            .order_by(InboundEvent.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return self.session.scalars(stmt).all()

    def first_open_outside(self, lanes: set[str], claimed: set[int]) -> dict[str, int]:
        """The oldest unfinished event of each lane that this claim does not hold: the claim's
        events of that lane after it wait for it. Not just the lane's oldest: SKIP LOCKED lets
        a claim hold a lane's first and third events while another replica's claim locks the
        second."""
        rows = self.session.execute(
            select(InboundEvent.lane, func.min(InboundEvent.id))
            .where(
                InboundEvent.lane.in_(lanes),
                InboundEvent.status.in_(OPEN_STATUSES),
                InboundEvent.id.not_in(claimed),
            )
            .group_by(InboundEvent.lane)
        ).all()
        return {str(lane): int(first) for lane, first in rows}

    def by_ids(self, ids: Sequence[int]) -> Sequence[InboundEvent]:
        return self.session.scalars(
            select(InboundEvent).where(InboundEvent.id.in_(list(ids))).order_by(InboundEvent.id)
        ).all()

    def mark_done(self, ids: Sequence[int], now: datetime) -> None:
        """One statement for a whole pass: handling, not bookkeeping, is the cost per event.

        The payload goes: what was said is in the audit log (redacted) and the change itself;
        the key stays, to recognise a redelivery."""
        if ids:
            self.session.execute(
                update(InboundEvent)
                .where(InboundEvent.id.in_(list(ids)))
                .values(status="done", done_at=now, last_error=None, payload={}),
                execution_options={"synchronize_session": False},
            )

    def release(self, ids: Sequence[int], now: datetime) -> None:
        """Give claimed events back untouched (their lane is blocked this pass)."""
        if ids:
            self.session.execute(
                update(InboundEvent)
                .where(InboundEvent.id.in_(list(ids)))
                .values(status="pending", next_attempt_at=now, attempts=InboundEvent.attempts - 1),
                execution_options={"synchronize_session": False},
            )

    def purge(self, *, done_before: datetime, failed_before: datetime) -> int:
        """Delete handled events, and events given up on, past their keeping time."""
        result = self.session.execute(
            delete(InboundEvent).where(
                or_(
                    (InboundEvent.status == "done") & (InboundEvent.done_at < done_before),
                    (InboundEvent.status == "failed") & (InboundEvent.received_at < failed_before),
                )
            ),
            execution_options={"synchronize_session": False},
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def listing(self, statuses: Sequence[str], limit: int) -> Sequence[InboundEvent]:
        return self.session.scalars(
            select(InboundEvent)
            .where(InboundEvent.status.in_(list(statuses)))
            .order_by(InboundEvent.id)
            .limit(limit)
        ).all()

    def failed_ids(self) -> list[int]:
        return list(
            self.session.scalars(
                select(InboundEvent.id)
                .where(InboundEvent.status == "failed")
                .order_by(InboundEvent.id)
            )
        )

    def counts_by_status(self, statuses: Sequence[str] | None = None) -> dict[str, int]:
        """Events per status; naming the statuses keeps handled rows (most of them) unread."""
        stmt = select(InboundEvent.status, func.count()).group_by(InboundEvent.status)
        if statuses is not None:
            stmt = stmt.where(InboundEvent.status.in_(list(statuses)))
        return {status: int(n) for status, n in self.session.execute(stmt).all()}
