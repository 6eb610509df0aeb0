"""Queries for check-ins with new hires and contractors: by id, those still running for an
applicant (by the indexed applicant_id), and the list the `checkin list` command shows."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from storage.models import Checkin, CheckinResponse
from storage.repository import Repository


class CheckinRepository(Repository[Checkin]):
    def add_response(self, response: CheckinResponse) -> None:
        self.session.add(response)

    def get(self, checkin_id: int) -> Checkin | None:
        return self.session.get(Checkin, checkin_id)

    def running_for(self, applicant_id: int) -> Sequence[Checkin]:
        """Check-ins of the applicant not ended (active or paused): at most one in practice."""
        return self.session.scalars(
            select(Checkin)
            .where(Checkin.applicant_id == applicant_id, Checkin.status != "ended")
            .order_by(Checkin.id)
        ).all()

    def running(self) -> Sequence[Checkin]:
        """Every check-in not ended, oldest first: one per hire being followed, so few."""
        return self.session.scalars(
            select(Checkin).where(Checkin.status != "ended").order_by(Checkin.id)
        ).all()
