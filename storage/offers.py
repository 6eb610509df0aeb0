"""Queries for offers; every listing is bounded."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from storage.models import Offer, OutboxMessage
from storage.queue import OUTBOX
from storage.repository import Repository

OPEN = ("pending_approval", "approved")


class OfferRepository(Repository[Offer]):
    def get(self, offer_id: int, *, for_update: bool = False) -> Offer | None:
        """Locked for decisions, so an approval and a withdrawal cannot both win."""
        stmt = select(Offer).where(Offer.id == offer_id)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalar(stmt)

    def open_for(self, applicant_id: int) -> Offer | None:
        return self.session.scalar(
            select(Offer)
            .where(Offer.applicant_id == applicant_id, Offer.status.in_(OPEN))
            .order_by(Offer.id.desc())
            .limit(1)
        )

    def for_applicant(self, applicant_id: int, *, limit: int = 50) -> Sequence[Offer]:
        return self._of_applicant(Offer, applicant_id, order=Offer.id.desc(), limit=limit)

    def latest_accepted(self, applicant_id: int) -> Offer | None:
        return self.session.scalar(
            select(Offer)
            .where(Offer.applicant_id == applicant_id, Offer.status == "accepted")
            .order_by(Offer.id.desc())
            .limit(1)
        )

    def open_offers(self, *, limit: int, offset: int = 0) -> Sequence[Offer]:
        """Open offers, the oldest first: the ones waiting longest lead."""
        return self.session.scalars(
            select(Offer)
            .where(Offer.status.in_(OPEN))
            .order_by(Offer.id)
            .limit(limit)
            .offset(offset)
        ).all()

    def count_open(self) -> int:
        return self.session.scalar(select(func.count(Offer.id)).where(Offer.status.in_(OPEN))) or 0

    def delivered_about(self, applicant_id: int, *, limit: int = 200) -> Sequence[OutboxMessage]:
        """Private messages about an applicant, delivered with a reference to edit them by (an
        approval request among them), newest first."""
        return self.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.applicant_id == applicant_id,
                OutboxMessage.kind == "message",
                OutboxMessage.status == OUTBOX.states.done,
                OutboxMessage.external_ref.is_not(None),
            )
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        ).all()
