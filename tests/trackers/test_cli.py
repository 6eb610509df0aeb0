"""`hirebot trackers register` and `hirebot trackers sync` through the real command line,
against the fake Jira, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.domain.trackers import Purpose
from bot.services import trackers
from bot.services.context import Actor, Context
from tests.fakes.jira_api import FakeJira
from tests.helpers import only, say
from tests.integration.test_privacy import dump_all
from tests.trackers.conftest import (
    PUBLIC_URL,
    SECRET_KEY,
    Tracked,
    hire_with_offer,
    items,
    run_tracker_work,
    tracked_config,
)

TRACKER = {"kind": "jira", "project": "HB"}


@pytest.fixture
def jira() -> Iterator[FakeJira]:
    with FakeJira() as fake:
        yield fake


def cli_env(jira: FakeJira, database_url: str, config: Path, clock: FrozenClock) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "HIREBOT_CONFIG": str(config),
        "HIREBOT_CLOCK": clock.now().isoformat(),
        "HIREBOT_PUBLIC_URL": PUBLIC_URL,
        "HIREBOT_SECRET_KEY": SECRET_KEY,
        "JIRA_URL": jira.base_url,
        "JIRA_EMAIL": jira.email,
        "JIRA_API_TOKEN": jira.token,
        "JIRA_WEBHOOK_SECRET": "s3cret",
    }


@pytest.fixture
def setup(
    make_tracked: Any,
    jira: FakeJira,
    database_url: str,
    shipped_config: HirebotConfig,
    clock: FrozenClock,
    tmp_path: Path,
) -> tuple[Tracked, dict[str, str]]:
    config = tmp_path / "config.yaml"
    dumped = tracked_config(shipped_config, TRACKER).model_dump(mode="json", exclude_none=True)
    config.write_text(yaml.safe_dump(dumped), encoding="utf-8")
    env = cli_env(jira, database_url, config, clock)
    tracked: Tracked = make_tracked(TRACKER, {k: v for k, v in env.items() if k.startswith("J")})
    return tracked, env


def test_register_creates_the_projects_webhook_once(
    setup: tuple[Tracked, dict[str, str]], jira: FakeJira
) -> None:
    _t, env = setup
    first = CliRunner().invoke(cli, ["trackers", "register"], env=env)
    assert first.exit_code == 0, first.output
    assert f"jira HB: webhook to {PUBLIC_URL}/trackers/jira/webhook?target=HB" in first.output
    assert len(jira.webhooks) == 1
    hook = jira.webhooks[0]
    assert hook["url"] == f"{PUBLIC_URL}/trackers/jira/webhook?target=HB"
    assert hook["secret"] == "s3cret"
    assert hook["filters"] == {"issue-related-events-section": "project = HB"}
    again = CliRunner().invoke(cli, ["trackers", "register"], env=env)
    assert "already registered" in again.output
    assert len(jira.webhooks) == 1


def test_sync_reads_states_back_when_no_webhook_can_reach_hirebot(
    setup: tuple[Tracked, dict[str, str]], jira: FakeJira
) -> None:
    t, env = setup
    applicant_id = hire_with_offer(t.app)
    run_tracker_work(t)
    jira.set_status("HB-1", done=True)
    jira.set_due("HB-2", "2027-02-28")
    result = CliRunner().invoke(cli, ["trackers", "sync"], env=env)
    assert result.exit_code == 0, result.output
    assert "jira: read 7 items, 2 changed, 0 queued again" in result.output
    assert "HB-1: done" in result.output
    lines = only(say(t.app, f"milestones {applicant_id}")).lines
    assert lines[0].startswith("1. Design doc by 2026-12-15 — done")
    assert lines[1].startswith("2. API v1 by 2027-02-28 — open")
    # a tracker that fails: the error is said, and the command exits 1
    jira.fail_next(503, times=5)
    failed = CliRunner().invoke(cli, ["trackers", "sync"], env=env)
    assert failed.exit_code == 1
    assert "error: Jira 503" in failed.output
    assert items(t.app)[0].state == "done"


def test_unknown_or_unconfigured_trackers_are_refused_plainly(
    setup: tuple[Tracked, dict[str, str]],
) -> None:
    _t, env = setup
    unknown = CliRunner().invoke(cli, ["trackers", "sync", "--kind", "basecamp"], env=env)
    assert unknown.exit_code == 2
    assert "unknown tracker 'basecamp'" in unknown.output
    bare = {k: v for k, v in env.items() if not k.startswith("JIRA_")}
    missing = CliRunner().invoke(cli, ["trackers", "sync"], env=bare)
    assert missing.exit_code == 2
    assert "no tracker is configured" in missing.output


def test_erasure_scrubs_hirebots_records_of_the_items(
    setup: tuple[Tracked, dict[str, str]], jira: FakeJira
) -> None:
    t, env = setup
    applicant_id = hire_with_offer(t.app, "Ayesha Khan")
    with t.app.uow() as uow:
        ctx = Context(
            uow, t.app.catalog, t.app.clock, Actor("system", "test"), "c1", t.app.channels
        )
        trackers.report_from_checkin(
            ctx, applicant_id, Purpose.SCOPE_CHANGE, "Ayesha Khan must also ship billing"
        )
        uow.commit()
    run_tracker_work(t)
    assert "ayesha khan" in dump_all(t.app)
    exported = CliRunner().invoke(cli, ["applicant", "export", str(applicant_id)], env=env)
    assert '"tracker_items"' in exported.output, exported.output
    erased = CliRunner().invoke(cli, ["applicant", "erase", str(applicant_id), "--yes"], env=env)
    assert erased.exit_code == 0, erased.output
    everything = dump_all(t.app)
    assert "ayesha khan" not in everything
    assert "ayesha@example.com" not in everything
    rows = items(t.app)
    assert len(rows) == 8
    assert all(r.external_id and r.url for r in rows)  # the links into the tracker stay
    assert rows[-1].title.startswith("Scope change: ")
    # what stays in the tracker is the team's (docs/privacy.md)
    assert any("Ayesha Khan" in i["fields"]["summary"] for i in jira.issues.values())
