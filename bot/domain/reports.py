"""Hiring reports as pure arithmetic over facts: the funnel, time to hire, time in each stage,
offers, sources and interviewers. No I/O: the service hands in rows read from the stage moves,
offers, interviews and feedback (which outlive an erasure), so the numbers are the same before
and after a candidate's personal data is erased. The facts come pre-digested by the database
(how far each applicant got, each stay's length in days: storage/reports.py), so a report over
100,000 applicants is one pass over a few hundred thousand small tuples.

The report is about a cohort: the applicants who applied within the period, followed to today.
Interviewer figures cover the interviews held within the period. Medians and quartiles use the
standard library's `statistics.quantiles` (inclusive method), so a small sample gives the same
answer a spreadsheet does.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from bot.domain.catalog import RoleSpec
from bot.domain.errors import InvalidInput
from bot.domain.stages import StageKind

DEFAULT_PERIOD_DAYS = 90
MAX_PERIOD_DAYS = 3660
NO_SOURCE = "(not recorded)"
ERASED_SOURCE = "(erased)"
# Offer statuses that mean the candidate was made an offer (approved and sent, or answered).
OFFERS_MADE = frozenset({"approved", "accepted", "declined", "withdrawn"})
# How far apart an interviewer's ratings and the panel's must be (on the 1-4 scale) to be
# called softer or harsher rather than in line.
CALIBRATION_MARGIN = 0.5
_PERIOD = re.compile(r"^(\d{1,4})\s*([dwmy])$")
_UNIT_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


def parse_period(word: str) -> int | None:
    """'90d', '12w', '6m' (30 days each), '1y' -> days; 'all' -> None (since the beginning)."""
    value = word.strip().lower()
    if value == "all":
        return None
    match = _PERIOD.match(value)
    if match is None:
        raise InvalidInput(
            f"'{word[:20]}' is not a period: say 90d, 12w, 6m, 1y or all (days, weeks, "
            "months of 30 days, years)"
        )
    days = int(match.group(1)) * _UNIT_DAYS[match.group(2)]
    if not 1 <= days <= MAX_PERIOD_DAYS:
        raise InvalidInput(f"a period is 1 day to {MAX_PERIOD_DAYS // 365} years")
    return days


class CohortGroup(NamedTuple):
    """The applicants of one role, source, current stage and furthest rank, counted."""

    role: str  # role key
    source: str
    stage: str  # where they are now
    erased: bool
    furthest: int | None  # the highest `progress_ranks` rank among the stages moved to
    size: int


class StayGroup(NamedTuple):
    """Stays in a stage (from the move into it to the next move, or until now for those
    still there) of one length, to the hour, counted; `over` when past the stage's limit."""

    role: str
    stage: str
    hours: float
    over: bool
    size: int


class HireFact(NamedTuple):
    role: str
    days: float  # from applying to the move to a hired stage


class PanelFact(NamedTuple):
    """One interviewer on one interview that was held (not cancelled)."""

    interview_id: int
    applicant_id: int
    person: str  # person key
    ends_at: datetime
    feedback_status: str  # pending, submitted, not_attended, cancelled
    submitted_at: datetime | None
    scores: tuple[int, ...]  # numeric ratings given (no-signal left out)


@dataclass(frozen=True)
class Spread:
    """A sample of durations in days: median, quartiles and range."""

    n: int
    median: float
    p25: float
    p75: float
    low: float
    high: float

    @classmethod
    def of(cls, days: Iterable[float]) -> Spread | None:
        return cls.counted((d, 1) for d in days)

    @classmethod
    def counted(cls, values: Iterable[tuple[float, int]]) -> Spread | None:
        """From (value, how many times) pairs: the quartiles of `statistics.quantiles(…,
        method="inclusive")` over the values repeated, without building that list."""
        pairs = sorted((v, n) for v, n in values if n > 0)
        total = sum(n for _v, n in pairs)
        if not total:
            return None
        ends = list(itertools.accumulate(n for _v, n in pairs))

        def nth(index: int) -> float:
            return pairs[bisect.bisect_right(ends, index)][0]

        if total == 1:
            only = pairs[0][0]
            return cls(1, only, only, only, only, only)
        quartiles = []
        for i in (1, 2, 3):
            j, delta = divmod(i * (total - 1), 4)
            quartiles.append((nth(j) * (4 - delta) + nth(j + 1) * delta) / 4)
        p25, median, p75 = quartiles
        return cls(total, median, p25, p75, pairs[0][0], pairs[-1][0])


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    label: str
    reached: int
    conversion: float | None  # share of the previous step's applicants that reached this one


@dataclass(frozen=True)
class StageTime:
    stage: str
    label: str
    limit_days: int | None
    spread: Spread | None  # every stay, the current ones measured until now
    over_limit: int  # stays longer than the limit
    waiting_now: int  # applicants in the stage today


@dataclass(frozen=True)
class RoleHires:
    role: str
    title: str
    spread: Spread | None  # days from applying to hired


@dataclass(frozen=True)
class Offers:
    made: int = 0
    accepted: int = 0
    declined: int = 0
    withdrawn: int = 0
    waiting: int = 0  # approved, no answer yet

    @property
    def acceptance(self) -> float | None:
        answered = self.accepted + self.declined
        return self.accepted / answered if answered else None


@dataclass(frozen=True)
class SourceRank:
    source: str
    applicants: int
    depth: float  # the average number of stages passed
    past_first: int  # applicants who got past the first stage
    hired: int


@dataclass(frozen=True)
class Interviewer:
    person: str
    interviews: int  # held with them on the panel (not marked as missed)
    on_time: int  # feedback submitted within the allowed hours of the interview's end
    late: int
    owed: int  # feedback still not given
    compared: int  # scorecards with a panel to compare against
    calibration: float | None  # mean of (their score - the rest of the panel's), 1-4 scale

    @property
    def leaning(self) -> str:
        if self.calibration is None:
            return "no panel to compare with"
        if self.calibration >= CALIBRATION_MARGIN:
            return "softer than the panel"
        if self.calibration <= -CALIBRATION_MARGIN:
            return "harsher than the panel"
        return "in line with the panel"


@dataclass(frozen=True)
class Report:
    roles: tuple[str, ...]
    since: datetime | None
    now: datetime
    applicants: int
    outcomes: dict[str, int]  # open, hired, rejected, withdrawn
    funnel: tuple[FunnelStep, ...]
    stage_times: tuple[StageTime, ...]
    time_to_hire: tuple[RoleHires, ...]
    offers: Offers
    sources: tuple[SourceRank, ...]
    interviewers: tuple[Interviewer, ...] = field(default=())


def _progress(role: RoleSpec) -> list[str]:
    """The stages an applicant moves forward through: open ones and hired, in order."""
    return [s.key for s in role.pipeline.stages if s.kind is not StageKind.CLOSED]


def _merged_stages(roles: Sequence[RoleSpec]) -> list[tuple[str, str, int | None]]:
    """(key, label, limit) of every forward stage across the roles, in pipeline order; a stage
    several roles share is one row, labelled and limited as the first role has it."""
    seen: dict[str, tuple[str, str, int | None]] = {}
    for role in roles:
        for stage in role.pipeline.stages:
            if stage.kind is not StageKind.CLOSED and stage.key not in seen:
                seen[stage.key] = (stage.key, stage.label, stage.time_limit_days)
    return list(seen.values())


def progress_ranks(roles: Sequence[RoleSpec]) -> dict[tuple[str, str], int]:
    """(role, stage) -> the stage's place on the role's way forward (open stages, then
    hired): how far an applicant got is the highest rank among the stages moved to."""
    return {(r.key, key): rank for r in roles for rank, key in enumerate(_progress(r))}


def build(
    roles: Sequence[RoleSpec],
    cohort: Iterable[CohortGroup],
    stays: Iterable[StayGroup],
    hires: Iterable[HireFact],
    offer_statuses: Iterable[str],
    panels: Iterable[PanelFact],
    *,
    now: datetime,
    since: datetime | None,
    feedback_hours: int,
) -> Report:
    by_key = {r.key: r for r in roles}
    ranks = progress_ranks(roles)
    kinds = {r.key: {s.key: s.kind for s in r.pipeline.stages} for r in roles}
    merged = _merged_stages(roles)
    groups: list[tuple[CohortGroup, int]] = []  # each with how far its applicants got
    outcomes = {"open": 0, "hired": 0, "rejected": 0, "withdrawn": 0}
    waiting: dict[str, int] = defaultdict(int)
    reached: dict[str, int] = defaultdict(int)
    for group in cohort:
        if group.role not in by_key:
            continue
        # a current stage set without a recorded move still counts as reached
        depth = max(group.furthest or 0, ranks.get((group.role, group.stage), 0))
        groups.append((group, depth))
        for key in _progress(by_key[group.role])[: depth + 1]:
            reached[key] += group.size
        kind = kinds[group.role].get(group.stage)
        if kind is StageKind.OPEN:
            outcomes["open"] += group.size
            waiting[group.stage] += group.size
        elif kind is StageKind.HIRED:
            outcomes["hired"] += group.size
        else:
            outcomes[group.stage if group.stage in outcomes else "rejected"] += group.size
    funnel: list[FunnelStep] = []
    for key, label, _limit in merged:
        before = funnel[-1].reached if funnel else None
        count = reached[key]
        funnel.append(FunnelStep(key, label, count, count / before if before else None))

    stay_days: dict[str, list[tuple[float, int]]] = defaultdict(list)
    over: dict[str, int] = defaultdict(int)
    for stay in stays:
        if stay.role not in by_key or kinds[stay.role].get(stay.stage) is not StageKind.OPEN:
            continue
        stay_days[stay.stage].append((stay.hours / 24, stay.size))
        if stay.over:
            over[stay.stage] += stay.size
    stage_times = tuple(
        StageTime(key, label, limit, Spread.counted(stay_days[key]), over[key], waiting[key])
        for key, label, limit in merged
        if any(kinds[r.key].get(key) is StageKind.OPEN for r in roles)
    )
    hire_days: dict[str, list[float]] = defaultdict(list)
    for hire in hires:
        hire_days[hire.role].append(hire.days)
    return Report(
        roles=tuple(r.key for r in roles),
        since=since,
        now=now,
        applicants=sum(g.size for g, _depth in groups),
        outcomes=outcomes,
        funnel=tuple(funnel),
        stage_times=stage_times,
        time_to_hire=tuple(RoleHires(r.key, r.title, Spread.of(hire_days[r.key])) for r in roles),
        offers=count_offers(offer_statuses),
        sources=rank_sources(groups, kinds),
        interviewers=interviewers(panels, now=now, feedback_hours=feedback_hours),
    )


def stage_limits(roles: Sequence[RoleSpec]) -> dict[tuple[str, str], int]:
    """(role, stage) -> days a stay may last, for the open stages that have a limit."""
    return {
        (r.key, s.key): s.time_limit_days
        for r in roles
        for s in r.pipeline.stages
        if s.is_open and s.time_limit_days
    }


def count_offers(statuses: Iterable[str]) -> Offers:
    tally: dict[str, int] = defaultdict(int)
    for status in statuses:
        tally[status] += 1
    return Offers(
        made=sum(n for s, n in tally.items() if s in OFFERS_MADE),
        accepted=tally["accepted"],
        declined=tally["declined"],
        withdrawn=tally["withdrawn"],
        waiting=tally["approved"],
    )


def source_of(group: CohortGroup) -> str:
    """How sources are grouped: case and spacing ignored; an erased applicant's source was
    erased with the rest of their data (a source can name a referrer), so it is its own row."""
    if group.erased:
        return ERASED_SOURCE
    cleaned = " ".join(group.source.split()).lower()
    return cleaned or NO_SOURCE


def rank_sources(
    groups: Iterable[tuple[CohortGroup, int]], kinds: dict[str, dict[str, StageKind]]
) -> tuple[SourceRank, ...]:
    """Sources by how far their applicants get: the average number of stages passed, then
    hires, then size. `groups` carry how far each group's applicants got."""
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # n, depth, past, hired
    for group, depth in groups:
        row = tally[source_of(group)]
        row[0] += group.size
        row[1] += depth * group.size
        row[2] += group.size if depth > 0 else 0
        row[3] += group.size if kinds[group.role].get(group.stage) is StageKind.HIRED else 0
    ranked = [
        SourceRank(src, n, total / n, past, hired) for src, (n, total, past, hired) in tally.items()
    ]
    ranked.sort(key=lambda s: (-s.depth, -s.hired, -s.applicants, s.source))
    return tuple(ranked)


def interviewers(
    panels: Iterable[PanelFact], *, now: datetime, feedback_hours: int
) -> tuple[Interviewer, ...]:
    """Per interviewer: interviews held, feedback on time, late or owed, and calibration:
    the mean difference between their average score on a scorecard and the average of the
    other panelists' scorecards on the same interview (or, on a panel of one, on the same
    applicant's other interviews)."""
    rows = list(panels)
    allowed = timedelta(hours=feedback_hours)
    means: dict[tuple[int, str], float] = {}
    by_interview: dict[int, list[tuple[str, float]]] = defaultdict(list)
    by_applicant: dict[int, list[tuple[int, str, float]]] = defaultdict(list)
    for row in rows:
        if row.feedback_status == "submitted" and row.scores:
            mean = sum(row.scores) / len(row.scores)
            means[(row.interview_id, row.person)] = mean
            by_interview[row.interview_id].append((row.person, mean))
            by_applicant[row.applicant_id].append((row.interview_id, row.person, mean))
    stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    deltas: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        if row.feedback_status == "not_attended" or row.ends_at > now:
            continue
        mine = stats[row.person]
        mine["interviews"] += 1
        if row.feedback_status == "submitted":
            late = row.submitted_at is not None and row.submitted_at > row.ends_at + allowed
            mine["late" if late else "on_time"] += 1
        elif row.feedback_status == "pending":
            mine["owed"] += 1
        # "cancelled" on a held interview: no longer asked for (the candidate was erased)
        own = means.get((row.interview_id, row.person))
        if own is None:
            continue
        others = [m for p, m in by_interview[row.interview_id] if p != row.person]
        if not others:
            others = [m for i, p, m in by_applicant[row.applicant_id] if p != row.person]
        if others:
            deltas[row.person].append(own - sum(others) / len(others))
    out = [
        Interviewer(
            person,
            s["interviews"],
            s["on_time"],
            s["late"],
            s["owed"],
            len(deltas[person]),
            sum(deltas[person]) / len(deltas[person]) if deltas[person] else None,
        )
        for person, s in stats.items()
    ]
    out.sort(key=lambda i: (-i.interviews, i.person))
    return tuple(out)
