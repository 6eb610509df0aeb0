"""What every repository shares: the unit of work's session, adding a row, and one bounded
page of a listing.

Repositories only ever see the session of the unit of work that holds them, so everything
they read or change is in the caller's transaction and commits (or rolls back) with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Base

T = TypeVar("T")
M = TypeVar("M", bound=Base)
IN_BATCH = 500  # values in one `IN (...)`: SQLite takes 32,766 bound parameters, PostgreSQL 65,535


def in_batches(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """`values` in slices of IN_BATCH, one query each: a long list of ids never becomes one
    statement the database refuses or plans badly."""
    for start in range(0, len(values), IN_BATCH):
        yield values[start : start + IN_BATCH]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class Queries:
    """Reads and writes through the unit of work's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _rowcount(self, stmt: Any) -> int:
        """Run a bulk UPDATE or DELETE (the session's loaded rows are not synchronised: none is
        read after it in the same unit of work) and say how many rows it changed."""
        result = self.session.execute(stmt, execution_options={"synchronize_session": False})
        return int(getattr(result, "rowcount", 0) or 0)

    def _of_applicant(
        self, model: Any, applicant_id: int, *, order: Any = None, limit: int | None = None
    ) -> Sequence[Any]:
        """Rows of `model` linked to one applicant, read by its indexed applicant_id: in
        `order` (by id when not given), at most `limit`."""
        stmt = (
            select(model)
            .where(model.applicant_id == applicant_id)
            .order_by(model.id if order is None else order)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        return self.session.scalars(stmt).all()


class Repository(Queries, Generic[M]):
    """The queries over one table, where its new rows are added too."""

    def add(self, row: M) -> None:
        self.session.add(row)
