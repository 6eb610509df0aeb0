"""Queries for the append-only audit log: add, dedup, a timeline (never an update or delete)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from storage.models import AuditEvent
from storage.repository import Page, Repository


class AuditRepository(Repository[AuditEvent]):
    """Append-only: there is deliberately no update or delete here."""

    def seen(self, dedup_key: str) -> bool:
        return (
            self.session.scalar(select(AuditEvent.id).where(AuditEvent.dedup_key == dedup_key))
            is not None
        )

    def by_dedup_key(self, dedup_key: str) -> AuditEvent | None:
        """The event recorded under a dedup key (unique and indexed): the intake API replays
        the first answer to a repeated Idempotency-Key from it."""
        return self.session.scalar(select(AuditEvent).where(AuditEvent.dedup_key == dedup_key))

    def timeline(
        self,
        applicant_id: int,
        *,
        page: int,
        per_page: int,
        directions: Sequence[str] | None = None,
    ) -> Page[AuditEvent]:
        """One page of an applicant's audit rows, oldest first; `directions` keeps to those
        (`event`: what happened to them; `in`/`out`: commands and messages)."""
        conditions = [AuditEvent.applicant_id == applicant_id]
        if directions is not None:
            conditions.append(AuditEvent.direction.in_(list(directions)))
        total = self.session.scalar(select(func.count(AuditEvent.id)).where(*conditions)) or 0
        items = self.session.scalars(
            select(AuditEvent)
            .where(*conditions)
            .order_by(AuditEvent.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
        return Page(list(items), total, page, per_page)

    def full_timeline(self, applicant_id: int) -> Sequence[AuditEvent]:
        return self._of_applicant(AuditEvent, applicant_id)
