"""Erasure on WhatsApp: every stored copy is scrubbed; what phones already show cannot be
edited through the Cloud API, so those edits are marked done without a send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.channels.whatsapp.render import plain
from bot.services.outbox import MESSAGE_UPDATE
from storage.models import OutboxMessage
from tests.channels.whatsapp.conftest import WhatsApp, erase_through_cli, whatsapp_config_dict

ADD = "add senior-backend 'Ayesha Khan' email=ayesha@example.com phone=0301-7654321"
SCHEDULE = "schedule 1 2026-11-24 15:00 with=hina duration=1h stage=interview"
STARTS = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_erasure_scrubs_the_stored_copies_and_sends_no_edits(
    whatsapp: WhatsApp, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wa = whatsapp
    wa.say(ADD)
    wa.say("advance 1")
    wa.say("advance 1")
    wa.clock.set(STARTS - timedelta(hours=1))
    wa.say("whoami", wa.hina)
    wa.say(SCHEDULE)
    wa.deliver()
    wa.clock.set(STARTS - timedelta(minutes=30))
    wa.hirebot.tasks.run_due(wa.clock.now())
    wa.deliver()
    assert any("Ayesha Khan" in m.text for m in wa.shown(wa.hina))
    sent_before = len(wa.fake.sent)

    erase_through_cli(wa, database_url, tmp_path, monkeypatch, whatsapp_config_dict())

    with wa.hirebot.uow() as uow:
        rows = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == "whatsapp")
        ).all()
        edits = [r for r in rows if r.kind == MESSAGE_UPDATE]
        assert edits
        assert all(r.status == "done" for r in edits)
        for row in rows:
            assert "Ayesha" not in str(row.payload)
            assert "7654321" not in str(row.payload)
    new = wa.fake.sent[sent_before:]
    assert all("Ayesha" not in m.text for m in new)
    assert any("closed" in plain(m.text) for m in new)
