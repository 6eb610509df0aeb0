"""What passes through the dispatcher's door: the `Inbound` event a channel builds, the
`Outcome` it gets back, the correlation id minted for it, and who is speaking (`actor_for`).

Apart from the dispatcher so that the other entry it hands to (`linking.start`, for people
hirebot does not know yet) shares them without importing the dispatcher back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from bot.domain.catalog import Catalog
from bot.messages.reply import Reply
from bot.services import people
from bot.services.context import Actor
from bot.services.directory_cache import DirectoryCache
from storage.unit_of_work import UnitOfWork


@dataclass
class InboxTurn:
    """The inbox event being handled, set by the inbox around its processor (a context
    variable, `INBOX_TURN`): the dispatcher works in the pass's unit of work `uow` and calls
    `finish()` right before its commit, so the event is marked done in the same transaction as
    its effects (bot/runtime/work.py, `Turn`), then sets `finished`.

    `first` says the event is claimed for the first time. Its platform key was checked once
    already, at the door (one INSERT that skips a redelivery), so the dispatcher does not look
    the dedup key up in the audit log again for it; should the same key come round anyway, the
    audit log's unique key refuses the second record and the whole handling is rolled back as a
    duplicate. A retried event (attempt 2 or later) is looked up as before."""

    uow: UnitOfWork
    first: bool
    finish: Callable[[], None]
    finished: bool = False


INBOX_TURN: ContextVar[InboxTurn | None] = ContextVar("hirebot_inbox_turn", default=None)


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
    """What the core answered. `outbox_ids` are the rows queued for the delivery worker; an
    answer given inline (`Inbound.deliver_inline`) is in `replies` only, no row."""

    correlation_id: str
    replies: list[Reply] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)
    duplicate: bool = False
    person_key: str | None = None
    applicant_id: int | None = None  # whom the answers are about (a handed-over row's link)


def new_correlation_id() -> str:
    return uuid.uuid4().hex[:16]


def actor_for(
    uow: UnitOfWork,
    catalog: Catalog,
    channel: str,
    user_ref: str,
    speakers: DirectoryCache | None = None,
    generation: int | None = None,
) -> Actor:
    """Who is speaking: the team member behind the channel identity, or a stranger; from
    `speakers` when given with the catalog generation the event is handled at."""
    if speakers is not None and generation is not None:
        found = speakers.speaker(uow, catalog, generation, channel, user_ref)
        person_id, key = (found.person_id, found.key) if found else (None, None)
    else:
        row = people.resolve(uow, catalog, channel, user_ref)
        person_id, key = (row.id, row.key) if row else (None, None)
    spec = catalog.people.get(key) if key is not None else None
    if person_id is None or spec is None:
        return Actor(channel=channel, ref=user_ref)
    return Actor(channel=channel, ref=user_ref, person_id=person_id, person=spec)
