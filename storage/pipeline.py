"""Aggregate queries for digests and nudges: counts, stuck applicants, overdue feedback."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage.models import (
    Applicant,
    Feedback,
    Interview,
    Panelist,
    Person,
    StageMove,
)
from storage.repository import Queries

T = TypeVar("T")


class PipelineRepository(Queries):
    """Read-only views across roles for digests and check-ins; every query is bounded, and
    reads in proportion to what changed in the period or to the open applicants, not to the
    table.

    SQLite has no statistics (the app never runs ANALYZE), so its planner guesses that
    `applicants.role_id IN (…)` matches a handful of rows and drives every query from the
    role's applicants: at 100,000 applicants that is every applicant the roles ever had. The
    time-window queries therefore filter on the role with `_filter_only(Applicant.role_id)`
    and are read off the index of their time column (`created_at`, `stage_moves.at`,
    `interviews.starts_at`), and the page's order follows that index, so the first
    `limit` rows end the read."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._sqlite = session.get_bind().dialect.name == "sqlite"

    def _filter_only(self, column: InstrumentedAttribute[int]) -> ColumnElement[int]:
        """On SQLite, `column + 0`: a condition on it still filters rows but can no longer
        pick the column's index (what SQLite documents for a unary `+`). PostgreSQL
        plans from statistics and gets the plain column."""
        return column + 0 if self._sqlite else column.expression

    def _of_roles(self, role_ids: Sequence[int]) -> ColumnElement[bool]:
        """Of these roles, as a filter only (see the class: the time column's index leads)."""
        return self._filter_only(Applicant.role_id).in_(list(role_ids))

    def _counted(self, stmt: Select[*tuple[Any, ...]]) -> int:
        """How many rows `stmt` (unbounded) matches, counted by the database."""
        return self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0

    def _paired_page(
        self,
        base: Select[T, Applicant],
        order: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]],
        limit: int,
        offset: int,
    ) -> tuple[int, list[tuple[T, Applicant]]]:
        """One page of `base`'s (row, applicant) pairs in `order`, and how many it matches."""
        rows = self.session.execute(base.order_by(*order).limit(limit).offset(offset)).all()
        return self._counted(base), [(row, applicant) for row, applicant in rows]

    def _count_applicants(self, *conditions: ColumnElement[bool]) -> int:
        """How many applicants match, counted off the index alone (no row is loaded)."""
        return self.session.scalar(select(func.count(Applicant.id)).where(*conditions)) or 0

    def _applicant_page(
        self,
        conditions: Sequence[ColumnElement[bool]],
        order: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]],
        limit: int,
        offset: int,
    ) -> tuple[int, Sequence[Applicant]]:
        """How many applicants match, and one page of them in `order`."""
        rows = self.session.scalars(
            select(Applicant).where(*conditions).order_by(*order).limit(limit).offset(offset)
        ).all()
        return self._count_applicants(*conditions), rows

    def created_since(
        self, role_ids: Sequence[int], since: datetime, limit: int, offset: int = 0
    ) -> tuple[int, Sequence[Applicant]]:
        """Applicants created after `since`, newest first, off `ix_applicants_created_at`."""
        return self._applicant_page(
            (self._of_roles(role_ids), Applicant.created_at > since),
            (Applicant.created_at.desc(), Applicant.id.desc()),
            limit,
            offset,
        )

    def moves_since(
        self, role_ids: Sequence[int], since: datetime, limit: int, offset: int = 0
    ) -> tuple[int, Sequence[tuple[StageMove, Applicant]]]:
        """Moves after `since`, newest first, off `ix_stage_moves_at` (each applicant by id)."""
        base = (
            select(StageMove, Applicant)
            .join(Applicant, Applicant.id == StageMove.applicant_id)
            .where(
                self._of_roles(role_ids), StageMove.at > since, StageMove.from_stage.is_not(None)
            )
        )
        return self._paired_page(base, (StageMove.at.desc(), StageMove.id.desc()), limit, offset)

    def stuck(
        self, limits: dict[int, dict[str, datetime]], limit: int, offset: int = 0
    ) -> tuple[int, Sequence[Applicant]]:
        """Applicants who entered their stage before that stage's cut-off, longest waiting
        first; `limits` maps a role id to its stages' cut-offs (read off the (role_id, stage)
        index for the limited stages only, not the roles' every applicant)."""
        conditions = [
            (Applicant.role_id == role_id)
            & (Applicant.stage == stage)
            & (Applicant.stage_entered_at < cutoff)
            for role_id, cutoffs in limits.items()
            for stage, cutoff in cutoffs.items()
        ]
        if not conditions:
            return 0, []
        # An erased applicant keeps their stage (funnel statistics stay true), but nobody can
        # act on them any more: they are not "stuck".
        waiting = or_(*conditions) & Applicant.erased_at.is_(None)
        return self._applicant_page(
            (waiting,), (Applicant.stage_entered_at, Applicant.id), limit, offset
        )

    def oldest_in_stage(self, role_id: int, stages: Sequence[str]) -> dict[str, datetime]:
        """When the longest-waiting applicant entered each of these stages (the open ones:
        closed stages hold most of the table and nobody waits in them)."""
        if not stages:
            return {}
        rows = self.session.execute(
            select(Applicant.stage, func.min(Applicant.stage_entered_at))
            .where(Applicant.role_id == role_id, Applicant.stage.in_(sorted(set(stages))))
            .group_by(Applicant.stage)
        ).all()
        return {stage: oldest for stage, oldest in rows if oldest is not None}

    def awaiting_decision(
        self, role_ids: Sequence[int], open_stages: Sequence[str], limit: int, offset: int = 0
    ) -> tuple[int, Sequence[Applicant]]:
        """Open applicants whose interviews at their current stage are all in, with feedback.

        Restricted to open stages first, so the subqueries run for the open applicants only,
        read off the (role_id, stage) index, not for every applicant the role ever had."""
        current = (
            (Interview.applicant_id == Applicant.id)
            & (Interview.stage == Applicant.stage)
            & (Interview.status == "scheduled")
        )
        pending = (
            select(Panelist.id)
            .join(Interview, Interview.id == Panelist.interview_id)
            .where(current, Panelist.feedback_status == "pending")
            .exists()
        )
        submitted = (
            select(Feedback.id)
            .join(Interview, Interview.id == Feedback.interview_id)
            .where(current)
            .exists()
        )
        conditions = (
            Applicant.role_id.in_(list(role_ids)),
            Applicant.stage.in_(list(open_stages)),
            Applicant.erased_at.is_(None),
            submitted,
            ~pending,
        )
        return self._applicant_page(
            conditions, (Applicant.stage_entered_at, Applicant.id), limit, offset
        )

    def upcoming_interviews(
        self,
        role_ids: Sequence[int],
        start: datetime,
        end: datetime,
        limit: int,
        offset: int = 0,
    ) -> tuple[int, Sequence[tuple[Interview, Applicant]]]:
        base = (
            select(Interview, Applicant)
            .join(Applicant, Applicant.id == Interview.applicant_id)
            .where(
                self._of_roles(role_ids),
                Interview.status == "scheduled",
                Interview.starts_at >= start,
                Interview.starts_at < end,
            )
        )
        return self._paired_page(base, (Interview.starts_at, Interview.id), limit, offset)

    def overdue_feedback(
        self, role_ids: Sequence[int], requested_before: datetime, limit: int, offset: int = 0
    ) -> tuple[int, Sequence[tuple[Panelist, Applicant]]]:
        """Feedback still owed, read from the pending panelists (the owed feedback, not every
        interview the roles had). The only index on `feedback_status` is (person_id,
        feedback_status), so on SQLite the query names every person (`person_id IN (SELECT
        id FROM people)`, always true) to read it for each person's pending rows."""
        everyone = (
            [Panelist.person_id.in_(select(Person.id).scalar_subquery())] if self._sqlite else []
        )
        base = (
            select(Panelist, Applicant)
            .join(Interview, Interview.id == Panelist.interview_id)
            .join(Applicant, Applicant.id == Interview.applicant_id)
            .where(
                *everyone,
                self._of_roles(role_ids),
                Interview.status == "scheduled",
                Panelist.feedback_status == "pending",
                Panelist.requested_at.is_not(None),
                Panelist.requested_at < requested_before,
            )
        )
        return self._paired_page(base, (Panelist.requested_at, Panelist.id), limit, offset)
