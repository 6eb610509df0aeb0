"""Digests, pipeline check-ins, stale nudges and hire check-ins with a controllable clock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.messages.reply import Reply
from bot.services import tasks
from bot.services.context import Actor, Context
from storage.models import Applicant, CheckinResponse, ScheduledTask
from tests.helpers import click, inbox, only, say

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 14:00 in Karachi


def variant(config: HirebotConfig, change: Callable[[dict[str, Any]], None]) -> HirebotConfig:
    data = config.model_dump(mode="json")
    change(data)
    return HirebotConfig.model_validate(data)


def with_team(data: dict[str, Any]) -> None:
    data["people"].append(
        {"key": "zara", "name": "Zara Hussain", "roles": ["member"], "timezone": "Asia/Karachi"}
    )
    for person in data["people"]:
        if person["key"] == "lucas":
            person["digest"] = {"frequency": "daily", "time": "09:00", "weekday": "mon"}
    data["schedules"]["pipeline_checkins"] = [
        {"role": "senior-backend", "weekday": "mon", "time": "10:00"}
    ]


@pytest.fixture
def team(database_url: str, shipped_config: HirebotConfig, clock: FrozenClock) -> Iterator[Hirebot]:
    app = bootstrap(
        config=variant(shipped_config, with_team),
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate({}),
    )
    yield app
    app.close()


def digests_for(app: Hirebot, who: str) -> list[Reply]:
    return [r for r in inbox(app, who) if r.title.startswith("Hiring digest")]


def pending(app: Hirebot, kind: str, subject: str) -> list[datetime]:
    with app.uow() as uow:
        return [
            t.due_at
            for t in uow.session.scalars(
                select(ScheduledTask).where(
                    ScheduledTask.kind == kind,
                    ScheduledTask.subject == subject,
                    ScheduledTask.status == "pending",
                )
            )
        ]


def tick(app: Hirebot, clock: FrozenClock, moment: datetime) -> None:
    clock.set(moment)
    app.tasks.run_due(moment)


def test_digests_are_planned_at_each_persons_local_time(team: Hirebot, clock: FrozenClock) -> None:
    tick(team, clock, MONDAY)
    assert pending(team, "digest", "person:sana") == [
        datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
    ]  # 09:00 PKT
    assert pending(team, "digest", "person:omar") == [
        datetime(2026, 11, 30, 4, 30, tzinfo=UTC)
    ]  # Mon 09:30 PKT
    assert pending(team, "digest", "person:lucas") == [
        datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    ]  # 09:00 CET


def test_nothing_new_means_no_digest_and_activity_means_one(
    team: Hirebot, clock: FrozenClock
) -> None:
    tick(team, clock, MONDAY)
    tick(team, clock, datetime(2026, 11, 24, 4, 0, tzinfo=UTC))
    assert digests_for(team, "sana") == []
    clock.advance(timedelta(hours=3))
    say(team, "add senior-backend 'Ayesha Khan' email=ayesha@example.com source=referral")
    tick(team, clock, datetime(2026, 11, 25, 4, 0, tzinfo=UTC))
    sent = digests_for(team, "sana")
    assert len(sent) == 1
    assert "#1 Ayesha Khan — Senior Backend Engineer, via referral" in sent[0].lines
    assert sent[0].text.startswith("Since 24 Nov 2026 09:00 PKT")


def test_empty_digests_can_be_switched_on(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> None:
    def empty_ok(data: dict[str, Any]) -> None:
        data["schedules"]["digest_when_empty"] = True

    app = bootstrap(
        config=variant(shipped_config, empty_ok),
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate({}),
    )
    try:
        tick(app, clock, MONDAY)
        tick(app, clock, datetime(2026, 11, 24, 4, 0, tzinfo=UTC))
        assert digests_for(app, "sana")[0].text.endswith("nothing new.")
    finally:
        app.close()


def test_after_downtime_a_missed_digest_is_sent_once(team: Hirebot, clock: FrozenClock) -> None:
    say(team, "add senior-backend Bilal email=bilal@example.com")
    tick(team, clock, MONDAY)
    # down from Monday afternoon until Friday noon: three daily slots were missed
    tick(team, clock, datetime(2026, 11, 27, 7, 0, tzinfo=UTC))
    assert len(digests_for(team, "sana")) == 1
    assert pending(team, "digest", "person:sana") == [datetime(2026, 11, 28, 4, 0, tzinfo=UTC)]
    # a restart (a second runner) at the same instant sends nothing more
    team.tasks.run_due(clock.now())
    assert len(digests_for(team, "sana")) == 1


def test_daylight_saving_neither_skips_nor_doubles(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> None:
    def berlin(data: dict[str, Any]) -> None:
        for person in data["people"]:
            if person["key"] == "lucas":
                person["roles"] = ["admin", "interviewer"]
                person["digest"] = {"frequency": "daily", "time": "02:30", "weekday": "mon"}
        data["schedules"]["digest_when_empty"] = True

    app = bootstrap(
        config=variant(shipped_config, berlin),
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate({}),
    )
    try:
        sent_at: list[datetime] = []

        def run_hourly(start: datetime, hours: int) -> None:
            for hour in range(hours):
                moment = start + timedelta(hours=hour)
                before = len(digests_for(app, "lucas"))
                tick(app, clock, moment)
                if len(digests_for(app, "lucas")) > before:
                    sent_at.append(moment)

        run_hourly(datetime(2026, 10, 23, 12, 0, tzinfo=UTC), 72)  # clocks go back 25 Oct
        days = [m.astimezone(UTC).date().isoformat() for m in sent_at]
        assert days == ["2026-10-24", "2026-10-25", "2026-10-26"]
        sent_at.clear()
        run_hourly(datetime(2027, 3, 26, 12, 0, tzinfo=UTC), 72)  # clocks go forward 28 Mar
        assert len(sent_at) == 3
        assert len({m.date() for m in sent_at}) == 3
    finally:
        app.close()


def test_pipeline_checkin_lists_decisions_with_one_tap_actions(
    team: Hirebot, clock: FrozenClock
) -> None:
    say(team, "add senior-backend 'Ayesha Khan' email=ayesha@example.com")
    say(team, "advance 1")
    say(team, "schedule 1 2026-11-24 15:00 with=hina stage=screening duration=30m")
    tick(team, clock, datetime(2026, 11, 24, 10, 30, tzinfo=UTC))
    prompt = inbox(team, "hina")[-1]
    value = next(a.value for a in prompt.actions if a.label == "Start feedback")
    click(team, "flow", value, who="hina")
    say(team, "4", who="hina")
    review_prompt = only(say(team, "skip", who="hina"))
    value = next(a.value for a in review_prompt.actions if a.label == "Yes")
    click(team, "flow", value, who="hina")
    say(team, "skip", who="hina")
    review = only(say(team, "skip", who="hina"))
    click(team, "flow", next(a.value for a in review.actions if a.label == "Submit"), who="hina")
    tick(team, clock, datetime(2026, 11, 30, 5, 0, tzinfo=UTC))  # Monday 10:00 Karachi
    checkin = [r for r in inbox(team, "omar") if r.title.startswith("Pipeline check-in")]
    assert len(checkin) == 1
    assert any("#1 Ayesha Khan" in line and "yes ×1" in line for line in checkin[0].lines)
    advance = next(a for a in checkin[0].actions if a.id == "advance")
    assert advance.label == "Advance to Technical assessment #1"
    assert only(click(team, "advance", advance.value, who="omar")).kind == "success"
    assert [r for r in inbox(team, "sana") if r.title.startswith("Pipeline check-in")]


def test_stale_applicants_nudge_the_recruiter_once_per_period_batched(
    team: Hirebot, clock: FrozenClock
) -> None:
    say(team, "add senior-backend A email=a@example.com")
    say(team, "add senior-backend B email=b@example.com")
    tick(team, clock, MONDAY)
    tick(
        team, clock, datetime(2026, 11, 27, 4, 30, tzinfo=UTC)
    )  # Fri 09:30 Karachi, 4 days in Applied
    nudges = [r for r in inbox(team, "sana") if "stuck in Senior Backend Engineer" in r.title]
    assert len(nudges) == 1
    assert nudges[0].title == "2 applicants stuck in Senior Backend Engineer"
    tick(team, clock, datetime(2026, 11, 27, 6, 0, tzinfo=UTC))
    assert len([r for r in inbox(team, "sana") if "stuck" in r.title]) == 1


def hire(app: Hirebot) -> Reply:
    """Zara through the pipeline to an accepted offer starting today (the hiring manager's, in
    range, so approved at once): hiring follows the offer."""
    say(app, "add senior-backend 'Zara Hussain' email=zara@example.com")
    for stage in ("screening", "technical_assessment", "interview", "final_interview"):
        assert only(say(app, f"move 1 {stage}")).kind == "success"
    say(app, "offer 1 pay=12500 start=2026-11-23 terms=scope,ip,confidentiality", who="omar")
    reply = only(say(app, "offer accept 1"))
    assert reply.kind == "success", reply.text
    return reply


def test_hire_checkin_answered_end_to_end(team: Hirebot, clock: FrozenClock) -> None:
    hired = hire(team)
    assert "checkin start 1 as=<their person key>" in hired.footer
    started = only(
        say(team, "checkin start 1 as=zara milestones='Design doc:2026-12-15; API v1:2027-01-31'")
    )
    assert started.kind == "success", started.text
    assert inbox(team, "zara")[-1].title == "Welcome aboard!"
    tick(team, clock, MONDAY)
    tick(team, clock, datetime(2026, 11, 27, 11, 0, tzinfo=UTC))  # Friday 16:00 Karachi
    prompt = inbox(team, "zara")[-1]
    assert prompt.title == "Check-in"
    click(team, "flow", next(a.value for a in prompt.actions if a.label == "Start"), who="zara")
    say(team, "design doc drafted, on track", who="zara")
    say(team, "waiting on staging access", who="zara")
    say(team, "skip", who="zara")
    done = only(say(team, "good, daily standups help", who="zara"))
    assert "Omar Farooq gets a summary" in done.text
    summary = inbox(team, "omar")[-1]
    assert summary.title == "Check-in from Zara Hussain (weekly)"
    assert any(
        line == "Is anything blocking you? — waiting on staging access" for line in summary.lines
    )
    assert "Milestone: Design doc by 2026-12-15" in summary.lines
    with team.uow() as uow:
        response = uow.session.scalars(select(CheckinResponse)).one()
        assert response.answers["progress"] == "design doc drafted, on track"


def test_checkins_can_be_skipped_snoozed_and_paused(team: Hirebot, clock: FrozenClock) -> None:
    hire(team)
    say(team, "checkin start 1 as=zara")
    tick(team, clock, MONDAY)
    friday = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
    tick(team, clock, friday)
    prompt = inbox(team, "zara")[-1]
    snoozed = click(
        team, "flow", next(a.value for a in prompt.actions if a.label == "Snooze a day"), who="zara"
    )
    assert "ask again tomorrow" in only(snoozed).text
    tick(team, clock, friday + timedelta(days=1, minutes=1))
    prompt = inbox(team, "zara")[-1]
    assert prompt.title == "Check-in"
    skipped = click(
        team,
        "flow",
        next(a.value for a in prompt.actions if a.label == "Skip this one"),
        who="zara",
    )
    assert "Skipped" in only(skipped).text
    assert only(say(team, "checkin pause 1 until=2026-12-20", who="zara")).kind == "success"
    before = len(inbox(team, "zara"))
    tick(team, clock, datetime(2026, 12, 4, 11, 0, tzinfo=UTC))  # next Friday: paused
    assert len(inbox(team, "zara")) == before
    tick(team, clock, datetime(2026, 12, 25, 11, 0, tzinfo=UTC))  # after the pause
    assert inbox(team, "zara")[-1].title == "Check-in"
    with team.uow() as uow:
        assert [r.status for r in uow.session.scalars(select(CheckinResponse))] == ["skipped"]


def test_a_checkins_opening_is_answered_by_typing_as_by_its_buttons(
    team: Hirebot, clock: FrozenClock
) -> None:
    hire(team)
    say(team, "checkin start 1 as=zara")
    tick(team, clock, MONDAY)
    tick(team, clock, datetime(2026, 11, 27, 11, 0, tzinfo=UTC))
    error, again = say(team, "perhaps", who="zara").replies
    assert error.kind == "error"
    assert error.text == "choose Start, Skip this one, or Snooze a day"
    assert again.title == "Check-in"
    assert "ask again tomorrow" in only(say(team, "Later", who="zara")).text
    tick(team, clock, datetime(2026, 11, 28, 11, 1, tzinfo=UTC))
    assert inbox(team, "zara")[-1].title == "Check-in"
    assert "Skipped" in only(say(team, "skip this one", who="zara")).text


def test_checkins_need_a_hired_applicant(team: Hirebot) -> None:
    say(team, "add senior-backend Zed email=z@example.com")
    assert "not hired yet" in only(say(team, "checkin start 1 as=zara")).text
    assert "is not a date" in only(say(team, "checkin pause 1 until=soon")).text


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_runners_on_postgres_claim_disjoint_work(team: Hirebot) -> None:
    runs: list[str] = []
    lock = threading.Lock()

    def handler(ctx: Context, task: ScheduledTask) -> str:
        with lock:
            runs.append(task.subject)
        return "ok"

    second = bootstrap(
        config=team.config,
        database_url=str(team.engine.url.render_as_string(hide_password=False)),
        clock=team.clock,
        channels=("console",),
        env=Environment.model_validate({}),
    )
    try:
        for runner in (team.tasks, second.tasks):
            runner.register("test.work", handler)
        with team.uow() as uow:
            actor = Actor("system", "test")
            ctx = Context(uow, team.catalog, team.clock, actor, "cid", team.channels)
            for n in range(200):
                tasks.schedule(ctx, "test.work", f"item:{n}", MONDAY - timedelta(minutes=1))
            uow.commit()
        barrier = threading.Barrier(2)

        def drain(app: Hirebot) -> None:
            barrier.wait()
            app.tasks.run_due(MONDAY)

        threads = [threading.Thread(target=drain, args=(a,)) for a in (team, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)  # generous: a loaded machine is slow, not wrong
        assert not any(t.is_alive() for t in threads)
        assert sorted(runs) == sorted(f"item:{n}" for n in range(200))
    finally:
        second.close()


def test_jobs_cli_lists_and_runs_due_work(
    team: Hirebot, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import yaml

    from bot.cli import app as cli

    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(team.config.model_dump(mode="json")))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("HIREBOT_CONFIG", str(config_file))
    monkeypatch.setenv("COLUMNS", "200")
    say(team, "add senior-backend Bilal email=bilal@example.com")
    runner = CliRunner()
    ran = runner.invoke(cli, ["jobs", "run-due", "--at", "2026-11-24T09:00+05:00"])
    assert ran.exit_code == 0, ran.output
    assert "digest ×1" in ran.output
    listed = runner.invoke(cli, ["jobs", "list", "--all"])
    assert "person:sana" in listed.output
    assert "sent" in listed.output
    bad = runner.invoke(cli, ["jobs", "run-due", "--at", "tomorrow"])
    assert bad.exit_code == 2
    preview = runner.invoke(cli, ["digest", "--person", "omar"])
    assert "Hiring digest for Omar Farooq" in preview.output
    with team.uow() as uow:
        assert uow.session.scalars(select(Applicant)).one().name == "Bilal"


def test_jobs_cli_retries_a_failed_task_through_the_queue(
    team: Hirebot, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import yaml

    from bot.cli import app as cli

    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(team.config.model_dump(mode="json")))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("HIREBOT_CONFIG", str(config_file))
    monkeypatch.setenv("COLUMNS", "200")
    now = team.clock.now()
    with team.uow() as uow:
        for key, status in (("broken", "failed"), ("fine", "pending")):
            uow.tasks.add(
                ScheduledTask(
                    kind="interview.prep",
                    subject=f"interview:{key}",
                    key=key,
                    due_at=now,
                    status=status,
                    attempts=3,
                    last_error="RuntimeError: boom" if status == "failed" else None,
                    created_at=now,
                )
            )
        uow.commit()
        ids = {t.key: t.id for t in uow.session.scalars(select(ScheduledTask))}
    runner = CliRunner()
    missing = runner.invoke(cli, ["jobs", "retry"])
    assert missing.exit_code == 2
    refused = runner.invoke(cli, ["jobs", "retry", str(ids["fine"])])
    assert refused.exit_code == 1
    assert "no failed task with that id" in refused.output
    retried = runner.invoke(cli, ["jobs", "retry", "--all-failed"])
    assert retried.exit_code == 0, retried.output
    assert f"{ids['broken']}: back in line" in retried.output
    with team.uow() as uow:
        task = uow.session.get(ScheduledTask, ids["broken"])
        assert task is not None
        assert (task.status, task.attempts) == ("pending", 0)
    again = runner.invoke(cli, ["jobs", "retry", "--all-failed"])
    assert "no failed tasks" in again.output


def test_a_milestone_checkin_held_by_quiet_hours_keeps_its_occasion(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> None:
    def quiet_zara(data: dict[str, Any]) -> None:
        with_team(data)
        data["people"][-1]["quiet_hours"] = "15:00-17:00"

    app = bootstrap(
        config=variant(shipped_config, quiet_zara),
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate({}),
    )
    try:
        hire(app)
        say(app, "checkin start 1 as=zara")
        day_30 = datetime(2026, 12, 23, 11, 0, tzinfo=UTC)  # 16:00 Karachi: quiet for Zara
        tick(app, clock, day_30)
        assert inbox(app, "zara")[-1].title == "Welcome aboard!"
        tick(app, clock, day_30 + timedelta(hours=1))  # 17:00 Karachi: quiet hours over
        assert inbox(app, "zara")[-1].text.startswith("Your day-30 check-in")
    finally:
        app.close()
