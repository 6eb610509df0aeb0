"""Queries for outbound messages and the card posts they update in place."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.models import (
    CardPost,
    OutboxMessage,
)


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, message: OutboxMessage) -> None:
        self.session.add(message)

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


class CardPostRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, channel: str, card_key: str, destination: str) -> CardPost | None:
        return self.session.scalar(
            select(CardPost).where(
                CardPost.channel == channel,
                CardPost.card_key == card_key,
                CardPost.destination == destination,
            )
        )

    def add(self, post: CardPost) -> None:
        self.session.add(post)
