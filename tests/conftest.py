"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is required: when it cannot be reached the suite fails loudly rather than skips,
so a green run always means both databases were exercised. Each test run (and each xdist
worker) gets a throwaway database that is dropped at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig, load_config
from bot.environment import Environment
from storage import migrate
from storage.db import create_db_engine

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get(
    "HIREBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DATABASES = [d for d in os.environ.get("HIREBOT_TEST_DATABASES", "sqlite,postgres").split(",") if d]
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CLOCK_SHIFT = ROOT / "tests" / "clock_shift"


def pytest_configure(config: pytest.Config) -> None:
    """`SUITE_CLOCK_SHIFT_DAYS=N` runs the suite with the wall clock N days away, in this
    process and every Python process it starts (tests/clock_shift/sitecustomize.py).

    Delivery's pacing is off unless a test turns it on (`HIREBOT_DELIVERY_PACING=on` in its
    environment): the suite's clocks are frozen, and a paced conversation's second message
    would wait for a test to move time. The pacing tests move it."""
    os.environ.setdefault("HIREBOT_DELIVERY_PACING", "off")
    if os.environ.get("SUITE_CLOCK_SHIFT_DAYS") and str(CLOCK_SHIFT) not in os.environ.get(
        "PYTHONPATH", ""
    ):
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(CLOCK_SHIFT), os.environ.get("PYTHONPATH")) if p
        )
        import tests.clock_shift.sitecustomize  # noqa: F401  (moves this process's clock)


def _pg_conninfo(url: str) -> str:
    parsed = make_url(url)
    return (
        f"host={parsed.host or '127.0.0.1'} port={parsed.port or 5432} "
        f"user={parsed.username or 'postgres'} dbname={parsed.database or 'postgres'}"
        + (f" password={parsed.password}" if parsed.password else "")
    )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A fresh PostgreSQL database for this test process; fails (never skips) if unreachable."""
    name = f"hirebot_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = psycopg.connect(_pg_conninfo(PG_ADMIN_URL), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is required for the test suite and is unreachable at {PG_ADMIN_URL}: "
            f"{exc}. Start it, or set HIREBOT_TEST_POSTGRES_URL.",
            pytrace=False,
        )
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with psycopg.connect(_pg_conninfo(PG_ADMIN_URL), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate(engine: Engine) -> None:
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            if r[0] != "alembic_version"
        ]
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hirebot.db'}"
        return
    if request.param != "postgres":
        raise ValueError(f"unknown database kind {request.param}")
    url: str = request.getfixturevalue("postgres_server")
    engine = create_db_engine(url)
    _truncate(engine)
    engine.dispose()
    yield url


@pytest.fixture(scope="session")
def shipped_config() -> HirebotConfig:
    return load_config(ROOT / "config.yaml")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def app(database_url: str, shipped_config: HirebotConfig, clock: FrozenClock) -> Iterator[Hirebot]:
    """hirebot on the shipped config and the console channel, as `make run` starts it."""
    hirebot = bootstrap(
        config=shipped_config,
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate({}),
    )
    yield hirebot
    hirebot.close()
