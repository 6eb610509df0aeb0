"""The inbound-event inbox's one query of its own: the INSERT that skips a repeat (claims,
what a claim carries, results, purging and counts are the work queue's: storage/queue.py).

Each database's `insert` is imported from its dialect when the statement is built: the
PostgreSQL dialect's modules took 40-80 ms of every start on SQLite, which never uses them
(docs/benchmarks.md, run 14); on PostgreSQL the engine has loaded them already.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Insert

from storage.models import InboundEvent


def insert_new(conn: Connection, rows: Sequence[dict[str, Any]]) -> set[str]:
    """One multi-row INSERT that skips keys already present; returns the keys it added.

    Core, not the ORM: this runs while the platform waits for its acknowledgement.
    """
    stmt: Insert
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        stmt = postgresql.insert(InboundEvent).values(list(rows)).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects import sqlite

        stmt = sqlite.insert(InboundEvent).values(list(rows)).on_conflict_do_nothing()
    return {str(key) for (key,) in conn.execute(stmt.returning(InboundEvent.key))}
