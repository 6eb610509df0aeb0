"""Queries for channel contacts: a person's other platform id, when they last wrote to us, and
when we last invited them to write (`ChannelContact`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.models import ChannelContact
from storage.repository import Repository


class ChannelContactRepository(Repository[ChannelContact]):
    def find(self, channel: str, address: str) -> ChannelContact | None:
        """The contact whose address, or else whose alias, this is."""
        return self.for_address(channel, address) or self.by_alias(channel, address)

    def for_address(self, channel: str, address: str) -> ChannelContact | None:
        return self.session.scalar(
            select(ChannelContact).where(
                ChannelContact.channel == channel, ChannelContact.address == address
            )
        )

    def by_alias(self, channel: str, alias: str) -> ChannelContact | None:
        return self.session.scalar(
            select(ChannelContact).where(
                ChannelContact.channel == channel, ChannelContact.alias == alias
            )
        )

    def wrote(
        self, channel: str, address: str, at: datetime, *, alias: str | None = None
    ) -> ChannelContact:
        """Note that `address` wrote to us at `at` (and is also known as `alias`). An alias
        held by another address moves here: the platform says whose it is now."""
        contact = self.for_address(channel, address)
        if alias is not None and alias != address:
            other = self.by_alias(channel, alias)
            if other is not None and other is not contact:
                other.alias = None
                self.session.flush()
        if contact is None:
            contact = ChannelContact(channel=channel, address=address)
            self.session.add(contact)
        if alias is not None and alias != address:
            contact.alias = alias
        if contact.last_inbound_at is None or contact.last_inbound_at < at:
            contact.last_inbound_at = at
        self.session.flush()
        return contact

    def invited(self, channel: str, address: str, at: datetime) -> None:
        contact = self.for_address(channel, address)
        if contact is None:
            contact = ChannelContact(channel=channel, address=address)
            self.session.add(contact)
        contact.invited_at = at
        self.session.flush()

    def closed(self, channel: str, address: str) -> None:
        """The platform says the window is closed whatever we thought (its clock rules)."""
        contact = self.for_address(channel, address)
        if contact is not None:
            contact.last_inbound_at = None
            self.session.flush()
