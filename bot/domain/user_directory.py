"""The user-directory port: a channel that keeps a directory of its users (their id, name, e-mail
and timezone) lets the core look someone up there when an admin adds them
(`people add <mention> …` or `people add … email=…`), so their address and timezone need not
be typed. Each channel that can implements `UserDirectory` in its own package; the wiring
hands the core those of the channels this deployment runs (`Context.user_directories`), by
channel name, so the core never names a platform. (Not the catalog's `Directory` of
services/catalog_source.py: that one is hirebot's own people and roles.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.errors import UserError


@dataclass(frozen=True)
class DirectoryEntry:
    """One user as a channel's directory knows them."""

    channel: str  # the channel's name
    address: str  # their address there, as person_identities keeps it
    name: str  # their full name there ("" when the directory has none)
    timezone: str | None  # an IANA zone name, when the directory has one
    email: str | None  # when the directory shows it


class DirectoryUnavailable(UserError):
    """The directory refused or failed the lookup (a scope the app lacks, the platform
    down); the message says so in words for people, naming what to grant or retry."""


class UserDirectory(Protocol):
    channel: str

    def mentioned(self, word: str) -> str | None:
        """The address a mention of someone names, when `word` is one in this channel's
        syntax; None for any other word (a name, an option)."""
        ...

    def by_address(self, address: str) -> DirectoryEntry | None:
        """The user at `address`; None if there is no such user."""
        ...

    def by_email(self, email: str) -> DirectoryEntry | None:
        """The user with this e-mail address; None if there is none."""
        ...
