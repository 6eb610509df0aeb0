"""`hirebot serve` killed with SIGKILL in the middle of work, then started again: the person's
next command is answered at once, not after the dead process's leases run out."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from storage.db import create_db_engine
from storage.models import InboundEvent, Note, OutboxMessage
from tests.channels.telegram.conftest import SANA
from tests.e2e.serving import hirebot_serve, write_config
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.helpers import wait_for

ANSWERED_WITHIN = 60.0  # seconds; the old leases held a person's lane for 2 minutes


@pytest.fixture
def fake() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI() as server:
        yield server


def texts(fake: FakeTelegramAPI, chat: int) -> list[str]:
    return [m["plain_text"] for _, m in sorted(fake.messages.get(chat, {}).items())]


def test_a_killed_server_s_work_is_taken_back_when_it_starts_again(
    database_url: str, fake: FakeTelegramAPI, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "config.yaml")
    engine = create_db_engine(database_url)
    postgres = engine.dialect.name == "postgresql"
    blocker = create_engine(database_url) if postgres else None
    try:
        with hirebot_serve(database_url, config, fake, tmp_path / "first.log") as first:
            first.say(
                '/add senior-backend "Ayesha Khan" email=ayesha@example.com', user=SANA, update_id=1
            )
            wait_for(lambda: any("Ayesha" in t for t in texts(fake, SANA)), "the add's answer")

            if blocker is not None:
                # On PostgreSQL a handler can also be caught mid-way: with the applicant's row
                # locked, a note on her waits inside its transaction.
                lock = blocker.connect()
                lock.execute(text("SELECT id FROM applicants WHERE id = 1 FOR UPDATE"))
            # Telegram stops answering: the reply to /whoami is being sent when the kill comes
            # (the kill follows at once: the sender gives up on a call after 10 s).
            held = fake.hold("sendMessage")
            first.say("/whoami", user=SANA, update_id=2)
            wait_for(lambda: held.waiting, "the reply to /whoami to be on its way")
            if blocker is not None:
                first.say("/note 1 strong on indexes", user=SANA, update_id=3)

                def note_in_hand() -> bool:
                    with engine.connect() as conn:
                        status = conn.scalar(
                            select(InboundEvent.status).where(
                                InboundEvent.key == "telegram:update:3"
                            )
                        )
                    return status == "working"

                wait_for(note_in_hand, "the note to be in hand")

            first.proc.send_signal(signal.SIGKILL)
            assert first.proc.wait(30) == -signal.SIGKILL
        if blocker is not None:
            lock.rollback()  # the dead server's transaction then ends with its connection
            lock.close()
        held.release()
        with engine.connect() as conn:  # what the dead process left in hand
            assert conn.scalar(select(func.count()).where(OutboxMessage.status == "working")) == 1

        with hirebot_serve(database_url, config, fake, tmp_path / "second.log") as second:
            before = len(texts(fake, SANA))
            second.say("/roles", user=SANA, update_id=4)

            wait_for(
                lambda: any("roles <role> for details" in t for t in texts(fake, SANA)[before:]),
                "the answer to /roles",
                ANSWERED_WITHIN,
            )
            log = second.stderr()
        assert "outbox: took back 1 row(s) held by stopped process(es)" in log
        if postgres:
            assert "inbound_events: took back 1 row(s) held by stopped process(es)" in log
            with engine.connect() as conn:
                notes = conn.scalar(select(func.count()).select_from(Note))
            assert notes == 1  # handled again, and once
    finally:
        engine.dispose()
        if blocker is not None:
            blocker.dispose()
