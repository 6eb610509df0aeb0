"""The inbound-event inbox's one query of its own: the INSERT that skips a repeat (claims,
what a claim carries, results, purging and counts are the work queue's: storage/queue.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import InboundEvent


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
