"""The process's catalog (people and roles), kept in step with the database across processes.

People and roles change from chat (`people …`, `role …`) and by `hirebot config import`; every
such change bumps one number in the database, the catalog's generation, in the same
transaction (`uow.catalog_generation.bump()`). Each process holds its catalog in memory with
the generation it was built at, and reads that number (one indexed row) at the start of each
handled event, each pass of the task runner and each careers-page or intake-API request: when
it moved, another process (a replica, a separate worker) changed people or roles, and the
catalog is rebuilt before the event is handled. A process that made the change itself rebuilds
right after its commit.

`CatalogSource` is the one interface for that: `current()` (check, rebuild if it moved),
`refresh()` (rebuild now), `listeners` (everything that keeps a reference to the catalog is
handed the new one). How a catalog is built (config.yaml under what the database holds) is the
wiring's, given as `build` (bot/directory.py), so this module knows no configuration format.
A per-process cache of other directory data can hang on the same generation through
`listeners` or by reading `generation`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from bot.domain.catalog import Catalog
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class Directory(Protocol):
    """What a change of people or roles needs from the wiring, inside its own transaction:
    the whole catalog as it would be after the change, built from config.yaml and the rows
    the transaction has written so far. A change that would make an invalid configuration
    (a role naming nobody, a bad stage) raises InvalidInput saying what is wrong, before
    anything commits."""

    def check(self, uow: UnitOfWork) -> Catalog: ...

    def role_entry(self, uow: UnitOfWork, key: str) -> dict[str, Any] | None:
        """A role's entry as config.yaml writes it (from config.yaml or the database)."""
        ...


class CatalogSource:
    """A catalog and the generation it was built at; rebuilt when the database's moved."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        build: Callable[[UnitOfWork], Catalog],
        catalog: Catalog,
        generation: int,
    ) -> None:
        self.uow_factory = uow_factory
        self.build = build
        self.catalog = catalog
        self.generation = generation
        # Called with each rebuilt catalog (the dispatcher, the task runner, the app).
        self.listeners: list[Callable[[Catalog], None]] = []
        self._lock = threading.Lock()

    def current(self, uow: UnitOfWork | None = None) -> Catalog:
        """The catalog, rebuilt first when another process changed people or roles. Inside
        `uow` when given (the caller's transaction, no extra connection), else in its own."""
        if uow is not None:
            return self._current(uow)
        with self.uow_factory() as own:
            return self._current(own)

    def refresh(self) -> Catalog:
        """Rebuild now (after this process committed a change)."""
        with self.uow_factory() as uow:
            return self._rebuild(uow, uow.catalog_generation.current(), force=True)

    def _current(self, uow: UnitOfWork) -> Catalog:
        generation = uow.catalog_generation.current()
        if generation == self.generation:
            return self.catalog
        return self._rebuild(uow, generation)

    def _rebuild(self, uow: UnitOfWork, generation: int, *, force: bool = False) -> Catalog:
        # The generation is read before the rows, so the catalog is at least as new as the
        # number kept with it: a later check can only rebuild once more, never miss a change.
        with self._lock:
            if generation == self.generation and not force:  # another thread was first
                return self.catalog
            catalog = self.build(uow)
            log.info("catalog rebuilt at generation %s (was %s)", generation, self.generation)
            self.catalog, self.generation = catalog, generation
            listeners = list(self.listeners)
        for listener in listeners:
            listener(catalog)
        return catalog
