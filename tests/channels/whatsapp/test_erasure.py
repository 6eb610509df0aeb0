"""Erasure on WhatsApp: every stored copy is scrubbed; what phones already show cannot be
edited through the Cloud API, so those edits are marked done without a send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.channels.whatsapp.render import plain
from bot.services.outbox import MESSAGE_UPDATE
from storage.models import OutboxMessage
from tests.channels.whatsapp.conftest import VERIFY_TOKEN, WhatsApp, whatsapp_config_dict
from tests.cli_runner import run_cli

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

    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(whatsapp_config_dict(), sort_keys=False), encoding="utf-8")
    for key, value in {
        "WHATSAPP_TOKEN": wa.fake.token,
        "WHATSAPP_PHONE_NUMBER_ID": wa.fake.phone_number_id,
        "WHATSAPP_APP_SECRET": wa.fake.app_secret,
        "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        "WHATSAPP_API_URL": wa.fake.base_url,
    }.items():
        monkeypatch.setenv(key, value)
    code, output = run_cli(
        database_url, wa.clock, "applicant", "erase", "1", "--yes", config=config
    )
    assert code == 0, output
    wa.deliver()

    with wa.hirebot.uow() as uow:
        rows = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == "whatsapp")
        ).all()
        edits = [r for r in rows if r.kind == MESSAGE_UPDATE]
        assert edits
        assert all(r.status == "sent" for r in edits)
        for row in rows:
            assert "Ayesha" not in str(row.payload)
            assert "7654321" not in str(row.payload)
    new = wa.fake.sent[sent_before:]
    assert all("Ayesha" not in m.text for m in new)
    assert any("closed" in plain(m.text) for m in new)
