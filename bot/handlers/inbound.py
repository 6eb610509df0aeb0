"""What passes through the dispatcher's door: the `Inbound` event a channel builds, the
`Outcome` it gets back, the correlation id minted for it, and who is speaking (`actor_for`).

Apart from the dispatcher so that the other entry it hands to (`linking.start`, for people
hirebot does not know yet) shares them without importing the dispatcher back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from bot.domain.catalog import Catalog
from bot.messages.reply import Reply
from bot.services import people
from bot.services.context import Actor
from storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ActionEvent:
    id: str
    value: str
    input: str | None = None


@dataclass(frozen=True)
class Inbound:
    """A native event translated: who, where, and either a text command or a button action."""

    channel: str
    user_ref: str
    conversation: str
    text: str | None = None
    action: ActionEvent | None = None
    dedup_key: str | None = None
    shared_conversation: bool = False
    deliver_inline: bool = False
    correlation_id: str | None = None


@dataclass
class Outcome:
    correlation_id: str
    replies: list[Reply] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)
    duplicate: bool = False
    person_key: str | None = None


def new_correlation_id() -> str:
    return uuid.uuid4().hex[:16]


def actor_for(uow: UnitOfWork, catalog: Catalog, channel: str, user_ref: str) -> Actor:
    """Who is speaking: the team member behind the channel identity, or a stranger."""
    row = people.resolve(uow, catalog, channel, user_ref)
    spec = catalog.people.get(row.key) if row is not None else None
    if row is None or spec is None:
        return Actor(channel=channel, ref=user_ref)
    return Actor(channel=channel, ref=user_ref, person_id=row.id, person=spec)
