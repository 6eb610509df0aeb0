"""Engine and session factory: one per process, with the SQLite settings that make it safe."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT = 30.0
# A write, or the explicit write transaction `UnitOfWork.savepoint` opens (BEGIN IMMEDIATE).
_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|BEGIN\s+IMMEDIATE)\b", re.IGNORECASE)
_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs, as operators usually write them."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT, "factory": SerializedWriterConnection},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers and a writer overlap; foreign keys are off in SQLite unless asked for."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def write_lock(database: str) -> threading.Lock:
    """The in-process lock that writers to this SQLite file take in turn."""
    key = database if database.startswith("file:") else os.path.realpath(database)
    with _write_locks_guard:
        return _write_locks.setdefault(key, threading.Lock())


class SerializedWriterConnection(sqlite3.Connection):
    """SQLite has one writer at a time, and its busy handler makes the others poll with
    sleeps of up to 100 ms: under a burst of concurrent requests they wait in sleeps (seconds
    at p99) instead of in line. Writers in this process queue on a lock instead, held exactly
    as long as SQLite's own write lock: from a transaction's first write (where pysqlite
    begins it, so reads never wait) to its commit or rollback. Other processes still meet
    SQLite's locking, as before."""

    def __init__(self, database: str | bytes | os.PathLike[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        name = os.fsdecode(database)
        self._write_lock = threading.Lock() if name in ("", ":memory:") else write_lock(name)
        self._writing = False

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or _SerializedCursor)

    def begin_write(self) -> None:
        if self._writing:
            return
        if self._write_lock.acquire(timeout=SQLITE_BUSY_TIMEOUT):
            self._writing = True
        else:  # stuck this long: leave it to SQLite's own locking, as before
            log.warning("waited %.0f s for the SQLite write lock", SQLITE_BUSY_TIMEOUT)

    def end_write(self) -> None:
        if self._writing and not self.in_transaction:
            self._writing = False
            self._write_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_write()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_write()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._writing:
                self._writing = False
                self._write_lock.release()


class _SerializedCursor(sqlite3.Cursor):
    connection: SerializedWriterConnection

    def execute(self, sql: str, parameters: Any = (), /) -> _SerializedCursor:
        if _WRITE.match(sql):
            self.connection.begin_write()
        try:
            super().execute(sql, parameters)
        finally:
            self.connection.end_write()  # only if no transaction is open (autocommit)
        return self

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> _SerializedCursor:
        if _WRITE.match(sql):
            self.connection.begin_write()
        try:
            super().executemany(sql, seq_of_parameters)
        finally:
            self.connection.end_write()
        return self


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A part of the session's transaction that may fail on its own: an exception inside
    undoes its writes and leaves the rest of the transaction standing.

    pysqlite opens SQLite's transaction only at the first write, so a SAVEPOINT before one
    would start a transaction of its own that its RELEASE commits, out of the caller's hands;
    on SQLite the transaction is therefore opened first, as a write (BEGIN IMMEDIATE, which
    also takes the process's writer lock)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if not getattr(raw, "in_transaction", True):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    with session.begin_nested():
        yield
