"""Who is behind a channel address, remembered per process for one catalog generation.

Why: every event resolved its speaker again, a join of people and their identities and then
the person's identities loaded (two of `add`'s 14 statements and of `list`'s 11 at the time;
docs/benchmarks.md, "Handling cost"). Who holds an address changes only with the directory:
people added, changed or removed from chat, roles changed, an account linked with a code, each
of which bumps the catalog's generation in its own transaction (services/catalog_source.py).
So what is learnt here is kept for the generation it was learnt at, and the cache starts over
as soon as it is asked at another one: a change counts at once in the process that made it and
at the next event in every other (the dispatcher reads the generation at each event anyway).

Only hits are kept: an address nobody holds (yet) is looked up every time, so an account
linked or a person added elsewhere counts at once. The size is bounded; when full, the cache
starts over rather than growing with every stranger who writes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from bot.domain.catalog import Catalog
from bot.services import people
from storage.unit_of_work import UnitOfWork

LIMIT = 10_000


@dataclass(frozen=True)
class Speaker:
    """A team member as the dispatcher needs them: their row's id and their key."""

    person_id: int
    key: str


class DirectoryCache:
    """The one interface: `speaker(...)`, valid for the generation it is asked at."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._speakers: dict[tuple[str, str], Speaker] = {}

    def speaker(
        self, uow: UnitOfWork, catalog: Catalog, generation: int, channel: str, user_ref: str
    ) -> Speaker | None:
        """The active team member behind `user_ref` on `channel` (people.resolve), from memory
        when this generation already looked them up."""
        key = (channel, user_ref)
        with self._lock:
            if generation != self._generation:
                self._speakers, self._generation = {}, generation
            found = self._speakers.get(key)
        if found is not None:
            return found
        row = people.resolve(uow, catalog, channel, user_ref)
        if row is None:
            return None
        found = Speaker(row.id, row.key)
        with self._lock:
            if generation == self._generation:
                if len(self._speakers) >= self.limit:
                    self._speakers = {}
                self._speakers[key] = found
        return found

    def clear(self) -> None:
        with self._lock:
            self._speakers, self._generation = {}, None
