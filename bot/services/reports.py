"""Hiring reports: read a cohort's history through `uow.reports`, do the arithmetic in
bot/domain/reports.py, and give it back as a message with a chart, as CSV or as JSON.

Who sees what: the report needs Permission.REPORTS (admins and hiring managers). An admin
sees every role; anyone else the roles they hire for (hiring manager or recruiter of).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from bot.domain import reports as calc
from bot.domain.catalog import RoleSpec
from bot.domain.errors import InvalidInput
from bot.domain.interviews import RATINGS
from bot.domain.permissions import Permission, TeamRole
from bot.domain.stages import StageKind
from bot.messages.format import plural
from bot.messages.reply import Bar, Chart, Panel, Reply
from bot.services.context import Context

CHART_FILENAME = "hiring-report.png"


def roles_for(ctx: Context, role_key: str | None = None) -> list[RoleSpec]:
    """The roles the asker may report on (or the one named, if they may)."""
    everything = list(ctx.catalog.roles.values())
    person = ctx.actor.person
    if person is None or TeamRole.ADMIN in person.roles:
        allowed = everything
    else:
        allowed = [r for r in everything if person.key in (r.hiring_manager, r.recruiter)]
    if role_key is None:
        return allowed
    role = ctx.catalog.role(role_key)
    if role not in allowed:
        theirs = ", ".join(r.key for r in allowed) or "none"
        raise InvalidInput(f"you do not hire for '{role.key}' (your roles: {theirs})")
    return [role]


def build(
    ctx: Context,
    *,
    role_key: str | None = None,
    period_days: int | None = calc.DEFAULT_PERIOD_DAYS,
    roles: list[RoleSpec] | None = None,
) -> calc.Report:
    """The report over the applicants who applied in the last `period_days` (all, if None)."""
    ctx.actor.require(Permission.REPORTS)
    chosen = roles if roles is not None else roles_for(ctx, role_key)
    now = ctx.clock.now()
    since = now - timedelta(days=period_days) if period_days is not None else None
    keys = {row.id: row.key for row in ctx.uow.roles.all()}
    ids = {key: rid for rid, key in keys.items()}
    role_ids = [ids[r.key] for r in chosen if r.key in ids]
    people = {row.id: row.key for row in ctx.uow.people.all()}
    ranks = {
        (ids[role], stage): n
        for (role, stage), n in calc.progress_ranks(chosen).items()
        if role in ids
    }
    cohort = [
        calc.CohortGroup(keys[rid], source, stage, erased, furthest, n)
        for rid, source, stage, erased, furthest, n in ctx.uow.reports.cohort(
            role_ids, since, ranks
        )
    ]
    limits = {
        (ids[role], stage): days
        for (role, stage), days in calc.stage_limits(chosen).items()
        if role in ids
    }
    stays = [
        calc.StayGroup(keys[rid], stage, hours, over, n)
        for rid, stage, hours, over, n in ctx.uow.reports.stays(role_ids, since, now, limits)
    ]
    hired = {s.key for r in chosen for s in r.pipeline.stages if s.kind is StageKind.HIRED}
    hires = [
        calc.HireFact(keys[rid], days)
        for rid, days in ctx.uow.reports.hires(role_ids, since, hired)
    ]
    panels = [
        calc.PanelFact(
            interview_id,
            applicant_id,
            people.get(person_id, f"person {person_id}"),
            starts + timedelta(minutes=minutes),
            status,
            submitted,
            _scores(ratings),
        )
        for interview_id, applicant_id, person_id, starts, minutes, status, submitted, ratings in (
            ctx.uow.reports.panels(role_ids, since, now)
        )
    ]
    return calc.build(
        chosen,
        cohort,
        stays,
        hires,
        ctx.uow.reports.offer_statuses(role_ids, since),
        panels,
        now=now,
        since=since,
        feedback_hours=ctx.catalog.interviews.first_reminder_hours,
    )


def _scores(ratings: dict[str, Any]) -> tuple[int, ...]:
    """The numeric scores of a scorecard ('n', no signal, is left out)."""
    scores = []
    for rating in ratings.values():
        score = str(rating.get("score", "")) if isinstance(rating, dict) else ""
        if score in RATINGS and score.isdigit():
            scores.append(int(score))
    return tuple(scores)


# -- as a message ---------------------------------------------------------------------------


def _days(value: float) -> str:
    return f"{value:.1f} d"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _scope(ctx: Context, report: calc.Report) -> str:
    if len(report.roles) == 1:
        return ctx.catalog.role(report.roles[0]).title
    return plural(len(report.roles), "role")


def _period(ctx: Context, report: calc.Report) -> str:
    if report.since is None:
        return "applied at any time"
    days = (report.now - report.since).days
    return f"applied in the last {days} days (since {report.since.date().isoformat()})"


def funnel_lines(report: calc.Report) -> list[str]:
    lines = []
    for step in report.funnel:
        rate = "" if step.conversion is None else f" ({_pct(step.conversion)} of the step before)"
        lines.append(f"{step.label}: {step.reached}{rate}")
    return lines


def stage_lines(report: calc.Report) -> list[str]:
    lines = []
    for row in report.stage_times:
        limit = f"limit {row.limit_days} d" if row.limit_days else "no limit"
        if row.spread is None:
            lines.append(f"{row.label}: nobody yet ({limit})")
            continue
        over = f", {row.over_limit} of {row.spread.n} stays over it" if row.limit_days else ""
        lines.append(
            f"{row.label}: median {_days(row.spread.median)} ({limit}{over}; "
            f"middle half {_days(row.spread.p25)}–{_days(row.spread.p75)}), "
            f"{row.waiting_now} there now"
        )
    return lines


def hire_lines(report: calc.Report) -> list[str]:
    lines = []
    for hires in report.time_to_hire:
        spread = hires.spread
        if spread is None:
            lines.append(f"{hires.title}: no hires yet")
            continue
        lines.append(
            f"{hires.title}: median {_days(spread.median)} from applying "
            f"(middle half {_days(spread.p25)}–{_days(spread.p75)}, "
            f"range {_days(spread.low)}–{_days(spread.high)}; {plural(spread.n, 'hire')})"
        )
    return lines


def offer_line(report: calc.Report) -> str:
    offers = report.offers
    return (
        f"{plural(offers.made, 'offer')} made: {offers.accepted} accepted, {offers.declined} "
        f"declined, {offers.withdrawn} withdrawn, {offers.waiting} awaiting an answer "
        f"({_pct(offers.acceptance)} of answers were yes)"
    )


def source_lines(report: calc.Report) -> list[str]:
    return [
        f"{rank}. {s.source}: {plural(s.applicants, 'applicant')}, {s.depth:.1f} stages passed "
        f"on average, {s.past_first} past the first, {s.hired} hired"
        for rank, s in enumerate(report.sources, start=1)
    ]


def interviewer_lines(ctx: Context, report: calc.Report) -> list[str]:
    lines = []
    for row in report.interviewers:
        person = ctx.catalog.people.get(row.person)
        name = person.name if person else row.person
        calibration = (
            f"{row.calibration:+.2f} against the panel, {row.leaning} "
            f"({plural(row.compared, 'scorecard')})"
            if row.calibration is not None
            else row.leaning
        )
        lines.append(
            f"{name}: {plural(row.interviews, 'interview')}; feedback {row.on_time} on time, "
            f"{row.late} late, {row.owed} owed; {calibration}"
        )
    return lines


def as_reply(ctx: Context, report: calc.Report) -> Reply:
    outcomes = report.outcomes
    sections = [
        ("Funnel", funnel_lines(report)),
        ("Time to hire", hire_lines(report)),
        ("Time in each stage", stage_lines(report)),
        ("Offers", [offer_line(report)]),
        ("Sources, furthest first", source_lines(report) or ["no applicants"]),
        ("Interviewers", interviewer_lines(ctx, report) or ["no interviews held"]),
    ]
    return Reply(
        title=f"Hiring report: {_scope(ctx, report)}",
        text=(
            f"{plural(report.applicants, 'applicant')} {_period(ctx, report)}: "
            f"{outcomes['open']} open, {outcomes['hired']} hired, {outcomes['rejected']} "
            f"rejected, {outcomes['withdrawn']} withdrawn."
        ),
        lines=[line for title, rows in sections for line in (f"— {title} —", *rows)],
        footer="report ROLE for one role; period=30d, 12w, 6m, 1y or all",
        chart=chart(ctx, report),
    )


def chart(ctx: Context, report: calc.Report) -> Chart:
    """The funnel and the time in each stage against its limit, as one picture."""
    funnel = Panel(
        title="Applicants reaching each stage",
        unit="applicants",
        bars=[
            Bar(
                label=step.label,
                value=step.reached,
                note=f"{step.reached}"
                + ("" if step.conversion is None else f" · {_pct(step.conversion)}"),
            )
            for step in report.funnel
        ],
    )
    stages = Panel(
        title="Median days in stage (tick: the stage's limit)",
        unit="days",
        bars=[
            Bar(
                label=row.label,
                value=row.spread.median if row.spread else 0.0,
                limit=row.limit_days,
                note=(f"{row.spread.median:.1f} d" if row.spread else "—")
                + (f" · {row.over_limit} over" if row.limit_days and row.over_limit else ""),
            )
            for row in report.stage_times
        ],
    )
    return Chart(
        filename=CHART_FILENAME,
        title=f"Hiring report: {_scope(ctx, report)}, {_period(ctx, report)}",
        panels=[funnel, stages],
    )


# -- as data ----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 4)
    return value


def as_json(report: calc.Report) -> dict[str, Any]:
    data = _plain(dataclasses.asdict(report))
    data["offers"]["acceptance"] = _plain(report.offers.acceptance)
    for row, source in zip(data["interviewers"], report.interviewers, strict=True):
        row["leaning"] = source.leaning
    return dict(data)


def _csv_rows(report: calc.Report) -> Iterator[tuple[str, str, str, object]]:
    """(section, item, measure, value): one number per row, for a spreadsheet."""
    yield ("summary", "applicants", "count", report.applicants)
    for outcome, n in report.outcomes.items():
        yield ("summary", outcome, "count", n)
    for step in report.funnel:
        yield ("funnel", step.stage, "reached", step.reached)
        if step.conversion is not None:
            yield ("funnel", step.stage, "conversion", round(step.conversion, 4))
    for hires in report.time_to_hire:
        for name, value in _spread(hires.spread):
            yield ("time_to_hire_days", hires.role, name, value)
    for row in report.stage_times:
        yield ("stage_days", row.stage, "limit", row.limit_days if row.limit_days else "")
        for name, value in _spread(row.spread):
            yield ("stage_days", row.stage, name, value)
        yield ("stage_days", row.stage, "over_limit", row.over_limit)
        yield ("stage_days", row.stage, "waiting_now", row.waiting_now)
    for name, value in dataclasses.asdict(report.offers).items():
        yield ("offers", "all", name, value)
    for source in report.sources:
        yield ("sources", source.source, "applicants", source.applicants)
        yield ("sources", source.source, "depth", round(source.depth, 4))
        yield ("sources", source.source, "past_first", source.past_first)
        yield ("sources", source.source, "hired", source.hired)
    for person in report.interviewers:
        for name in ("interviews", "on_time", "late", "owed", "compared"):
            yield ("interviewers", person.person, name, getattr(person, name))
        calibration = "" if person.calibration is None else round(person.calibration, 4)
        yield ("interviewers", person.person, "calibration", calibration)


def _spread(spread: calc.Spread | None) -> Iterator[tuple[str, object]]:
    if spread is None:
        yield ("n", 0)
        return
    for name, value in dataclasses.asdict(spread).items():
        yield (name, round(value, 4) if isinstance(value, float) else value)


# A cell a spreadsheet would run as a formula: a source typed as "=HYPERLINK(…)".
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def as_csv(report: calc.Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("section", "item", "measure", "value"))
    writer.writerows(tuple(_cell(v) for v in row) for row in _csv_rows(report))
    return out.getvalue()
