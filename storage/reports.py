"""What hiring reports read: a cohort's applicants, their stage moves and offers, and the
interviews held in a period with each panelist's feedback.

Reports read every applicant of the period, so these queries are not pages: they select only
the columns the arithmetic needs, as plain tuples (no ORM objects are built), in one statement
each. Rows that an erasure anonymised are read like any other: stage moves, offers, interviews
and scores carry no identity, and keep the numbers true.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select

from storage.models import Applicant, Feedback, Interview, Offer, Panelist, StageMove
from storage.repository import Queries


class ReportRepository(Queries):
    def _cohort(self, role_ids: Sequence[int], since: datetime | None) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = Applicant.role_id.in_(list(role_ids))
        if since is not None:
            condition = and_(condition, Applicant.created_at >= since)
        return condition

    def applicants(
        self, role_ids: Sequence[int], since: datetime | None
    ) -> Sequence[tuple[int, int, str, datetime, str, bool]]:
        """(id, role id, source, applied at, current stage, erased) of those who applied
        since `since` (ever, when None)."""
        rows = self.session.execute(
            select(
                Applicant.id,
                Applicant.role_id,
                Applicant.source,
                Applicant.created_at,
                Applicant.stage,
                Applicant.erased_at.is_not(None),
            ).where(self._cohort(role_ids, since))
        )
        return [(r[0], r[1], r[2] or "", r[3], r[4], bool(r[5])) for r in rows]

    def moves(
        self, role_ids: Sequence[int], since: datetime | None
    ) -> Sequence[tuple[int, str, datetime]]:
        """(applicant id, stage moved to, when) of the cohort's moves, each applicant's in
        the order they happened."""
        rows = self.session.execute(
            select(StageMove.applicant_id, StageMove.to_stage, StageMove.at)
            .join(Applicant, Applicant.id == StageMove.applicant_id)
            .where(self._cohort(role_ids, since))
            .order_by(StageMove.applicant_id, StageMove.at, StageMove.id)
        )
        return [(r[0], r[1], r[2]) for r in rows]

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
        [since, until) and were not cancelled."""
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
            .where(
                window,
                Interview.status != "cancelled",
                Applicant.role_id.in_(list(role_ids)),
            )
        )
        return [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] or {}) for r in rows]
