"""`hirebot serve --web` and `hirebot worker` as separate processes: the web side records and
acknowledges, the worker handles and answers; a `kill -9` of either loses no acknowledged
event and handles none twice, and two workers on PostgreSQL share the work without overlap."""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, func, select, text

from storage.db import create_db_engine
from storage.models import InboundEvent, Note
from tests.channels.telegram.conftest import HINA, OMAR, SANA
from tests.e2e.serving import Served, hirebot_serve, write_config
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.helpers import wait_for

WEB = ("serve", "--web")
WORKER = ("worker",)


@pytest.fixture
def fake() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI() as server:
        yield server


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def texts(fake: FakeTelegramAPI, chat: int) -> list[str]:
    return [m["plain_text"] for _, m in sorted(fake.messages.get(chat, {}).items())]


def noted(fake: FakeTelegramAPI, chat: int) -> Counter[str]:
    """How often each "Noted on #1 (N characters)." answer arrived, by N."""
    return Counter(
        t.split("Noted on #1 (")[1].split()[0] for t in texts(fake, chat) if "Noted on #1 (" in t
    )


def note_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Note)) or 0)


def statuses(engine: Engine) -> Counter[str]:
    with engine.connect() as conn:
        return Counter(conn.scalars(select(InboundEvent.status)).all())


def add_ayesha(web: Served, fake: FakeTelegramAPI) -> None:
    """The first event through the split: recorded by the web side, answered by the worker."""
    web.say('/add senior-backend "Ayesha Khan" email=ayesha@example.com', user=SANA, update_id=1)
    wait_for(lambda: any("Ayesha" in t for t in texts(fake, SANA)), "the add's answer")


@contextmanager
def writes_held(database_url: str) -> Iterator[Connection]:
    """No note can be written while this is open: SQLite's write lock (BEGIN IMMEDIATE), or on
    PostgreSQL the applicant's row, which a note locks first. Reads still work, in here too."""
    holder = create_engine(database_url)
    conn = holder.connect()
    try:
        if holder.dialect.name == "postgresql":
            conn.execute(text("SELECT id FROM applicants WHERE id = 1 FOR UPDATE"))
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn
    finally:
        conn.rollback()
        conn.close()
        holder.dispose()


def test_the_worker_answers_what_the_web_side_records(
    database_url: str, engine: Engine, fake: FakeTelegramAPI, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "config.yaml")
    with (
        hirebot_serve(database_url, config, fake, tmp_path / "web.log", command=WEB) as web,
        hirebot_serve(database_url, config, fake, tmp_path / "worker.log", command=WORKER) as w,
    ):
        add_ayesha(web, fake)
        for n in range(2, 6):  # one person's notes, answered in order
            web.say(f"/note 1 {'x' * n}", user=SANA, update_id=n)
        wait_for(lambda: sum(noted(fake, SANA).values()) == 4, "four notes answered")
        assert list(noted(fake, SANA)) == ["2", "3", "4", "5"]

        web_health = web.health()
        worker_health = w.health()
    assert web_health["role"] == "web"
    assert set(web_health["checks"]) == {"database", "channels"}
    assert worker_health["role"] == "worker"
    assert {"database", "inbox", "delivery", "scheduler", "wakeup"} <= set(worker_health["checks"])
    assert worker_health["status"] == "ok", worker_health


def test_a_worker_killed_mid_pass_handles_each_event_once_after_it_restarts(
    database_url: str, engine: Engine, fake: FakeTelegramAPI, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "config.yaml")
    count = 40  # two passes' worth: a pass claims 20
    with hirebot_serve(database_url, config, fake, tmp_path / "web.log", command=WEB) as web:
        with hirebot_serve(database_url, config, fake, tmp_path / "w1.log", command=WORKER) as w:
            add_ayesha(web, fake)
            assert w.stop() == 0
        for n in range(2, 2 + count):  # recorded while no worker runs
            web.say(f"/note 1 {'x' * n}", user=SANA, update_id=n)
        with hirebot_serve(
            database_url, config, fake, tmp_path / "w2.log", command=WORKER, wait=False
        ) as doomed:

            def caught_mid_pass() -> bool:
                """Writes held while the worker holds claimed events (some may be handled,
                none marked done): the kill then comes in the middle of its pass."""
                if not statuses(engine)["working"]:
                    return False
                with writes_held(database_url) as conn:
                    working = conn.scalar(
                        select(func.count()).where(InboundEvent.status == "working")
                    )
                    if not working:
                        return False
                    doomed.proc.send_signal(signal.SIGKILL)
                    assert doomed.proc.wait(30) == -signal.SIGKILL
                return True

            wait_for(caught_mid_pass, "the worker to be in the middle of a pass")
        assert statuses(engine)["working"] >= 1  # what the dead worker held
        assert note_count(engine) < count

        with hirebot_serve(
            database_url, config, fake, tmp_path / "w3.log", command=WORKER
        ) as again:
            wait_for(lambda: statuses(engine)["done"] == count + 1, "every event handled")
            wait_for(
                lambda: set(noted(fake, SANA)) == {str(n) for n in range(2, 2 + count)},
                "every note answered",
            )
            log = again.stderr()
    assert "inbound_events: took back" in log
    assert note_count(engine) == count  # each handled once, the re-handled ones too
    assert statuses(engine)["failed"] == 0


def test_a_web_process_killed_after_acknowledging_loses_nothing(
    database_url: str, engine: Engine, fake: FakeTelegramAPI, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "config.yaml")
    with hirebot_serve(database_url, config, fake, tmp_path / "web.log", command=WEB) as web:
        with hirebot_serve(database_url, config, fake, tmp_path / "w1.log", command=WORKER) as w:
            add_ayesha(web, fake)
            assert w.stop() == 0  # no handling: what is acknowledged waits in the inbox
        for n in range(2, 8):
            web.say(f"/note 1 {'x' * n}", user=SANA, update_id=n)  # each acknowledged
        web.proc.send_signal(signal.SIGKILL)
        assert web.proc.wait(30) == -signal.SIGKILL
    assert statuses(engine)["pending"] == 6

    with hirebot_serve(database_url, config, fake, tmp_path / "w2.log", command=WORKER):
        wait_for(lambda: sum(noted(fake, SANA).values()) == 6, "every acknowledged note answered")
    assert note_count(engine) == 6


def test_two_workers_claim_disjoint_work(
    database_url: str, engine: Engine, fake: FakeTelegramAPI, tmp_path: Path
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("replicas are a PostgreSQL deployment (SQLite: one worker per file)")
    config = write_config(tmp_path / "config.yaml")
    people = (SANA, OMAR, HINA)
    per_person = 8
    with (
        hirebot_serve(database_url, config, fake, tmp_path / "web.log", command=WEB) as web,
        hirebot_serve(database_url, config, fake, tmp_path / "a.log", command=WORKER),
        hirebot_serve(database_url, config, fake, tmp_path / "b.log", command=WORKER),
    ):
        add_ayesha(web, fake)
        update_id = 100
        for n in range(2, 2 + per_person):
            for person in people:
                update_id += 1
                web.say(f"/note 1 {'x' * n}", user=person, update_id=update_id)
        wait_for(
            lambda: all(sum(noted(fake, p).values()) >= per_person for p in people),
            "every note answered",
        )
    assert note_count(engine) == per_person * len(people)
    for person in people:  # once each, in the order said
        answers = noted(fake, person)
        assert list(answers) == [str(n) for n in range(2, 2 + per_person)]
        assert set(answers.values()) == {1}
