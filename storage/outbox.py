"""Queries for outbound messages and the card posts they update in place."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update

from storage.models import CardPost, OutboxMessage
from storage.repository import Repository

OPEN_STATUSES = ("pending", "sending")
VIEWS = ("pending", "failed", "dead", "sent", "open", "all")


def _view_conditions(view: str) -> list[ColumnElement[bool]]:
    """What an operator's view of the outbox means in rows ("failed" is an open row that was
    tried and will be tried again)."""
    if view == "pending":
        return [OutboxMessage.status.in_(OPEN_STATUSES), OutboxMessage.attempts == 0]
    if view == "failed":
        return [OutboxMessage.status.in_(OPEN_STATUSES), OutboxMessage.attempts > 0]
    if view == "open":
        return [OutboxMessage.status.in_([*OPEN_STATUSES, "dead"])]
    if view in {"dead", "sent"}:
        return [OutboxMessage.status == view]
    if view == "all":
        return []
    raise ValueError(f"unknown outbox view {view!r}")


class OutboxRepository(Repository[OutboxMessage]):
    def due(
        self,
        channel: str,
        now: datetime,
        limit: int,
        statuses: Sequence[str] = ("pending",),
        destinations: Sequence[str] | None = None,
    ) -> Sequence[OutboxMessage]:
        """Due messages for a channel, oldest first, locked so replicas don't double-send.

        A `sending` row whose lease (`next_attempt_at`) ran out belongs to a replica that died.
        `destinations` keeps to those addresses (a console session shows one person's).
        """
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

    def first_open_outside(
        self, channel: str, destinations: set[str], claimed: set[int]
    ) -> dict[str, int]:
        """The oldest unsent message of each conversation that this claim does not hold: the
        claim's messages to it after that one wait. Not just the conversation's oldest: SKIP
        LOCKED lets a claim hold its first and third messages while another worker's claim
        locks the second."""
        rows = self.session.execute(
            select(OutboxMessage.destination, func.min(OutboxMessage.id))
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.status.in_(OPEN_STATUSES),
                OutboxMessage.destination.in_(destinations),
                OutboxMessage.id.not_in(claimed),
            )
            .group_by(OutboxMessage.destination)
        ).all()
        return {str(destination): int(first) for destination, first in rows}

    def mark_sent(self, ids: Sequence[int], now: datetime, external_ref: str | None) -> None:
        values: dict[str, Any] = {
            "status": "sent",
            "sent_at": now,
            "attempts": OutboxMessage.attempts + 1,
        }
        if external_ref:
            values["external_ref"] = external_ref
        self.session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(list(ids))).values(**values),
            execution_options={"synchronize_session": False},
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
                OutboxMessage.status == "sent",
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
        result = self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.destination == destination,
                OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at > now,
            )
            .values(next_attempt_at=now),
            execution_options={"synchronize_session": False},
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def by_ids(self, ids: Sequence[int]) -> Sequence[OutboxMessage]:
        return self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(list(ids))).order_by(OutboxMessage.id)
        ).all()

    def counts_by_status(self) -> dict[tuple[str, str], int]:
        rows = self.session.execute(
            select(
                OutboxMessage.channel, OutboxMessage.status, func.count(OutboxMessage.id)
            ).group_by(OutboxMessage.channel, OutboxMessage.status)
        ).all()
        return {(channel, status): count for channel, status, count in rows}

    def get(self, message_id: int, *, for_update: bool = False) -> OutboxMessage | None:
        """Locked for an operator's retry, so a retry and a delivery never both change it."""
        return self.session.get(OutboxMessage, message_id, with_for_update=for_update)

    def listing(self, *, view: str, channel: str | None, limit: int) -> Sequence[OutboxMessage]:
        """One of VIEWS, bounded by `limit`: oldest first, so the head of each conversation's
        queue is on top, except sent and all rows, newest first."""
        conditions = _view_conditions(view)
        if channel:
            conditions.append(OutboxMessage.channel == channel)
        order = OutboxMessage.id.desc() if view in {"sent", "all"} else OutboxMessage.id
        return self.session.scalars(
            select(OutboxMessage).where(*conditions).order_by(order).limit(limit)
        ).all()

    def counts_by_attempts(self, *, include_sent: bool) -> Sequence[tuple[str, str, int, int]]:
        """(channel, status, attempts, count). attempts has a handful of values (0 to the
        attempt budget), so grouping by it stays small; sent rows pile up forever, so scrapes
        leave them out."""
        where = [] if include_sent else [OutboxMessage.status.in_([*OPEN_STATUSES, "dead"])]
        rows = self.session.execute(
            select(
                OutboxMessage.channel,
                OutboxMessage.status,
                OutboxMessage.attempts,
                func.count(OutboxMessage.id),
            )
            .where(*where)
            .group_by(OutboxMessage.channel, OutboxMessage.status, OutboxMessage.attempts)
        ).all()
        return [(channel, status, attempts, count) for channel, status, attempts, count in rows]

    def oldest_open(self) -> dict[str, datetime]:
        """When the oldest undelivered message of each channel was queued: the delivery lag."""
        rows = self.session.execute(
            select(OutboxMessage.channel, func.min(OutboxMessage.created_at))
            .where(OutboxMessage.status.in_(OPEN_STATUSES))
            .group_by(OutboxMessage.channel)
        ).all()
        return {channel: at for channel, at in rows if at is not None}

    def dead_ids(self, channel: str | None) -> list[int]:
        stmt = select(OutboxMessage.id).where(OutboxMessage.status == "dead")
        if channel:
            stmt = stmt.where(OutboxMessage.channel == channel)
        return list(self.session.scalars(stmt.order_by(OutboxMessage.id)))


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
