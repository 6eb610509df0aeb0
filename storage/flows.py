"""Queries for conversational flow runs (flow_runs): a person's open runs, the runs about one
subject, and the one a person's free text goes to.

Open runs are few (one per conversation in progress; a person has a handful at most), and a
person's are found through the (person_id, status, id) index.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from storage.models import FlowRun
from storage.repository import Repository

OPEN_STATUSES = ("active", "paused")


class FlowRunRepository(Repository[FlowRun]):
    def get(self, run_id: int, *, for_update: bool = False) -> FlowRun | None:
        """Locked for an answer, so two taps on the same question cannot both move it on."""
        return self.session.get(FlowRun, run_id, with_for_update=for_update)

    def latest_active(self, person_id: int, channel: str) -> FlowRun | None:
        """The person's most recently prompted active run on a channel: their free text
        answers it."""
        return self.session.scalar(
            select(FlowRun)
            .where(
                FlowRun.person_id == person_id,
                FlowRun.channel == channel,
                FlowRun.status == "active",
            )
            .order_by(FlowRun.updated_at.desc(), FlowRun.id.desc())
            .limit(1)
        )

    def open_for_person(self, person_id: int, flow: str | None = None) -> list[FlowRun]:
        stmt = select(FlowRun).where(
            FlowRun.person_id == person_id, FlowRun.status.in_(OPEN_STATUSES)
        )
        if flow:
            stmt = stmt.where(FlowRun.flow == flow)
        return list(self.session.scalars(stmt.order_by(FlowRun.id)))

    def open_about(
        self, subject: str, *, person_id: int | None = None, flow: str | None = None
    ) -> list[FlowRun]:
        """Open runs about one subject (`interview:3`, `checkin:2`), optionally one person's
        and one flow's, oldest first."""
        conditions = [FlowRun.subject == subject, FlowRun.status.in_(OPEN_STATUSES)]
        if person_id is not None:
            conditions.append(FlowRun.person_id == person_id)
        if flow:
            conditions.append(FlowRun.flow == flow)
        return list(self.session.scalars(select(FlowRun).where(*conditions).order_by(FlowRun.id)))

    def all_open(self) -> list[FlowRun]:
        """Every open run, oldest first (an erasure looks for those about one applicant, whose
        id sits inside each run's JSON data)."""
        return list(
            self.session.scalars(
                select(FlowRun).where(FlowRun.status.in_(OPEN_STATUSES)).order_by(FlowRun.id)
            )
        )

    def last_touched_by_others(self, person_id: int, run_id: int) -> datetime | None:
        """When the person's most recently prompted other run was touched, so this one can be
        made strictly later."""
        return self.session.scalar(
            select(func.max(FlowRun.updated_at)).where(
                FlowRun.person_id == person_id, FlowRun.id != run_id
            )
        )
