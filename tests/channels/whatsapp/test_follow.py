"""`follow ROLE` on WhatsApp, where there are no shared chats: each follower gets the role's
new-applicant cards and their moves in their own chat, with email and phone only for readers
who may see them; erasure scrubs those private copies too. Through the signed webhook and
pywa's real client against the fake Cloud API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.channels.whatsapp.render import plain
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from storage.models import OutboxMessage
from tests.channels.whatsapp.conftest import (
    WhatsApp,
    erase_through_cli,
    start_whatsapp,
    whatsapp_config_dict,
)
from tests.fakes.whatsapp_api import FakeWhatsAppAPI

ADD = "add senior-backend 'Ayesha Khan' email=ayesha@example.com phone=0301-7654321"
ZARA_NUMBER = "+923001234505"


def _config_with_a_member() -> dict[str, object]:
    raw = whatsapp_config_dict()
    raw["people"].append(
        {"key": "zara", "name": "Zara Ali", "roles": ["member"], "whatsapp": ZARA_NUMBER}
    )
    return raw


@pytest.fixture
def wa(database_url: str, fake: FakeWhatsAppAPI, clock: FrozenClock) -> Iterator[WhatsApp]:
    config = HirebotConfig.model_validate(_config_with_a_member())
    harness = start_whatsapp(database_url, config, fake, clock)
    try:
        yield harness
    finally:
        harness.runtime.stop()
        harness.hirebot.close()


def test_followers_get_cards_privately_contact_details_only_if_they_may(wa: WhatsApp) -> None:
    assert "You now follow Senior Backend Engineer" in wa.type_in("follow senior-backend", wa.omar)
    assert "You now follow" in wa.type_in("follow Senior-Backend", wa.hina)
    assert "already follow" in wa.type_in("follow senior-backend", wa.hina)
    assert "senior-backend — Senior Backend Engineer" in wa.type_in("following", wa.omar)

    wa.say(ADD)
    wa.deliver()
    omar_card = wa.find("#1 Ayesha Khan", wa.omar)
    hina_card = wa.find("#1 Ayesha Khan", wa.hina)
    # the hiring manager may see contact details; an interviewer may not
    assert "ayesha@example.com" in omar_card.text
    assert "ayesha" not in hina_card.text.split("\n", 1)[1].lower()
    assert "7654321" not in hina_card.text
    assert "Advance to" in " ".join(omar_card.labels())

    wa.say("advance 1")
    wa.deliver()
    assert any(plain(t).startswith("#1 Ayesha Khan: ") for t in wa.texts(wa.omar))
    assert any(plain(t).startswith("#1 Ayesha Khan: ") for t in wa.texts(wa.hina))

    assert "no longer follow" in wa.type_in("unfollow senior-backend", wa.hina)
    assert "did not follow" in wa.type_in("unfollow senior-backend", wa.hina)
    assert "You follow no roles" in wa.type_in("following", wa.hina)
    wa.say("add senior-backend 'Bilal Shah'")
    wa.deliver()
    assert any(plain(t).startswith("#2 Bilal Shah") for t in wa.texts(wa.omar))
    assert not any("Bilal" in t for t in wa.texts(wa.hina))


def test_a_card_a_follower_tapped_works_from_their_chat(wa: WhatsApp) -> None:
    wa.type_in("follow senior-backend", wa.omar)
    wa.say(ADD)
    wa.deliver()
    card = wa.find("#1 Ayesha Khan", wa.omar)
    label = next(label for label in card.labels() if label.startswith("Advance to"))
    assert "Moved #1 Ayesha Khan: Applied → Screening" in wa.press(label, wa.omar, card)
    # the one who moved it gets no line about their own move
    assert not any(plain(t).startswith("#1 Ayesha Khan: ") for t in wa.texts(wa.omar))


def test_who_may_follow(wa: WhatsApp) -> None:
    zara = wa.fake.user(ZARA_NUMBER, "PK.1005", "Zara")
    refused = wa.type_in("follow senior-backend", zara)
    assert "you need permission to view applicants (your roles: member" in refused
    assert "You follow no roles" in wa.type_in("following", zara)
    assert "unknown role 'nope'" in wa.type_in("follow nope", wa.omar)
    assert "usage: follow ROLE" in wa.type_in("follow", wa.omar)
    wa.say(ADD)
    wa.deliver()
    assert not any("Ayesha" in t for t in wa.texts(zara))


def test_erasure_scrubs_a_followers_private_copies(
    wa: WhatsApp, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wa.type_in("follow senior-backend", wa.omar)
    wa.say(ADD)
    wa.say("advance 1")
    wa.deliver()
    assert any("ayesha@example.com" in t for t in wa.texts(wa.omar))

    erase_through_cli(wa, database_url, tmp_path, monkeypatch, _config_with_a_member())
    with wa.hirebot.uow() as uow:
        rows = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.destination == "+923001234502")
        ).all()
        assert any(r.kind == "card" for r in rows)
        for row in rows:
            for trace in ("Ayesha", "ayesha@example.com", "7654321"):
                assert trace not in str(row.payload)
