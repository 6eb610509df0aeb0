"""`report` over a seeded history with known answers (tests/report_history.py), on both
databases: the numbers, who may see them, erasure leaving them standing, the chart, and the
console and CLI writing it to a file."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from rich.console import Console

from bot.bootstrap import Hirebot
from bot.channels.console.session import ConsoleSession
from bot.clock import FrozenClock
from bot.messages import charts
from bot.messages.reply import Reply
from bot.services import privacy
from bot.services.context import Actor, Context
from tests.cli_runner import run_cli
from tests.helpers import inbox, only, say
from tests.report_history import seed_history


@pytest.fixture
def history(app: Hirebot) -> list[int]:
    return seed_history(app)


def section(reply: Reply, title: str) -> list[str]:
    start = reply.lines.index(f"— {title} —") + 1
    rest = reply.lines[start:]
    end = next((i for i, line in enumerate(rest) if line.startswith("— ")), len(rest))
    return rest[:end]


def test_the_funnel_medians_offers_and_sources_match_the_history(
    app: Hirebot, history: list[int]
) -> None:
    reply = only(say(app, "report senior-backend period=all", who="omar"))
    assert reply.title == "Hiring report: Senior Backend Engineer"
    assert reply.text.startswith("8 applicants applied at any time: 1 open, 3 hired, 3 rejected")
    assert section(reply, "Funnel") == [
        "Applied: 8",
        "Screening: 6 (75% of the step before)",
        "Technical assessment: 5 (83% of the step before)",
        "Interview: 5 (100% of the step before)",
        "Final interview: 4 (80% of the step before)",
        "Offer: 4 (100% of the step before)",
        "Hired: 3 (75% of the step before)",
    ]
    assert section(reply, "Time to hire") == [
        "Senior Backend Engineer: median 30.0 d from applying (middle half 25.0 d–35.0 d, "
        "range 20.0 d–40.0 d; 3 hires)"
    ]
    applied = section(reply, "Time in each stage")[0]
    assert applied.startswith("Applied: median 2.0 d (limit 3 d, 3 of 8 stays over it;")
    assert applied.endswith("1 there now")
    assert section(reply, "Offers") == [
        "4 offers made: 3 accepted, 1 declined, 0 withdrawn, 0 awaiting an answer "
        "(75% of answers were yes)"
    ]
    assert section(reply, "Sources, furthest first") == [
        "1. referral: 3 applicants, 5.0 stages passed on average, 3 past the first, 2 hired",
        "2. linkedin: 3 applicants, 4.0 stages passed on average, 3 past the first, 1 hired",
        "3. (not recorded): 1 applicant, 0.0 stages passed on average, 0 past the first, 0 hired",
        "4. job board: 1 applicant, 0.0 stages passed on average, 0 past the first, 0 hired",
    ]


def test_interviewers_feedback_timeliness_and_calibration(app: Hirebot, history: list[int]) -> None:
    reply = only(say(app, "report period=all", who="sana"))
    assert section(reply, "Interviewers") == [
        "Hina Baig: 3 interviews; feedback 3 on time, 0 late, 0 owed; +1.25 against the panel, "
        "softer than the panel (2 scorecards)",
        "Lucas Meyer: 2 interviews; feedback 1 on time, 1 late, 0 owed; -1.25 against the "
        "panel, harsher than the panel (2 scorecards)",
        "Omar Farooq: 1 interview; feedback 0 on time, 0 late, 1 owed; no panel to compare with",
    ]


def test_only_admins_and_hiring_managers_see_reports(app: Hirebot, history: list[int]) -> None:
    refused = only(say(app, "report", who="hina"))
    assert refused.kind == "error"
    assert "see hiring reports" in refused.text
    assert "calibration" in refused.text  # the permission's name says what it guards
    assert "Hina" not in refused.text
    assert "+1.25" not in refused.plain_text()
    assert "report" not in only(say(app, "help", who="hina")).plain_text().split()
    assert only(say(app, "report", who="omar")).kind == "info"  # hiring manager


def test_a_period_keeps_to_those_who_applied_in_it(app: Hirebot, history: list[int]) -> None:
    recent = only(say(app, "report period=30d", who="omar"))
    assert recent.text.startswith("0 applicants applied in the last 30 days")
    assert only(say(app, "report period=9w", who="omar")).text.startswith("8 applicants")
    bad = only(say(app, "report period=soon", who="omar"))
    assert bad.kind == "error"
    assert "90d, 12w, 6m, 1y or all" in bad.text
    unknown = only(say(app, "report senior-backnd", who="omar"))
    assert "did you mean" in unknown.text


def test_erasure_leaves_the_numbers_standing(app: Hirebot, history: list[int]) -> None:
    before = only(say(app, "report period=all", who="sana"))
    with app.uow() as uow:
        ctx = Context(uow, app.catalog, app.clock, Actor("system", "test"), "erase", frozenset())
        privacy.erase(ctx, history[2])  # a referral, rejected after the interview
        uow.commit()
    after = only(say(app, "report period=all", who="sana"))
    for title in ("Funnel", "Time to hire", "Time in each stage", "Offers"):
        assert section(after, title) == section(before, title), title
    hina, lucas, omar = section(after, "Interviewers")
    assert [hina, lucas] == section(before, "Interviewers")[:2]
    # The interview was held; the scorecard erasure stopped asking for is no longer owed.
    assert omar.startswith("Omar Farooq: 1 interview; feedback 0 on time, 0 late, 0 owed")
    assert after.text == before.text
    sources = section(after, "Sources, furthest first")
    assert sources[0].startswith("1. referral: 2 applicants, 6.0 stages")
    assert any(
        line.endswith(
            "(erased): 1 applicant, 3.0 stages passed on average, 1 past the first, 0 hired"
        )
        for line in sources
    )


def test_the_chart_is_a_png_of_the_funnel_and_the_stage_times(
    app: Hirebot, history: list[int]
) -> None:
    reply = only(say(app, "report senior-backend period=all", who="omar"))
    assert reply.chart is not None
    funnel, stages = reply.chart.panels
    assert [b.value for b in funnel.bars] == [8, 6, 5, 5, 4, 4, 3]
    assert stages.bars[0].label == "Applied"
    assert stages.bars[0].value == 2.0
    assert stages.bars[0].limit == 3
    image = Image.open(io.BytesIO(charts.png(reply.chart)))
    assert image.format == "PNG"
    assert image.size == (charts.WIDTH_PX, charts.HEIGHT_PX)


def test_the_console_writes_the_chart_to_a_file(
    app: Hirebot, history: list[int], tmp_path: Path
) -> None:
    out = Console(file=io.StringIO(), width=200)
    ConsoleSession(app, "omar", io.StringIO("report period=all\n"), out, tmp_path).run()
    printed = out.file.getvalue()  # type: ignore[attr-defined]
    [written] = list(tmp_path.glob("hiring-report-*.png"))
    assert f"chart: {written}" in printed
    assert "Applied: 8" in printed
    with Image.open(written) as image:
        assert image.size == (charts.WIDTH_PX, charts.HEIGHT_PX)


def test_the_cli_writes_the_chart_csv_and_json(
    app: Hirebot, history: list[int], database_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    png = tmp_path / "report.png"
    code, output = run_cli(database_url, clock, "report", "--period", "all", "--out", str(png))
    assert code == 0, output
    assert png.read_bytes().startswith(charts.PNG_SIGNATURE)
    code, output = run_cli(database_url, clock, "report", "--period", "all", "--format", "csv")
    assert code == 0, output
    assert "funnel,hired,reached,3" in output.splitlines()
    assert "time_to_hire_days,senior-backend,median,30.0" in output.splitlines()
    target = tmp_path / "report.json"
    code, output = run_cli(
        database_url,
        clock,
        "report",
        "senior-backend",
        "--period",
        "all",
        "--format",
        "json",
        "--out",
        str(target),
    )
    assert code == 0, output
    data = json.loads(target.read_text(encoding="utf-8"))
    assert [s["reached"] for s in data["funnel"]] == [8, 6, 5, 5, 4, 4, 3]
    assert data["offers"]["acceptance"] == 0.75
    hina = next(i for i in data["interviewers"] if i["person"] == "hina")
    assert hina["calibration"] == 1.25
    assert hina["leaning"] == "softer than the panel"
    code, output = run_cli(database_url, clock, "report", "--as", "hina")
    assert code != 0
    assert "see hiring reports" in output


def test_the_weekly_digest_carries_the_chart(
    app: Hirebot, history: list[int], clock: FrozenClock
) -> None:
    app.tasks.run_due(clock.now())  # plans each person's next digest
    monday = datetime(2026, 11, 30, 4, 30, tzinfo=UTC)  # omar's: Mondays 09:30 in Karachi
    clock.set(monday)
    app.tasks.run_due(monday)
    weekly = [r for r in inbox(app, "omar") if r.title.startswith("Hiring digest")]
    assert weekly, "omar's weekly digest was not sent"
    chart = weekly[-1].chart
    assert chart is not None
    assert [b.value for b in chart.panels[0].bars][:2] == [8, 6]
    daily = [r for r in inbox(app, "sana") if r.title.startswith("Hiring digest")]
    assert daily
    assert all(r.chart is None for r in daily)
