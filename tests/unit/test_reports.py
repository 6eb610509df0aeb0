"""The report's arithmetic (bot/domain/reports.py) on small hand-made histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import reports as calc
from bot.domain.catalog import EmploymentType, RoleSpec
from bot.domain.errors import InvalidInput
from bot.domain.stages import DEFAULT_STAGES, Pipeline
from bot.services.reports import as_csv

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
ROLE = RoleSpec(
    key="be",
    title="Backend",
    team="",
    location="",
    employment_type=EmploymentType.FULL_TIME,
    hiring_manager="omar",
    recruiter="sana",
    pipeline=Pipeline(DEFAULT_STAGES),
)


def day(n: float) -> datetime:
    return NOW - timedelta(days=30) + timedelta(days=n)


@pytest.mark.parametrize(
    ("word", "days"),
    [("90d", 90), ("12w", 84), ("6m", 180), ("1y", 365), (" 30D ", 30), ("all", None)],
)
def test_periods(word: str, days: int | None) -> None:
    assert calc.parse_period(word) == days


@pytest.mark.parametrize("word", ["", "soon", "0d", "-3d", "90", "11y", "3 months"])
def test_bad_periods_say_what_is_accepted(word: str) -> None:
    with pytest.raises(InvalidInput, match=r"90d, 12w, 6m, 1y or all|1 day to 10 years"):
        calc.parse_period(word)


def test_spread_quartiles_are_a_spreadsheets() -> None:
    spread = calc.Spread.of([40, 20, 30])
    assert spread == calc.Spread(3, 30, 25, 35, 20, 40)
    assert calc.Spread.of([7]) == calc.Spread(1, 7, 7, 7, 7, 7)
    assert calc.Spread.of([]) is None


def build(
    applicants: list[calc.ApplicantFact],
    moves: list[calc.MoveFact],
    panels: list[calc.PanelFact] = [],  # noqa: B006 - read only
) -> calc.Report:
    return calc.build([ROLE], applicants, moves, [], panels, now=NOW, since=None, feedback_hours=24)


def test_a_skipped_stage_counts_as_reached_and_closing_moves_do_not() -> None:
    applicants = [
        calc.ApplicantFact(1, "be", "Referral ", day(0), "interview", False),
        calc.ApplicantFact(2, "be", "referral", day(0), "rejected", False),
    ]
    moves = [
        calc.MoveFact(1, "applied", day(0)),
        calc.MoveFact(1, "interview", day(3)),  # straight to interview
        calc.MoveFact(2, "applied", day(0)),
        calc.MoveFact(2, "rejected", day(1)),
    ]
    report = build(applicants, moves)
    assert [s.reached for s in report.funnel][:5] == [2, 1, 1, 1, 0]
    assert report.funnel[1].conversion == 0.5
    [referral] = report.sources  # case and spacing ignored
    assert (referral.source, referral.applicants, referral.depth) == ("referral", 2, 1.5)
    applied, *_rest = report.stage_times
    assert applied.spread == calc.Spread.of([3, 1])
    interview = next(s for s in report.stage_times if s.stage == "interview")
    assert interview.spread is not None
    assert interview.spread.median == 27
    assert interview.over_limit == 1
    assert interview.waiting_now == 1


def test_a_panel_of_one_is_compared_with_the_applicants_other_scorecards() -> None:
    def panel(interview: int, person: str, scores: tuple[int, ...]) -> calc.PanelFact:
        return calc.PanelFact(interview, 7, person, day(1), "submitted", day(1), scores)

    report = build([], [], [panel(1, "hina", (4, 4)), panel(2, "lucas", (2, 2))])
    hina, lucas = report.interviewers
    assert (hina.person, hina.calibration, hina.leaning) == ("hina", 2.0, "softer than the panel")
    assert (lucas.calibration, lucas.leaning) == (-2.0, "harsher than the panel")


def test_an_interview_still_to_come_counts_for_nobody() -> None:
    later = calc.PanelFact(1, 7, "hina", NOW + timedelta(hours=1), "pending", None, ())
    assert build([], [], [later]).interviewers == ()


def test_csv_cells_never_run_as_formulas() -> None:
    applicants = [calc.ApplicantFact(1, "be", '=HYPERLINK("x")', day(0), "applied", False)]
    text = as_csv(build(applicants, [calc.MoveFact(1, "applied", day(0))]))
    assert "'=hyperlink" in text
    assert "\n=" not in text
    assert ",=" not in text
