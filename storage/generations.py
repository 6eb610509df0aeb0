"""The catalog's generation: one row, one number, bumped with every change of people or roles.

Each process keeps its catalog (people, roles) in memory; reading this one indexed row at the
start of an event or a pass is how it learns, cheaply, that another process changed them.
The row is created at start-up (`ensure`), and `bump` creates it too when it is missing, so a
database emptied under a running process still counts changes.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from storage.models import CatalogGeneration
from storage.repository import Queries

_ROW = 1


class CatalogGenerationRepository(Queries):
    def current(self) -> int:
        """The generation now (0 before the first change)."""
        value = self.session.scalar(
            select(CatalogGeneration.generation).where(CatalogGeneration.id == _ROW)
        )
        return int(value or 0)

    def ensure(self) -> None:
        """The one row, created if missing (two processes starting at once: one wins)."""
        if self.session.get(CatalogGeneration, _ROW) is not None:
            return
        try:
            with self.session.begin_nested():
                self.session.add(CatalogGeneration(id=_ROW, generation=0))
        except IntegrityError:
            pass

    def bump(self) -> int:
        """One more, in the caller's transaction (the row lock serialises two changers); the
        new generation."""
        done = self.session.execute(
            update(CatalogGeneration)
            .where(CatalogGeneration.id == _ROW)
            .values(generation=CatalogGeneration.generation + 1)
            .returning(CatalogGeneration.generation)
        ).scalar()
        if done is None:
            self.ensure()
            return self.bump()
        return int(done)
