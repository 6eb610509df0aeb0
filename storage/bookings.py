"""Queries for booking offers: interview times a candidate picks from (self-scheduling)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from storage.models import BookingOffer
from storage.repository import Repository


class BookingOfferRepository(Repository[BookingOffer]):
    def get(self, offer_id: int, *, for_update: bool = False) -> BookingOffer | None:
        """Locked when booking, so a double click or two tabs book it once.

        SQLite has no row locks, and pysqlite reads outside any transaction until the first
        write, so two bookings could both see a time free: there the lock is the database's
        writer lock, taken now (BEGIN IMMEDIATE, which also queues on the process's writer
        lock, storage/db.py), and everything the booking reads after it is current."""
        if for_update:
            connection = self.session.connection()
            if connection.dialect.name == "sqlite":
                raw = connection.connection.dbapi_connection
                if not getattr(raw, "in_transaction", True):
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
        stmt = select(BookingOffer).where(BookingOffer.id == offer_id)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalar(stmt)

    def open_for(self, applicant_id: int) -> Sequence[BookingOffer]:
        """An applicant's offers still waiting for a pick (erasure closes them); by the
        indexed applicant_id, a handful per applicant."""
        return self.session.scalars(
            select(BookingOffer)
            .where(BookingOffer.applicant_id == applicant_id, BookingOffer.status == "open")
            .order_by(BookingOffer.id)
            .limit(100)
        ).all()
