"""One identity model: a person has an address per channel, kept in `person_identities`.

config.yaml owns the addresses it gives; addresses learned by linking stay in the database.
The migration that introduced the table moves the old per-platform columns into it and back.
"""

from __future__ import annotations

from typing import Any

import yaml
from sqlalchemy import inspect, text

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from storage import migrate
from storage.db import create_db_engine
from tests.conftest import ROOT
from tests.helpers import say, text_of


def _config(mutate: Any = None) -> HirebotConfig:
    raw: dict[str, Any] = yaml.safe_load((ROOT / "config.yaml").read_text())
    if mutate is not None:
        mutate(raw)
    return HirebotConfig.model_validate(raw)


def _start(database_url: str, config: HirebotConfig, clock: FrozenClock) -> Hirebot:
    return bootstrap(
        config=config,
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate({}),
    )


def _addresses(app: Hirebot) -> dict[str, dict[str, tuple[str, str]]]:
    with app.uow() as uow:
        return {
            p.key: {i.channel: (i.address, i.linked_by) for i in p.identities}
            for p in uow.people.all()
        }


def test_config_owns_its_addresses_and_linked_ones_survive_a_restart(
    database_url: str, clock: FrozenClock
) -> None:
    app = _start(database_url, _config(), clock)
    assert _addresses(app)["sana"] == {
        "slack": ("U0SANAMRZ", "config"),
        "whatsapp": ("+923001234501", "config"),
        "email": ("sana.mirza@example.com", "config"),
    }
    with app.uow() as uow:
        lucas = uow.people.by_key("lucas")
        assert lucas is not None
        uow.people.set_identity(
            lucas, "telegram", "4242", linked_by="code", verified_at=clock.now()
        )
        uow.commit()
    app.close()

    def move_sanas_slack_id_to_omar(raw: dict[str, Any]) -> None:
        sana, omar = raw["people"][0], raw["people"][1]
        omar["slack_id"] = sana.pop("slack_id")
        raw["people"][1].pop("telegram_id", None)

    app = _start(database_url, _config(move_sanas_slack_id_to_omar), clock)
    addresses = _addresses(app)
    assert "slack" not in addresses["sana"]  # config.yaml took it away
    assert addresses["omar"]["slack"] == ("U0SANAMRZ", "config")
    assert addresses["lucas"]["telegram"] == ("4242", "code")  # learned by linking: kept
    with app.uow() as uow:
        found = uow.people.by_identity("slack", "U0SANAMRZ")
        assert found is not None
        assert found.key == "omar"
    app.close()


def test_whoami_lists_every_address_of_the_person(app: Hirebot, clock: FrozenClock) -> None:
    with app.uow() as uow:
        sana = uow.people.by_key("sana")
        assert sana is not None
        uow.people.set_identity(sana, "telegram", "1001", linked_by="code", verified_at=clock.now())
        uow.commit()
    reply = text_of(say(app, "whoami"))
    assert "Identities: console: sana; slack: U0SANAMRZ; telegram: 1001" in reply


def test_the_migration_moves_the_old_columns_into_identities_and_back(database_url: str) -> None:
    engine = create_db_engine(database_url)
    try:
        if migrate.current_revision(engine) is not None:  # the suite's PostgreSQL is at head
            migrate.downgrade(engine, "0007")
        migrate.upgrade(engine, "0007")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO people (id, key, name, roles, timezone, slack_id, telegram_id,"
                    " active) VALUES (1, 'sana', 'Sana', '[]', 'UTC', 'U0SANAMRZ', 1001, true),"
                    " (2, 'omar', 'Omar', '[]', 'UTC', NULL, 2002, true),"
                    " (3, 'hina', 'Hina', '[]', 'UTC', NULL, NULL, false)"
                )
            )
            conn.execute(
                text("INSERT INTO roles (id, key, title, active) VALUES (1, 'r', 'R', true)")
            )
            conn.execute(  # a row that points at a person: the table rebuild must keep it valid
                text(
                    "INSERT INTO applicants (role_id, name, location, source, skills, links, stage,"
                    " stage_entered_at, created_at, updated_at, created_by_id) VALUES (1, 'A', '',"
                    " '', '[]', '{}', 'applied', :t, :t, :t, 1)"
                ),
                {"t": "2026-01-01 00:00:00"},
            )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT person_id, channel, address, linked_by FROM person_identities"
                    " ORDER BY person_id, channel"
                )
            ).all()
            assert [tuple(r) for r in rows] == [
                (1, "slack", "U0SANAMRZ", "config"),
                (1, "telegram", "1001", "code"),
                (2, "telegram", "2002", "code"),
            ]
            assert "slack_id" not in {c["name"] for c in inspect(conn).get_columns("people")}
        migrate.downgrade(engine, "0007")
        with engine.connect() as conn:
            back = conn.execute(
                text("SELECT id, slack_id, telegram_id FROM people ORDER BY id")
            ).all()
            assert [tuple(r) for r in back] == [
                (1, "U0SANAMRZ", 1001),
                (2, None, 2002),
                (3, None, None),
            ]
            assert "person_identities" not in inspect(conn).get_table_names()
    finally:
        migrate.upgrade(engine)
        with engine.begin() as conn:
            for table in ("applicants", "person_identities", "people", "roles"):
                conn.execute(text(f"DELETE FROM {table}"))
        engine.dispose()
