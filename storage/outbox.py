"""Queries for outbound messages and the card posts they update in place (claims, counts and
listings are the work queue's: storage/queue.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from storage.models import CardPost, OutboxMessage
from storage.queue import OUTBOX
from storage.repository import Repository

OPEN_STATUSES = OUTBOX.states.open
WAITING, DONE = OUTBOX.states.waiting, OUTBOX.states.done


class OutboxRepository(Repository[OutboxMessage]):
    def due(
        self,
        channel: str,
        now: datetime,
        limit: int,
        statuses: Sequence[str] = (WAITING,),
        destinations: Sequence[str] | None = None,
    ) -> Sequence[OutboxMessage]:
        """Due messages for a channel, oldest first, locked: what a console session shows after
        each line (`destinations` keeps to one person's). The chat channels' delivery claims
        through the work queue instead (storage/queue.py)."""
        conditions = [
            OutboxMessage.channel == channel,
            OutboxMessage.status.in_(list(statuses)),
            OutboxMessage.next_attempt_at <= now,
        ]
        if destinations is not None:
            conditions.append(OutboxMessage.destination.in_(list(destinations)))
        stmt = (
            select(OutboxMessage)
            .where(*conditions)
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return self.session.scalars(stmt).all()

    def mark_sent(self, ids: Sequence[int], now: datetime, external_ref: str | None) -> None:
        values: dict[str, Any] = {
            "status": DONE,
            "sent_at": now,
            "attempts": OutboxMessage.attempts + 1,
        }
        if external_ref:
            values["external_ref"] = external_ref
        self._rowcount(
            update(OutboxMessage).where(OutboxMessage.id.in_(list(ids))).values(**values)
        )

    def note_parts(self, message_id: int, parts_sent: int, external_ref: str) -> None:
        """A split reply's progress: `parts_sent` parts accepted, the last as `external_ref`
        (one UPDATE on the primary key, committed by the caller at once)."""
        self._rowcount(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(parts_sent=parts_sent, external_ref=external_ref)
        )

    def delete_waiting(self, ids: Sequence[int]) -> int:
        """Delete these rows if they still wait (not claimed, not sent): answers an adapter
        handed over and then delivered itself."""
        return self._rowcount(
            delete(OutboxMessage).where(
                OutboxMessage.id.in_(list(ids)), OutboxMessage.status == WAITING
            )
        )

    def set_due(self, ids: Sequence[int], due: datetime) -> None:
        """These rows, if they still wait, due at `due`."""
        self._rowcount(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.status == WAITING)
            .values(next_attempt_at=due)
        )

    def by_external_ref(self, channel: str, external_ref: str) -> OutboxMessage | None:
        """The sent message a platform's later report (a delivery receipt) names by its id."""
        return self.session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.channel == channel, OutboxMessage.external_ref == external_ref)
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )

    def last_sent(self, channel: str, destination: str) -> OutboxMessage | None:
        """The latest message a conversation was sent (a prompt its next text may answer)."""
        return self.session.scalar(
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.destination == destination,
                OutboxMessage.status == DONE,
            )
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )

    def open_after(
        self, channel: str, destination: str, after_id: int, limit: int
    ) -> Sequence[OutboxMessage]:
        """A conversation's unsent messages after `after_id`, oldest first (those a channel
        may send together with it as one message)."""
        return self.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.destination == destination,
                OutboxMessage.status.in_(OPEN_STATUSES),
                OutboxMessage.id > after_id,
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        ).all()

    def due_now(self, channel: str, destination: str, now: datetime) -> int:
        """Make a conversation's waiting messages due at once (the person just wrote, so a
        channel that held them back may send them now); returns how many."""
        return self._rowcount(
            update(OutboxMessage)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.destination == destination,
                OutboxMessage.status == WAITING,
                OutboxMessage.next_attempt_at > now,
            )
            .values(next_attempt_at=now)
        )

    def card_queued(self, applicant_id: int, channel: str, card_key: str, destination: str) -> bool:
        """Whether a card went, or is going, to this destination (read by the applicant's
        index): an update for a card never queued there would have nothing to edit."""
        found = self.session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.applicant_id == applicant_id,
                OutboxMessage.kind == "card",
                OutboxMessage.channel == channel,
                OutboxMessage.card_key == card_key,
                OutboxMessage.destination == destination,
            )
            .limit(1)
        )
        return found is not None

    def by_ids(self, ids: Sequence[int]) -> Sequence[OutboxMessage]:
        return self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(list(ids))).order_by(OutboxMessage.id)
        ).all()

    def get(self, message_id: int, *, for_update: bool = False) -> OutboxMessage | None:
        """Locked for an operator's retry, so a retry and a delivery never both change it."""
        return self.session.get(OutboxMessage, message_id, with_for_update=for_update)


class CardPostRepository(Repository[CardPost]):
    def find(self, channel: str, card_key: str, destination: str) -> CardPost | None:
        return self.session.scalar(
            select(CardPost).where(
                CardPost.channel == channel,
                CardPost.card_key == card_key,
                CardPost.destination == destination,
            )
        )

    def for_card(self, card_key: str) -> Sequence[CardPost]:
        """Every post of one card, on every channel (an erasure edits them all)."""
        return self.session.scalars(select(CardPost).where(CardPost.card_key == card_key)).all()
