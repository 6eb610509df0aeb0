"""Export, erasure and retention of a candidate's personal data, on both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from bot.bootstrap import Hirebot, bootstrap
from bot.cli import app as cli
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from storage.models import Base, CardPost, Offer, OutboxMessage, StageMove
from tests.cli_runner import run_cli
from tests.helpers import only, say

NAME, EMAIL, PHONE = "Ayesha Khan", "ayesha.khan@example.com", "+923001234567"
runner = CliRunner()


@pytest.fixture
def cli_env(
    app: Hirebot, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Hirebot:
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(app.config.model_dump(mode="json")))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("HIREBOT_CONFIG", str(config_file))
    monkeypatch.setenv("COLUMNS", "200")
    return app


def leave_traces(app: Hirebot, clock: FrozenClock) -> None:
    """Her data in every corner: profile, notes, reasons, feedback, refused commands."""
    say(
        app,
        f"add senior-backend '{NAME}' email={EMAIL} phone=03001234567 resume=https://cv.example/ak",
    )
    say(app, "add senior-backend 'Bilal Ahmed' email=bilal@example.com")
    say(app, f'search save hers "{NAME}"')  # a saved search quoting her name
    say(app, f"note 1 {NAME} asked about remote work; reach her at {EMAIL}")
    say(app, f"note 2 referred by {NAME}")
    say(app, f"move 1 screening {NAME.split()[0]} is keen")
    say(app, f"add senior-backend '{NAME}' email=not-an-email")  # a refused command quoting her
    say(app, "schedule 1 2026-11-24 15:00 with=hina stage=screening duration=30m")
    clock.set(datetime(2026, 11, 24, 10, 30, tzinfo=UTC))
    app.tasks.run_due(clock.now())
    with app.uow() as uow:
        prompt = uow.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.destination == "console:hina")
            .order_by(OutboxMessage.id.desc())
        ).first()
        assert prompt is not None
        start = next(
            a["value"] for a in prompt.payload["actions"] if a["label"] == "Start feedback"
        )
    from tests.helpers import click

    click(app, "flow", start, who="hina")
    say(app, "3", who="hina")
    say(app, f"{NAME} explained her design clearly", who="hina")


def dump_all(app: Hirebot) -> str:
    """Every row of every table, as text."""
    chunks = []
    with app.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                chunks.append(repr(tuple(row)))
    return "\n".join(chunks).lower()


def test_export_gives_everything_about_one_person(
    cli_env: Hirebot, clock: FrozenClock, tmp_path: Path
) -> None:
    leave_traces(cli_env, clock)
    out = tmp_path / "export.json"
    result = runner.invoke(cli, ["applicant", "export", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["applicant"]["email"] == EMAIL
    assert data["applicant"]["phone"] == PHONE
    assert next(n["text"] for n in data["notes"]).startswith(NAME)
    assert data["stage_moves"][-1]["to_stage"] == "screening"
    assert data["interviews"][0]["panel"][0]["feedback_status"] == "pending"
    assert any(e["kind"] == "applicant.added" for e in data["timeline"])
    assert any(m["kind"] == "card" for m in data["messages"])
    missing = runner.invoke(cli, ["applicant", "export", "999"])
    assert missing.exit_code == 2
    assert "no applicant #999" in missing.output


def test_after_erasure_no_table_contains_her_name_email_or_phone(
    cli_env: Hirebot, clock: FrozenClock
) -> None:
    app = cli_env
    leave_traces(app, clock)
    with app.uow() as uow:
        uow.session.add(
            CardPost(
                channel="console",
                card_key="applicant:1",
                destination="#hiring-senior-backend",
                message_ref="m1",
                posted_at=clock.now(),
            )
        )
        uow.commit()
    typed = f"/hire add senior-backend '{NAME}' email={EMAIL} phone={PHONE}"
    app.inbox.receive("slack", "slack:cmd:t1", "slack:U1", {"text": typed})  # not handled yet
    before = dump_all(app)
    assert NAME.lower() in before
    assert EMAIL in before
    assert PHONE in before
    with app.uow() as uow:
        moves_before = len(uow.session.scalars(select(StageMove)).all())
    result = runner.invoke(cli, ["applicant", "erase", "1", "--yes"])
    assert result.exit_code == 0, result.output
    after = dump_all(app)
    for needle in (NAME.lower(), EMAIL, PHONE, PHONE.lstrip("+"), "03001234567", "cv.example/ak"):
        assert needle not in after, needle
    assert "bilal ahmed" in after  # others are untouched
    with app.uow() as uow:
        erased = uow.applicants.get(1)
        assert erased is not None
        assert erased.name == "Erased applicant #1"
        assert erased.stage == "screening"  # funnel statistics stay true
        assert erased.erased_at is not None
        assert len(uow.session.scalars(select(StageMove)).all()) == moves_before
        placeholder = uow.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "card_update")
            .order_by(OutboxMessage.id.desc())
        ).first()
        assert placeholder is not None
        assert placeholder.payload["title"] == "#1 (erased)"
    again = runner.invoke(cli, ["applicant", "erase", "1", "--yes"])
    assert again.exit_code == 2
    assert "already erased" in again.output


def test_erasure_refusals(cli_env: Hirebot) -> None:
    say(cli_env, f"add senior-backend '{NAME}' email={EMAIL}")
    missing = runner.invoke(cli, ["applicant", "erase", "999", "--yes"])
    assert missing.exit_code == 2
    assert "no applicant #999; nothing erased" in missing.output
    not_admin = runner.invoke(cli, ["applicant", "erase", "1", "--yes", "--as", "hina"])
    assert not_admin.exit_code == 2
    assert "you need permission to administer hirebot" in not_admin.output
    declined = runner.invoke(cli, ["applicant", "erase", "1"], input="n\n")
    assert declined.exit_code == 1
    with cli_env.uow() as uow:
        uow.session.add(
            Offer(
                applicant_id=1,
                employment_type="full_time",
                pay_amount=Decimal("12000"),
                currency="USD",
                period="month",
                start_date=date(2027, 1, 10),
                terms={},
                milestones=[],
                outside_range_reason="",
                status="approved",
                decision_reason="",
                created_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
            )
        )
        uow.commit()
    open_offer = runner.invoke(cli, ["applicant", "erase", "1", "--yes"])
    assert open_offer.exit_code == 2
    assert "has an open offer" in open_offer.output
    with cli_env.uow() as uow:
        applicant = uow.applicants.get(1)
        assert applicant is not None
        assert applicant.email == EMAIL


@pytest.fixture
def retaining(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> Iterator[Hirebot]:
    data: dict[str, Any] = shipped_config.model_dump(mode="json")
    data["privacy"] = {"retention": [{"stage": "rejected", "after_days": 30}], "notice_days": 7}
    app = bootstrap(
        config=HirebotConfig.model_validate(data),
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate({}),
    )
    yield app
    app.close()


def test_retention_reports_first_then_erases(retaining: Hirebot, clock: FrozenClock) -> None:
    app = retaining
    app.tasks.run_due(clock.now())  # the scheduler's first tick plans the daily sweep
    say(app, f"add senior-backend '{NAME}' email={EMAIL}")
    say(app, "add senior-backend 'Bilal Ahmed' email=bilal@example.com")
    say(app, "reject 1 not a fit")
    say(app, "reject 2 not a fit")
    clock.advance(timedelta(days=31))
    app.tasks.run_due(clock.now())
    with app.uow() as uow:
        sent = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.destination == "console:sana")
        ).all()
        reports = [m for m in sent if str(m.payload.get("title", "")).startswith("Retention:")]
        assert len(reports) == 1
        assert reports[0].payload["title"].startswith("Retention: 2 applicant(s) will be erased on")
        assert uow.applicants.get(1).erased_at is None  # type: ignore[union-attr]
    # Bilal is reconsidered before the erasure date: he is kept
    assert only(say(app, "move 2 screening")).kind == "error"  # closed stages do not move
    with app.uow() as uow:
        bilal = uow.applicants.get(2)
        assert bilal is not None
        bilal.stage = "screening"  # reopened by an admin directly
        uow.commit()
    clock.advance(timedelta(days=7, hours=1))
    app.tasks.run_due(clock.now())
    with app.uow() as uow:
        first = uow.applicants.get(1)
        second = uow.applicants.get(2)
        assert first is not None
        assert first.erased_at is not None
        assert second is not None
        assert second.erased_at is None
    assert EMAIL not in dump_all(app)


def test_the_retention_dry_run_names_stages_by_their_labels(
    retaining: Hirebot, database_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    app = retaining
    say(app, "add senior-backend 'Bilal Ahmed' email=bilal@example.com")
    say(app, "reject 1 not a fit")
    clock.advance(timedelta(days=31))
    config = tmp_path / "retaining.yaml"
    config.write_text(yaml.safe_dump(app.config.model_dump(mode="json")))
    code, output = run_cli(database_url, clock, "applicant", "retention", config=config)
    assert code == 0, output
    assert "Rejected for more than 30 days" in output
    assert "rejected for more" not in output


def test_retention_dry_run_cli(cli_env: Hirebot) -> None:
    result = runner.invoke(cli, ["applicant", "retention"])
    assert result.exit_code == 0
    assert "no retention rules configured" in result.output
