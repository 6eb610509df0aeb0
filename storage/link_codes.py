"""Queries for one-time account-link codes (stored hashed, locked when redeemed)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from storage.models import LinkCode
from storage.repository import Repository


class LinkCodeRepository(Repository[LinkCode]):
    def by_hash(self, code_hash: str) -> LinkCode | None:
        """Locked, so two redemptions of the same code cannot both succeed."""
        return self.session.scalar(
            select(LinkCode).where(LinkCode.code_hash == code_hash).with_for_update()
        )

    def unused_for(self, person_id: int, channel: str) -> Sequence[LinkCode]:
        return self.session.scalars(
            select(LinkCode).where(
                LinkCode.person_id == person_id,
                LinkCode.channel == channel,
                LinkCode.used_at.is_(None),
            )
        ).all()
