"""Hiring reports as pure arithmetic over facts: the funnel, time to hire, time in each stage,
offers, sources and interviewers. No I/O: the service hands in rows read from the stage moves,
offers, interviews and feedback (which outlive an erasure), so the numbers are the same before
and after a candidate's personal data is erased.

The report is about a cohort: the applicants who applied within the period, followed to today.
Interviewer figures cover the interviews held within the period. Medians and quartiles use the
standard library's `statistics.quantiles` (inclusive method), so a small sample gives the same
answer a spreadsheet does.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from bot.domain.catalog import RoleSpec
from bot.domain.errors import InvalidInput
from bot.domain.stages import StageKind

DAY = 86_400.0
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


class ApplicantFact(NamedTuple):
    id: int
    role: str  # role key
    source: str
    created_at: datetime
    stage: str  # where they are now
    erased: bool


class MoveFact(NamedTuple):
    """One stage move, in order of time per applicant (the storage query sorts them)."""

    applicant_id: int
    to_stage: str
    at: datetime


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
    def of(cls, days: Sequence[float]) -> Spread | None:
        if not days:
            return None
        ordered = sorted(days)
        if len(ordered) == 1:
            only = ordered[0]
            return cls(1, only, only, only, only, only)
        p25, median, p75 = statistics.quantiles(ordered, n=4, method="inclusive")
        return cls(len(ordered), median, p25, p75, ordered[0], ordered[-1])


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


def build(
    roles: Sequence[RoleSpec],
    applicants: Iterable[ApplicantFact],
    moves: Iterable[MoveFact],
    offer_statuses: Iterable[str],
    panels: Iterable[PanelFact],
    *,
    now: datetime,
    since: datetime | None,
    feedback_hours: int,
) -> Report:
    by_key = {r.key: r for r in roles}
    order = {r.key: {k: i for i, k in enumerate(_progress(r))} for r in roles}
    kinds = {r.key: {s.key: s.kind for s in r.pipeline.stages} for r in roles}
    facts = {a.id: a for a in applicants if a.role in by_key}
    furthest: dict[int, int] = {}
    stays = _Stays(kinds, {key: limit for key, _label, limit in _merged_stages(roles)})
    hire_days: dict[str, list[float]] = defaultdict(list)
    previous: MoveFact | None = None
    for move in moves:
        fact = facts.get(move.applicant_id)
        if fact is None:
            continue
        if previous is not None:
            if previous.applicant_id == move.applicant_id:
                stays.add(previous.to_stage, fact.role, previous.at, move.at)
            else:
                stays.still_there(previous, facts[previous.applicant_id], now)
        previous = move
        index = order[fact.role].get(move.to_stage)
        if index is not None and index > furthest.get(fact.id, -1):
            furthest[fact.id] = index
        if kinds[fact.role].get(move.to_stage) is StageKind.HIRED:
            hire_days[fact.role].append((move.at - fact.created_at).total_seconds() / DAY)
    if previous is not None:
        stays.still_there(previous, facts[previous.applicant_id], now)

    outcomes = {"open": 0, "hired": 0, "rejected": 0, "withdrawn": 0}
    waiting: dict[str, int] = defaultdict(int)
    for fact in facts.values():
        kind = kinds[fact.role].get(fact.stage)
        index = order[fact.role].get(fact.stage)
        if index is not None and index > furthest.get(fact.id, -1):
            furthest[fact.id] = index  # a stage set without a recorded move still counts
        if kind is StageKind.OPEN:
            outcomes["open"] += 1
            waiting[fact.stage] += 1
        elif kind is StageKind.HIRED:
            outcomes["hired"] += 1
        else:
            outcomes[fact.stage if fact.stage in outcomes else "rejected"] += 1

    merged = _merged_stages(roles)
    reached: dict[str, int] = defaultdict(int)
    for fact in facts.values():
        depth = furthest.get(fact.id, 0)
        for key in _progress(by_key[fact.role])[: depth + 1]:
            reached[key] += 1
    funnel: list[FunnelStep] = []
    for key, label, _limit in merged:
        before = funnel[-1].reached if funnel else None
        count = reached[key]
        funnel.append(FunnelStep(key, label, count, count / before if before else None))

    stage_times = tuple(
        StageTime(key, label, limit, Spread.of(stays.days[key]), stays.over[key], waiting[key])
        for key, label, limit in merged
        if any(kinds[r.key].get(key) is StageKind.OPEN for r in roles)
    )
    hires = tuple(RoleHires(r.key, r.title, Spread.of(hire_days[r.key])) for r in roles)
    return Report(
        roles=tuple(r.key for r in roles),
        since=since,
        now=now,
        applicants=len(facts),
        outcomes=outcomes,
        funnel=tuple(funnel),
        stage_times=stage_times,
        time_to_hire=hires,
        offers=count_offers(offer_statuses),
        sources=rank_sources(facts.values(), furthest, kinds),
        interviewers=interviewers(panels, now=now, feedback_hours=feedback_hours),
    )


class _Stays:
    """Every stay in an open stage, in days, and how many ran past the stage's limit."""

    def __init__(
        self, kinds: dict[str, dict[str, StageKind]], limits: dict[str, int | None]
    ) -> None:
        self.kinds = kinds
        self.limits = limits
        self.days: dict[str, list[float]] = defaultdict(list)
        self.over: dict[str, int] = defaultdict(int)

    def add(self, stage: str, role: str, start: datetime, end: datetime) -> None:
        if self.kinds[role].get(stage) is not StageKind.OPEN:
            return
        days = (end - start).total_seconds() / DAY
        self.days[stage].append(days)
        limit = self.limits.get(stage)
        if limit is not None and days > limit:
            self.over[stage] += 1

    def still_there(self, last: MoveFact, fact: ApplicantFact, now: datetime) -> None:
        """An applicant's last move: if they are still in that stage, the stay runs until now."""
        if fact.stage == last.to_stage:
            self.add(last.to_stage, fact.role, last.at, now)


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


def source_of(fact: ApplicantFact) -> str:
    """How sources are grouped: case and spacing ignored; an erased applicant's source was
    erased with the rest of their data (a source can name a referrer), so it is its own row."""
    if fact.erased:
        return ERASED_SOURCE
    cleaned = " ".join(fact.source.split()).lower()
    return cleaned or NO_SOURCE


def rank_sources(
    facts: Iterable[ApplicantFact],
    furthest: dict[int, int],
    kinds: dict[str, dict[str, StageKind]],
) -> tuple[SourceRank, ...]:
    """Sources by how far their applicants get: the average number of stages passed, then
    hires, then size."""
    groups: dict[str, list[ApplicantFact]] = defaultdict(list)
    for fact in facts:
        groups[source_of(fact)].append(fact)
    ranked = []
    for source, members in groups.items():
        depths = [furthest.get(f.id, 0) for f in members]
        hired = sum(1 for f in members if kinds[f.role].get(f.stage) is StageKind.HIRED)
        ranked.append(
            SourceRank(
                source,
                len(members),
                sum(depths) / len(depths),
                sum(1 for d in depths if d > 0),
                hired,
            )
        )
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
