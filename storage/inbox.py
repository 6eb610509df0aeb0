"""Queries for the inbound-event inbox of its own: the INSERT that skips a repeat, and reading
events (claims, results, purging and counts are the work queue's: storage/queue.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import InboundEvent
from storage.repository import Queries


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
    def by_ids(self, ids: Sequence[int]) -> Sequence[InboundEvent]:
        return self.session.scalars(
            select(InboundEvent).where(InboundEvent.id.in_(list(ids))).order_by(InboundEvent.id)
        ).all()
