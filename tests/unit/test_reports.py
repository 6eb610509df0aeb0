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
    cohort: list[calc.CohortGroup],
    stays: list[calc.StayGroup] = [],  # noqa: B006 - read only
    panels: list[calc.PanelFact] = [],  # noqa: B006 - read only
) -> calc.Report:
    return calc.build([ROLE], cohort, stays, [], [], panels, now=NOW, since=None, feedback_hours=24)


def test_counted_quartiles_are_those_of_the_values_repeated() -> None:
    values = [(1.0, 3), (2.0, 2), (4.0, 1), (5.0, 1), (60.0, 1)]
    repeated = [v for v, n in values for _ in range(n)]
    assert calc.Spread.counted(values) == calc.Spread.of(repeated)
    assert calc.Spread.counted(values) == calc.Spread(8, 2.0, 1.0, 4.25, 1.0, 60.0)


def test_a_skipped_stage_counts_as_reached_and_closing_moves_do_not() -> None:
    ranks = calc.progress_ranks([ROLE])
    cohort = [
        # moved straight from applied to interview
        calc.CohortGroup("be", "Referral ", "interview", False, ranks[("be", "interview")], 1),
        # rejected from applied: a closing move reaches nothing
        calc.CohortGroup("be", "referral", "rejected", False, ranks[("be", "applied")], 1),
        # a current stage with no recorded move still counts
        calc.CohortGroup("be", "", "screening", False, None, 2),
    ]
    report = build(cohort)
    assert [s.reached for s in report.funnel][:5] == [4, 3, 1, 1, 0]
    assert report.funnel[1].conversion == 0.75
    assert report.outcomes == {"open": 3, "hired": 0, "rejected": 1, "withdrawn": 0}
    referral, none = report.sources  # case and spacing ignored
    assert (referral.source, referral.applicants, referral.depth) == ("referral", 2, 1.5)
    assert (none.source, none.applicants, none.past_first) == (calc.NO_SOURCE, 2, 2)


def test_stays_are_measured_against_their_limit() -> None:
    stays = [
        calc.StayGroup("be", "applied", 24, False, 2),
        calc.StayGroup("be", "applied", 96, True, 1),
        calc.StayGroup("be", "rejected", 10, False, 5),  # closed stages are not stays
    ]
    applied = build([], stays).stage_times[0]
    assert applied.spread == calc.Spread.of([1, 1, 4])
    assert applied.over_limit == 1
    assert applied.limit_days == 3
    assert calc.stage_limits([ROLE])[("be", "applied")] == 3


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
    cohort = [calc.CohortGroup("be", '=HYPERLINK("x")', "applied", False, 0, 1)]
    text = as_csv(build(cohort))
    assert "'=hyperlink" in text
    assert "\n=" not in text
    assert ",=" not in text
