"""Telling another process that work was written, through the database both share.

`hirebot serve --web` records events and `hirebot worker` handles them (docs/deploy.md); the
worker must hear of a new row within milliseconds, not at its next poll. The database is the
one thing both processes already reach:

- PostgreSQL: LISTEN/NOTIFY. The web side sends `pg_notify(topic, '')` after its commit; the
  worker holds one connection of its own, in autocommit, LISTENing on the topics. A notice is
  only a nudge: the queue is read as usual, so a notice lost (the worker was reconnecting) costs
  one poll interval, never an event.
- SQLite: no notifications across processes, so the worker asks `PRAGMA data_version` on a
  connection of its own: it changes when another connection commits, costs no table read and
  takes no lock, so asking every few milliseconds is cheap; on a change the queue's own idle
  look (one `EXISTS` per table) decides whether there is work.

The connections are the engine's (its connect arguments, its SQLite pragmas), detached from
the pool, since they are held for the process's life.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, text

if TYPE_CHECKING:
    import psycopg


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def notify(engine: Engine, topics: Iterable[str]) -> None:
    """One NOTIFY per topic, in one transaction (PostgreSQL only; a no-op elsewhere)."""
    if not is_postgres(engine):
        return
    with engine.begin() as conn:
        for topic in topics:
            conn.execute(text("SELECT pg_notify(:topic, '')"), {"topic": topic})


def _own_connection(engine: Engine) -> Any:
    raw = engine.raw_connection()
    conn = raw.driver_connection
    raw.detach()  # held for good: not the pool's to hand out or recycle
    return conn


class Listener:
    """A connection LISTENing on topics (PostgreSQL): `wait(timeout)` returns those notified."""

    def __init__(self, engine: Engine, topics: Iterable[str]) -> None:
        from psycopg import sql  # a SQLite deployment never loads the PostgreSQL driver

        self._conn: psycopg.Connection[Any] = _own_connection(engine)
        self._conn.autocommit = True  # a LISTEN inside an open transaction hears nothing
        for topic in topics:
            self._conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(topic)))

    def wait(self, timeout: float) -> set[str]:
        """The topics notified within `timeout` seconds (empty if none); returns at the first
        notice, with whatever arrived in the same packet."""
        return {n.channel for n in self._conn.notifies(timeout=timeout, stop_after=1)}

    def close(self) -> None:
        self._conn.close()


class ChangeWatch:
    """Whether another connection committed to the SQLite file since the last look."""

    def __init__(self, engine: Engine) -> None:
        self._conn = _own_connection(engine)
        self._version = self._read()

    def _read(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def changed(self) -> bool:
        version = self._read()
        changed, self._version = version != self._version, version
        return changed

    def close(self) -> None:
        self._conn.close()
