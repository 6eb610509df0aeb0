"""Queries for tracker_items: a hire's items in the role's tracker (by the indexed applicant),
one by hirebot's key or by the tracker's id (a webhook names only that), and the late
milestones a digest leads with, counted and bounded by the database; and tracker_webhooks,
the webhooks registered with each tracker."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select

from storage.models import Applicant, TrackerItem, TrackerWebhook
from storage.repository import Repository

OPEN_STATES = ("pending", "open")
MAX_ITEMS = 200  # an applicant's items: milestones and steps, a handful in practice


class TrackerItemRepository(Repository[TrackerItem]):
    def get(self, item_id: int, *, for_update: bool = False) -> TrackerItem | None:
        return self.session.get(TrackerItem, item_id, with_for_update=for_update)

    def by_key(self, key: str) -> TrackerItem | None:
        return self.session.scalar(select(TrackerItem).where(TrackerItem.key == key))

    def by_external(self, kind: str, external_id: str) -> TrackerItem | None:
        """The item a tracker's webhook or sync names by its own id."""
        return self.session.scalar(
            select(TrackerItem)
            .where(TrackerItem.kind == kind, TrackerItem.external_id == external_id)
            .limit(1)
        )

    def for_applicant(self, applicant_id: int, purpose: str | None = None) -> list[TrackerItem]:
        """An applicant's items, milestones first in their order, then the rest."""
        stmt = select(TrackerItem).where(TrackerItem.applicant_id == applicant_id)
        if purpose is not None:
            stmt = stmt.where(TrackerItem.purpose == purpose)
        return list(
            self.session.scalars(
                stmt.order_by(TrackerItem.purpose, TrackerItem.position).limit(MAX_ITEMS)
            )
        )

    def next_position(self, applicant_id: int, purpose: str) -> int:
        found = self.session.scalar(
            select(func.max(TrackerItem.position)).where(
                TrackerItem.applicant_id == applicant_id, TrackerItem.purpose == purpose
            )
        )
        return (found or 0) + 1

    def linked(self, kind: str, limit: int) -> Sequence[TrackerItem]:
        """Items of one tracker that it has an id for and that are still open: what a sync
        asks the tracker about, oldest first."""
        return self.session.scalars(
            select(TrackerItem)
            .where(
                TrackerItem.kind == kind,
                TrackerItem.external_id.is_not(None),
                TrackerItem.state == "open",
            )
            .order_by(TrackerItem.id)
            .limit(limit)
        ).all()

    def waiting(self, kind: str, limit: int = 1000) -> Sequence[TrackerItem]:
        """Items of one tracker it has no id for yet (never sent, or given up on)."""
        return self.session.scalars(
            select(TrackerItem)
            .where(
                TrackerItem.kind == kind,
                TrackerItem.external_id.is_(None),
                TrackerItem.state.in_(("pending", "failed")),
            )
            .order_by(TrackerItem.id)
            .limit(limit)
        ).all()

    def late_milestones(
        self, role_ids: Sequence[int], today: date, limit: int, offset: int = 0
    ) -> tuple[int, Sequence[tuple[TrackerItem, Applicant]]]:
        """Milestones not done whose due day has passed, of applicants in these roles: the
        total, and the page most overdue first (read off the (purpose, state, due) index)."""
        conditions = (
            TrackerItem.purpose == "milestone",
            TrackerItem.state.in_(OPEN_STATES),
            TrackerItem.due < today,
            Applicant.role_id.in_(list(role_ids)),
        )
        joined = select(TrackerItem, Applicant).join(
            Applicant, Applicant.id == TrackerItem.applicant_id
        )
        total = self.session.scalar(
            select(func.count(TrackerItem.id))
            .join(Applicant, Applicant.id == TrackerItem.applicant_id)
            .where(*conditions)
        )
        rows = self.session.execute(
            joined.where(*conditions)
            .order_by(TrackerItem.due, TrackerItem.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return total or 0, [(item, applicant) for item, applicant in rows]


class TrackerWebhookRepository(Repository[TrackerWebhook]):
    def for_kind(self, kind: str) -> Sequence[TrackerWebhook]:
        """A tracker's webhooks: one per project or board watched, so few."""
        return self.session.scalars(
            select(TrackerWebhook).where(TrackerWebhook.kind == kind).order_by(TrackerWebhook.id)
        ).all()

    def find(self, kind: str, target: str) -> TrackerWebhook | None:
        return self.session.scalar(
            select(TrackerWebhook).where(
                TrackerWebhook.kind == kind, TrackerWebhook.target == target
            )
        )
