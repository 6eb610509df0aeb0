"""What hiring reports read: a cohort's applicants with how far each got, their stays in each
stage and their hires (in days), their offers, and the interviews held in a period with each
panelist's feedback.

Reports read every applicant of the period, so these queries are not pages. They are built to
stay fast at 100,000 applicants: the database does the per-applicant work (the furthest stage
reached, each stay's length with a window function, durations as numbers of days) and
counts what is alike: a few hundred rows of plain numbers come back, not one per applicant,
and no datetime is built per row.
Rows that an erasure anonymised are read like any other: stage moves, offers, interviews and
scores carry no identity, and keep the numbers true.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, literal, or_, select
from sqlalchemy.orm import Session

from storage.models import Applicant, Feedback, Interview, Offer, Panelist, StageMove
from storage.repository import Queries

UNIX_EPOCH_JULIAN_DAY = 2440587.5


class ReportRepository(Queries):
    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._sqlite = session.get_bind().dialect.name == "sqlite"

    def _days(self, column: Any) -> ColumnElement[Any]:
        """A timestamp as a number of days, so durations subtract in the database."""
        if self._sqlite:
            return func.julianday(column)
        return func.extract("epoch", column) / 86400.0

    def _days_of(self, moment: datetime) -> float:
        days = moment.timestamp() / 86400.0
        return days + UNIX_EPOCH_JULIAN_DAY if self._sqlite else days

    def _role(self) -> ColumnElement[int]:
        """The applicant's role as a filter only: on SQLite, with no statistics, an index on
        it would make the planner start from the role's applicants (as storage/pipeline.py
        explains); `+ 0` keeps the condition and leaves the index alone."""
        return Applicant.role_id + 0 if self._sqlite else Applicant.role_id.expression

    def _cohort(self, role_ids: Sequence[int], since: datetime | None) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = self._role().in_(list(role_ids))
        if since is not None:
            condition = and_(condition, Applicant.created_at >= since)
        return condition

    def cohort(
        self,
        role_ids: Sequence[int],
        since: datetime | None,
        ranks: Mapping[tuple[int, str], int],
    ) -> Sequence[tuple[int, str, str, bool, int | None, int]]:
        """(role id, source, current stage, erased, furthest rank, how many) over those who
        applied since `since` (ever, when None); an applicant's furthest rank is the highest
        of `ranks` ((role id, stage) -> rank) among the stages they were moved to."""
        rank = case(
            *[
                (and_(Applicant.role_id == role_id, StageMove.to_stage == stage), value)
                for (role_id, stage), value in ranks.items()
            ],
            else_=None,
        )
        each = (
            select(
                Applicant.role_id.label("role_id"),
                Applicant.source.label("source"),
                Applicant.stage.label("stage"),
                Applicant.erased_at.is_not(None).label("erased"),
                func.max(rank).label("furthest"),
            )
            .outerjoin(StageMove, StageMove.applicant_id == Applicant.id)
            .where(self._cohort(role_ids, since))
            .group_by(Applicant.id)
            .subquery()
        )
        columns = (each.c.role_id, each.c.source, each.c.stage, each.c.erased, each.c.furthest)
        rows = self.session.execute(select(*columns, func.count()).group_by(*columns))
        return [(r[0], r[1] or "", r[2], bool(r[3]), r[4], r[5]) for r in rows]

    def stays(
        self,
        role_ids: Sequence[int],
        since: datetime | None,
        now: datetime,
        limits: Mapping[tuple[int, str], int],
    ) -> Sequence[tuple[int, str, float, bool, int]]:
        """(role id, stage, hours, over the limit, how many) of the cohort's stays in a stage,
        from the move into it to the next move (or until `now`, for those still there),
        counted by length to the hour and by whether they ran past `limits` ((role id,
        stage) -> days)."""
        started = self._days(StageMove.at)
        moves = (
            select(
                Applicant.role_id.label("role_id"),
                StageMove.to_stage.label("stage"),
                started.label("started"),
                func.lead(started)
                .over(partition_by=StageMove.applicant_id, order_by=(StageMove.at, StageMove.id))
                .label("ended"),
                (Applicant.stage == StageMove.to_stage).label("current"),
            )
            .join(Applicant, Applicant.id == StageMove.applicant_id)
            .where(self._cohort(role_ids, since))
            .subquery()
        )
        days = func.coalesce(moves.c.ended, literal(self._days_of(now))) - moves.c.started
        over = or_(
            false(),
            *[
                and_(moves.c.role_id == role_id, moves.c.stage == stage, days > limit)
                for (role_id, stage), limit in limits.items()
            ],
        )
        measured = (
            select(
                moves.c.role_id,
                moves.c.stage,
                func.round(days * 24).label("hours"),
                case((over, 1), else_=0).label("over"),
            )
            .where(or_(moves.c.ended.is_not(None), moves.c.current))
            .subquery()
        )
        columns = (measured.c.role_id, measured.c.stage, measured.c.hours, measured.c.over)
        rows = self.session.execute(select(*columns, func.count()).group_by(*columns))
        return [(r[0], r[1], float(r[2]), bool(r[3]), r[4]) for r in rows]

    def hires(
        self, role_ids: Sequence[int], since: datetime | None, hired: Collection[str]
    ) -> Sequence[tuple[int, float]]:
        """(role id, days from applying) of each of the cohort's moves into a `hired` stage."""
        rows = self.session.execute(
            select(Applicant.role_id, self._days(StageMove.at) - self._days(Applicant.created_at))
            .join(Applicant, Applicant.id == StageMove.applicant_id)
            .where(self._cohort(role_ids, since), StageMove.to_stage.in_(list(hired)))
        )
        return [(r[0], float(r[1])) for r in rows]

    def offer_statuses(self, role_ids: Sequence[int], since: datetime | None) -> Sequence[str]:
        """The status of every offer made to the cohort."""
        return self.session.scalars(
            select(Offer.status)
            .join(Applicant, Applicant.id == Offer.applicant_id)
            .where(self._cohort(role_ids, since))
        ).all()

    def panels(
        self, role_ids: Sequence[int], since: datetime | None, until: datetime
    ) -> Sequence[tuple[int, int, int, datetime, int, str, datetime | None, dict[str, Any]]]:
        """(interview id, applicant id, person id, starts at, minutes, feedback status,
        submitted at, ratings) for every panelist of the roles' interviews that started in
        [since, until) and were not cancelled, read off the index of `starts_at`."""
        window: ColumnElement[bool] = Interview.starts_at < until
        if since is not None:
            window = and_(window, Interview.starts_at >= since)
        rows = self.session.execute(
            select(
                Interview.id,
                Interview.applicant_id,
                Panelist.person_id,
                Interview.starts_at,
                Interview.duration_minutes,
                Panelist.feedback_status,
                Feedback.submitted_at,
                Feedback.ratings,
            )
            .join(Panelist, Panelist.interview_id == Interview.id)
            .join(Applicant, Applicant.id == Interview.applicant_id)
            .outerjoin(
                Feedback,
                and_(
                    Feedback.interview_id == Interview.id,
                    Feedback.person_id == Panelist.person_id,
                ),
            )
            .where(window, Interview.status != "cancelled", self._role().in_(list(role_ids)))
        )
        return [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] or {}) for r in rows]
