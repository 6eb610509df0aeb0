"""Hire check-ins keep to the calendar: they begin on the accepted offer's start date (the
30/60/90-day ones count from it), and a pause "until" a date resumes on that date in the hire's
timezone and is shown as typed. Console commands and `hirebot jobs run-due --at`, on the test's
clock, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from storage.models import ScheduledTask
from tests.cli_runner import run_cli
from tests.helpers import click, inbox, only, say

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 14:00 in Karachi


@pytest.fixture
def config(shipped_config: HirebotConfig) -> HirebotConfig:
    data: dict[str, Any] = shipped_config.model_dump(mode="json")
    data["people"].append(
        {"key": "zara", "name": "Zara Hussain", "roles": ["member"], "timezone": "Asia/Karachi"}
    )
    return HirebotConfig.model_validate(data)


@pytest.fixture
def team(database_url: str, config: HirebotConfig, clock: FrozenClock) -> Iterator[Hirebot]:
    clock.set(MONDAY)
    app = bootstrap(
        config=config,
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate({}),
    )
    yield app
    app.close()


@pytest.fixture
def config_file(config: HirebotConfig, tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config.model_dump(mode="json")))
    return path


def run_due(app: Hirebot, database_url: str, config_file: Path, at: str) -> None:
    code, output = run_cli(
        database_url, app.clock, "jobs", "run-due", "--at", at, config=config_file
    )
    assert code == 0, output


def prompts(app: Hirebot) -> list[str]:
    return [r.text for r in inbox(app, "zara") if r.title == "Check-in"]


def task_due(app: Hirebot, key: str) -> datetime:
    with app.uow() as uow:
        task = uow.session.scalars(select(ScheduledTask).where(ScheduledTask.key == key)).one()
        return task.due_at


def hire_contractor_starting(app: Hirebot, start: str) -> None:
    """Chen, through the contract role's pipeline to an accepted offer starting on `start`."""
    assert only(say(app, "add backend-contract Chen email=chen@example.com")).kind != "error"
    for _ in range(4):  # applied -> final interview
        assert only(say(app, "advance 1")).kind == "success"
    drafted = say(
        app,
        f"offer 1 type=contract pay=4000 currency=usd start={start} "
        "terms=scope,ip,confidentiality milestones='API v1:2027-02-15'",
    )
    assert drafted.replies[0].kind == "success", drafted.replies[0].text
    click(app, "offer_approve", "1", who="omar")
    accepted = only(say(app, "offer accept 1"))
    assert accepted.kind == "success", accepted.text


def test_check_ins_begin_on_the_offers_start_date_and_milestones_count_from_it(
    team: Hirebot, clock: FrozenClock, database_url: str, config_file: Path
) -> None:
    hire_contractor_starting(team, "2026-12-21")  # a Monday, four weeks away
    started = only(say(team, "checkin start 1 as=zara"))
    assert started.kind == "success", started.text
    assert started.text.startswith(
        "Check-in #1 scheduled to begin on 2026-12-21 (the start date on the accepted offer): "
        "weekly from then, plus at 30, 60, 90 days after it"
    )
    assert "They begin on 2026-12-21, your start date." in inbox(team, "zara")[-1].text
    assert (
        "#1 Zara Hussain → Omar Farooq · begins 2026-12-21" in only(say(team, "checkin list")).lines
    )
    # 30/60/90 days after the start date, at 16:00 in Karachi
    assert task_due(team, "checkin:1:day-30") == datetime(2027, 1, 20, 11, 0, tzinfo=UTC)
    assert task_due(team, "checkin:1:day-90") == datetime(2027, 3, 21, 11, 0, tzinfo=UTC)

    run_due(team, database_url, config_file, MONDAY.isoformat())
    for friday in ("2026-11-27", "2026-12-04", "2026-12-11", "2026-12-18"):
        run_due(team, database_url, config_file, f"{friday}T16:00+05:00")
    assert prompts(team) == []  # nothing is asked before the first day
    run_due(team, database_url, config_file, "2026-12-25T16:00+05:00")
    assert prompts(team) == ["Your weekly check-in: 4 short questions."]
    clock.set(datetime(2026, 12, 25, 11, 0, tzinfo=UTC))
    assert only(say(team, "checkin list")).lines == ["#1 Zara Hussain → Omar Farooq · active"]


def test_a_start_date_already_past_counts_milestones_from_it_and_starts_now(
    team: Hirebot, clock: FrozenClock
) -> None:
    hire_contractor_starting(team, "2026-12-21")
    clock.set(datetime(2026, 12, 30, 9, 0, tzinfo=UTC))  # started nine days ago
    started = only(say(team, "checkin start 1 as=zara"))
    assert started.text.startswith(
        "Check-in #1 started: weekly, plus at 30, 60, 90 days from 2026-12-21 "
        "(the start date on the accepted offer)"
    )
    assert task_due(team, "checkin:1:day-30") == datetime(2027, 1, 20, 11, 0, tzinfo=UTC)


def test_pause_until_a_date_resumes_on_that_date_in_the_hires_timezone(
    team: Hirebot, clock: FrozenClock, database_url: str, config_file: Path
) -> None:
    added = only(say(team, "add senior-backend 'Zara Hussain' email=zara@example.com"))
    assert added.kind != "error", added.text
    for stage in ("screening", "technical_assessment", "interview", "final_interview"):
        assert only(say(team, f"move 1 {stage}")).kind == "success"
    say(team, "offer 1 pay=12500 start=2026-11-23 terms=scope,ip,confidentiality", who="omar")
    assert only(say(team, "offer accept 1")).kind == "success"  # hiring follows the offer
    started = only(say(team, "checkin start 1 as=zara"))
    assert "from 2026-11-23 (the start date on the accepted offer)" in started.text

    # 20:00 UTC on the 23rd is already the 24th in Karachi: "until the 24th" is no pause
    clock.set(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))
    assert "a date in the future" in only(say(team, "checkin pause 1 until=2026-11-24")).text
    paused = only(say(team, "checkin pause 1 until=2027-01-15", who="zara"))
    assert paused.text == "Check-in #1 paused until 2027-01-15."
    assert only(say(team, "checkin list")).lines == [
        "#1 Zara Hussain → Omar Farooq · paused until 2027-01-15"
    ]

    run_due(team, database_url, config_file, "2026-11-24T09:00+05:00")
    run_due(team, database_url, config_file, "2027-01-08T16:00+05:00")  # the Friday before
    assert prompts(team) == []
    run_due(team, database_url, config_file, "2027-01-15T16:00+05:00")  # the day typed
    assert prompts(team) == ["Your weekly check-in: 4 short questions."]
