"""Linking on WhatsApp: numbers from config.yaml, one-time codes sent as `start CODE`, and
accounts that show only their business-scoped user id."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.channels.whatsapp.plugin import PLUGIN, normalise_address
from bot.channels.whatsapp.render import plain
from bot.services import linking
from bot.services.context import Actor, Context
from tests.channels.whatsapp.conftest import WhatsApp


def issue(wa: WhatsApp, person: str = "lucas") -> str:
    with wa.hirebot.uow() as uow:
        ctx = Context(
            uow, wa.hirebot.catalog, wa.clock, Actor("system", "test"), "test", wa.hirebot.channels
        )
        issued = linking.create_code(ctx, person, channel="whatsapp", ttl=timedelta(hours=24))
        uow.commit()
    return issued.code


def address_of(wa: WhatsApp, person: str) -> str | None:
    with wa.hirebot.uow() as uow:
        row = uow.people.by_key(person)
        assert row is not None
        return row.address_on("whatsapp")


def test_numbers_from_config_are_stored_in_e164(whatsapp: WhatsApp) -> None:
    assert address_of(whatsapp, "sana") == "+923001234501"
    assert address_of(whatsapp, "lucas") is None


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("+92 300 1234501", "+923001234501"),
        ("923001234501", "+923001234501"),
        ("+49 151 23456704", "+4915123456704"),
        ("PK.1234567890", "PK.1234567890"),
        ("US.ENT.11815799212886844830", "US.ENT.11815799212886844830"),
    ],
)
def test_addresses_normalise(given: str, stored: str) -> None:
    assert normalise_address(given) == stored


@pytest.mark.parametrize("bad", ["0300 1234501", "+92 12", "hello", "<@U123>"])
def test_bad_addresses_are_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(ValueError, match="number"):
        normalise_address(bad)


def test_a_code_sent_as_start_links_the_number(whatsapp: WhatsApp) -> None:
    wa = whatsapp
    wa.say("whoami", wa.lucas)
    wa.deliver()
    assert "don't know you" in plain(wa.last(wa.lucas).text)
    code = issue(wa)
    wa.say(f"start {code}", wa.lucas)
    wa.deliver()
    assert "Lucas" in plain(wa.last(wa.lucas).text)
    assert address_of(wa, "lucas") == "+4915123456704"
    wa.say("whoami", wa.lucas)
    wa.deliver()
    assert "Lucas Meyer" in plain(wa.last(wa.lucas).text)
    # the code is spent
    wa.say(f"start {code}", wa.stranger)
    wa.deliver()
    assert address_of(wa, "lucas") == "+4915123456704"


def test_an_account_without_a_visible_number_links_by_its_user_id(whatsapp: WhatsApp) -> None:
    wa = whatsapp
    lucas = wa.fake.user(None, "DE.77001", "Lucas")
    code = issue(wa)
    wa.say(f"start {code}", lucas)
    wa.deliver()
    assert address_of(wa, "lucas") == "DE.77001"
    wa.say("whoami", lucas)
    wa.deliver()
    answer = wa.last(lucas)
    assert "Lucas Meyer" in plain(answer.text)
    assert answer.body.get("recipient") == "DE.77001"
    assert "to" not in answer.body


def test_link_instructions_name_the_start_command() -> None:
    assert PLUGIN.link_instructions is not None
    from bot.environment import Environment

    lines = PLUGIN.link_instructions(Environment.model_validate({}), "abcdEFGH1234")
    assert any("start abcdEFGH1234" in line for line in lines)
