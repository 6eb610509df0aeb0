"""Queries for interviews, their panelists and feedback; every listing is bounded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from storage.models import Feedback, Interview, Panelist
from storage.repository import Repository, in_batches


class InterviewRepository(Repository[Interview]):
    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._owed: dict[int, list[Panelist]] = {}  # by person, see preload_owed

    def get(self, interview_id: int, *, for_update: bool = False) -> Interview | None:
        stmt = select(Interview).where(Interview.id == interview_id)
        if for_update:
            stmt = stmt.with_for_update(of=Interview)
        return self.session.scalar(stmt)

    def for_applicant(self, applicant_id: int) -> Sequence[Interview]:
        return self._of_applicant(Interview, applicant_id, order=Interview.starts_at)

    def scheduled_for_applicant(self, applicant_id: int) -> Sequence[Interview]:
        """The applicant's interviews not yet cancelled or done, in the order they were made."""
        return self.session.scalars(
            select(Interview)
            .where(Interview.applicant_id == applicant_id, Interview.status == "scheduled")
            .order_by(Interview.id)
        ).all()

    def overlapping(
        self, person_id: int, starts_at: datetime, ends_at: datetime, exclude: int | None = None
    ) -> Sequence[Interview]:
        """Scheduled interviews of this person that overlap [starts_at, ends_at)."""
        window_start = starts_at - timedelta(hours=24)  # no interview lasts longer than a day
        rows = self.session.scalars(
            select(Interview)
            .join(Panelist, Panelist.interview_id == Interview.id)
            .where(
                Panelist.person_id == person_id,
                Interview.status == "scheduled",
                Interview.starts_at < ends_at,
                Interview.starts_at >= window_start,
            )
        ).all()
        return [
            i
            for i in rows
            if i.id != exclude and i.starts_at + timedelta(minutes=i.duration_minutes) > starts_at
        ]

    @staticmethod
    def _upcoming_for_person(person_id: int, now: datetime) -> Select[Interview]:
        return (
            select(Interview)
            .join(Panelist, Panelist.interview_id == Interview.id)
            .where(
                Panelist.person_id == person_id,
                Interview.status == "scheduled",
                Interview.starts_at >= now - timedelta(hours=12),
            )
        )

    def upcoming_for_person(
        self, person_id: int, now: datetime, limit: int, offset: int = 0
    ) -> Sequence[Interview]:
        return self.session.scalars(
            self._upcoming_for_person(person_id, now)
            .order_by(Interview.starts_at, Interview.id)
            .limit(limit)
            .offset(offset)
        ).all()

    def count_upcoming_for_person(self, person_id: int, now: datetime) -> int:
        """How many `upcoming_for_person` would list without its page."""
        stmt = self._upcoming_for_person(person_id, now).subquery()
        return self.session.scalar(select(func.count()).select_from(stmt)) or 0

    def panelists(self, panelist_ids: Sequence[int]) -> list[Panelist]:
        """These panelists with their interviews, in one query per 500."""
        wanted = sorted(set(panelist_ids))
        found: list[Panelist] = []
        for chunk in in_batches(wanted):
            found += self.session.scalars(
                select(Panelist)
                .options(joinedload(Panelist.interview))
                .where(Panelist.id.in_(chunk))
            ).all()
        return found

    def reload(self, interview: Interview) -> None:
        """Read the interview again after its panel was added, so `panelists` is current."""
        self.session.refresh(interview)

    def add_panelist(self, panelist: Panelist) -> None:
        self.session.add(panelist)

    def panelist_by_id(self, panelist_id: int, *, for_update: bool = False) -> Panelist | None:
        """Locked while feedback is submitted, so two submissions cannot both count."""
        return self.session.get(Panelist, panelist_id, with_for_update=for_update)

    def feedback_late(self, due_before: datetime) -> Sequence[Panelist]:
        """Panelists of scheduled interviews asked for feedback before `due_before` who have
        neither given it nor been escalated yet: what a manager's escalation lists."""
        return self.session.scalars(
            select(Panelist)
            .join(Interview, Interview.id == Panelist.interview_id)
            .where(
                Panelist.feedback_status == "pending",
                Panelist.escalated_at.is_(None),
                Panelist.requested_at.is_not(None),
                Panelist.requested_at <= due_before,
                Interview.status == "scheduled",
            )
        ).all()

    def panelist(self, interview_id: int, person_id: int) -> Panelist | None:
        return self.session.scalar(
            select(Panelist).where(
                Panelist.interview_id == interview_id, Panelist.person_id == person_id
            )
        )

    def owed_by(self, person_id: int) -> Sequence[Panelist]:
        """Feedback this person still owes, for interviews that have started (each with its
        interview loaded by the same query: callers read it for every row). For someone
        `preload_owed` covered, answered from that without a query."""
        preloaded = self._owed.get(person_id)
        if preloaded is not None:
            # Re-checked on the objects themselves, which carry this unit of work's changes
            # (a feedback request or a cancellation earlier in the batch) as a query would
            # after its autoflush.
            return sorted(
                (
                    p
                    for p in preloaded
                    if p.feedback_status == "pending"
                    and p.requested_at is not None
                    and p.interview.status == "scheduled"
                ),
                key=lambda p: (p.interview.starts_at, p.id),
            )
        return self.session.scalars(
            select(Panelist)
            .join(Interview, Interview.id == Panelist.interview_id)
            .options(contains_eager(Panelist.interview))
            .where(
                Panelist.person_id == person_id,
                Panelist.feedback_status == "pending",
                Panelist.requested_at.is_not(None),
                Interview.status == "scheduled",
            )
            .order_by(Interview.starts_at, Panelist.id)
        ).all()

    def preload_owed(self, person_ids: Sequence[int]) -> list[Panelist]:
        """What these people may owe, with interviews, in one query per 500 people; for the
        rest of this unit of work `owed_by` answers for them from it (a batch of reminders
        asks once per interviewer). Includes feedback not requested yet, so a request made
        later in the same unit of work shows up as it would in a query."""
        wanted = sorted(set(person_ids))
        found: list[Panelist] = []
        for chunk in in_batches(wanted):
            rows = self.session.scalars(
                select(Panelist)
                .join(Interview, Interview.id == Panelist.interview_id)
                .options(contains_eager(Panelist.interview))
                .where(
                    Panelist.person_id.in_(chunk),
                    Panelist.feedback_status == "pending",
                    Interview.status == "scheduled",
                )
            ).all()
            for person_id in chunk:
                self._owed[person_id] = []
            for panelist in rows:
                self._owed[panelist.person_id].append(panelist)
            found += rows
        return found

    def feedback_for_applicant(self, applicant_id: int) -> Sequence[Feedback]:
        return self._of_applicant(Feedback, applicant_id)

    def feedback(self, interview_id: int, person_id: int) -> Feedback | None:
        return self.session.scalar(
            select(Feedback).where(
                Feedback.interview_id == interview_id, Feedback.person_id == person_id
            )
        )

    def add_feedback(self, feedback: Feedback) -> None:
        self.session.add(feedback)
