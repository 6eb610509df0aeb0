"""Account linking: `hirebot people link` -> `/start <code>` -> the person is known."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.domain.errors import InvalidInput
from bot.services import linking
from bot.services.context import Actor, Context
from storage.models import AuditEvent, LinkCode
from tests.channels.telegram.conftest import GROUP, LUCAS, SANA, STRANGER, Telegram
from tests.conftest import ROOT
from tests.fakes.telegram_api import FakeTelegramAPI


def issue(telegram: Telegram, person: str = "lucas", hours: int = 24) -> str:
    with telegram.hirebot.uow() as uow:
        ctx = Context(
            uow,
            telegram.hirebot.catalog,
            telegram.clock,
            Actor("system", "test"),
            "test",
            telegram.hirebot.channels,
        )
        issued = linking.create_code(ctx, person, channel="telegram", ttl=timedelta(hours=hours))
        uow.commit()
    return issued.code


def telegram_id(telegram: Telegram, person: str) -> int | None:
    with telegram.hirebot.uow() as uow:
        row = uow.people.by_key(person)
        assert row is not None
        address = row.address_on("telegram")
        return int(address) if address is not None else None


def cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**base, **env},
        timeout=60,
        check=False,
    )


def test_linking_end_to_end_from_the_cli(
    telegram: Telegram, database_url: str, telegram_config_path: Path, fake: FakeTelegramAPI
) -> None:
    telegram.clock.set(datetime.now(UTC))  # the CLI issues the code on the real clock
    telegram.say("/whoami", user=LUCAS)
    telegram.deliver()
    assert "sorry, I don't know you yet" in telegram.last(LUCAS)

    result = cli(
        ["people", "link", "lucas", "--config", str(telegram_config_path)],
        {
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.base_url,
        },
    )
    assert result.returncode == 0, result.stderr
    code = re.search(r"link code for Lucas Meyer \(lucas\): (\S+)", result.stdout)
    assert code is not None, result.stdout
    assert f"https://t.me/hirebot_test_bot?start={code.group(1)}" in result.stdout

    telegram.say(f"/start {code.group(1)}", user=LUCAS)
    telegram.say("/whoami", user=LUCAS)
    telegram.deliver()

    linked, whoami = telegram.texts(LUCAS)[-2:]
    assert linked.startswith("✅ Linked: this telegram account is now Lucas Meyer (interviewer)")
    assert whoami.startswith("Lucas Meyer\n")
    assert f"Identities: telegram: {LUCAS}; slack: U0LUCASMR" in whoami
    assert telegram_id(telegram, "lucas") == LUCAS
    with telegram.hirebot.uow() as uow:
        stored = uow.session.scalars(select(LinkCode)).one()
        summaries = " ".join(e.summary for e in uow.session.scalars(select(AuditEvent)))
    assert stored.code_hash == linking.hash_code(code.group(1))  # only the hash is kept
    assert stored.used_by_ref == str(LUCAS)
    assert code.group(1) not in summaries


def test_the_cli_without_a_token_explains_the_link(
    tmp_path: Path, telegram_config_path: Path
) -> None:
    """About the CLI's output only, so one database (SQLite) is enough."""
    result = cli(
        ["people", "link", "hina", "--channel", "telegram", "--config", str(telegram_config_path)],
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"},
    )
    assert result.returncode == 0, result.stderr
    assert "link code for Hina Baig (hina): " in result.stdout
    assert "https://t.me/<your-bot-username>?start=" in result.stdout
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stdout


def test_start_without_a_code_explains_linking(telegram: Telegram) -> None:
    telegram.say("/start", user=STRANGER)
    telegram.say("/start", user=SANA)
    telegram.deliver()

    assert "ask a hirebot admin to run `hirebot people link" in telegram.last(STRANGER)
    assert telegram.last(SANA).startswith("Hello Sana Mirza: this account is linked to you.")


def test_expired_codes_are_refused(telegram: Telegram) -> None:
    code = issue(telegram)
    telegram.clock.advance(timedelta(hours=24, seconds=1))
    telegram.say(f"/start {code}", user=LUCAS)
    telegram.deliver()

    assert "that link code expired on 24 Nov 2026" in telegram.last(LUCAS)
    assert telegram_id(telegram, "lucas") is None


def test_a_code_works_once(telegram: Telegram) -> None:
    code = issue(telegram)
    telegram.say(f"/start {code}", user=LUCAS)
    telegram.say(f"/start {code}", user=STRANGER)
    telegram.deliver()

    assert "that link code has already been used" in telegram.last(STRANGER)
    assert telegram_id(telegram, "lucas") == LUCAS
    telegram.say("/whoami", user=STRANGER)
    telegram.deliver()
    assert "sorry, I don't know you yet" in telegram.last(STRANGER)


def test_an_account_linked_to_someone_else_is_not_taken_over(telegram: Telegram) -> None:
    code = issue(telegram)
    telegram.say(f"/start {code}", user=SANA)  # sana's account, lucas's code
    telegram.deliver()

    assert "this telegram account is already linked to Sana Mirza" in telegram.last(SANA)
    assert telegram_id(telegram, "lucas") is None
    telegram.say(f"/start {code}", user=LUCAS)  # the code is still good for its owner
    telegram.deliver()
    assert telegram_id(telegram, "lucas") == LUCAS


def test_unknown_and_malformed_codes_are_refused(telegram: Telegram) -> None:
    issue(telegram)
    telegram.say("/start NotARealCode123", user=LUCAS)
    telegram.say("/start <b>", user=LUCAS)
    telegram.deliver()

    unknown, malformed = telegram.texts(LUCAS)
    assert "that link code is not valid" in unknown
    assert "that is not a valid link code" in malformed
    assert telegram_id(telegram, "lucas") is None


def test_a_new_code_retires_the_old_one(telegram: Telegram) -> None:
    old = issue(telegram)
    new = issue(telegram)
    telegram.say(f"/start {old}", user=LUCAS)
    telegram.deliver()
    assert "expired" in telegram.last(LUCAS)
    telegram.say(f"/start {new}", user=LUCAS)
    telegram.deliver()
    assert telegram_id(telegram, "lucas") == LUCAS


def test_start_in_a_group_is_ignored(telegram: Telegram) -> None:
    code = issue(telegram)
    telegram.say(f"/start {code}", user=LUCAS, chat=GROUP)
    telegram.deliver()

    assert telegram_id(telegram, "lucas") is None
    assert not telegram.fake.calls_to("sendMessage")


def test_codes_are_only_for_channels_that_link_accounts(telegram: Telegram) -> None:
    with telegram.hirebot.uow() as uow:
        ctx = Context(
            uow,
            telegram.hirebot.catalog,
            telegram.clock,
            Actor("system", "test"),
            "test",
            telegram.hirebot.channels,
        )
        with pytest.raises(InvalidInput, match="accounts on 'console' are not linked with codes"):
            linking.create_code(ctx, "lucas", channel="console")
