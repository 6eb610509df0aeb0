"""Queries for applicant search and saved searches.

Role and stage use the applicants' (role_id, stage, id) and (stage, id) indexes; the other
filters are checked on the rows those leave, and every listing is one bounded page. Skills are
matched exactly as tags, with each database's JSON operators; text matches are
case-insensitive substrings with LIKE wildcards escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, cast, exists, func, literal, or_, select

from storage.models import Applicant, Note, SavedSearch
from storage.repository import Queries, Repository

_ESCAPE = "/"


@dataclass(frozen=True)
class ApplicantFilter:
    """Resolved search conditions: role ids and stage keys, not the words people typed."""

    role_ids: tuple[int, ...] | None = None
    stages: tuple[str, ...] | None = None
    skills: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    min_years: int | None = None
    max_years: int | None = None
    text: tuple[str, ...] = ()
    after_id: int | None = None  # only applicants added after this one (saved-search digests)
    up_to_id: int | None = None


def _like(text: str) -> str:
    escaped = (
        text.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")
    )
    return f"%{escaped}%"


class ApplicantSearchRepository(Queries):
    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def _has_skill(self, tag: str) -> ColumnElement[bool]:
        if self._postgres():
            # Imported here: on SQLite, the PostgreSQL dialect's modules are never loaded
            # (storage/inbox.py says why).
            from sqlalchemy.dialects.postgresql import JSONB

            return cast(Applicant.skills, JSONB).contains([tag])
        each = func.json_each(Applicant.skills).table_valued("value")
        return exists(select(literal(1)).select_from(each).where(each.c.value == tag))

    def _conditions(self, f: ApplicantFilter) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = [Applicant.erased_at.is_(None)]
        if f.role_ids is not None:
            found.append(Applicant.role_id.in_(list(f.role_ids)))
        if f.stages is not None:
            found.append(Applicant.stage.in_(list(f.stages)))
        if f.after_id is not None:
            found.append(Applicant.id > f.after_id)
        if f.up_to_id is not None:
            found.append(Applicant.id <= f.up_to_id)
        if f.min_years is not None:
            found.append(Applicant.years_experience >= f.min_years)
        if f.max_years is not None:
            found.append(Applicant.years_experience <= f.max_years)
        found += [self._has_skill(tag) for tag in f.skills]
        if f.locations:
            found.append(
                or_(*(Applicant.location.ilike(_like(v), escape=_ESCAPE) for v in f.locations))
            )
        if f.sources:
            found.append(
                or_(*(Applicant.source.ilike(_like(v), escape=_ESCAPE) for v in f.sources))
            )
        for term in f.text:
            in_notes = exists(
                select(Note.id).where(
                    Note.applicant_id == Applicant.id,
                    Note.text.ilike(_like(term), escape=_ESCAPE),
                )
            )
            found.append(or_(Applicant.name.ilike(_like(term), escape=_ESCAPE), in_notes))
        return found

    def counts(self, f: ApplicantFilter) -> dict[tuple[int, str], int]:
        """How many match, per (role id, stage): the page's total and its breakdown at once."""
        rows = self.session.execute(
            select(Applicant.role_id, Applicant.stage, func.count(Applicant.id))
            .where(and_(*self._conditions(f)))
            .group_by(Applicant.role_id, Applicant.stage)
        ).all()
        return {(role_id, stage): count for role_id, stage, count in rows}

    def page(self, f: ApplicantFilter, *, page: int, per_page: int) -> list[Applicant]:
        """Newest first."""
        return list(
            self.session.scalars(
                select(Applicant)
                .where(and_(*self._conditions(f)))
                .order_by(Applicant.id.desc())
                .limit(per_page)
                .offset((page - 1) * per_page)
            ).all()
        )

    def newest_id(self) -> int:
        return self.session.scalar(select(func.max(Applicant.id))) or 0


class SavedSearchRepository(Repository[SavedSearch]):
    def delete(self, search: SavedSearch) -> None:
        self.session.delete(search)

    def get(self, search_id: int) -> SavedSearch | None:
        """By id, whoever owns it: callers check the owner."""
        return self.session.get(SavedSearch, search_id)

    def for_person(self, person_id: int, *, limit: int = 100) -> Sequence[SavedSearch]:
        return self.session.scalars(
            select(SavedSearch)
            .where(SavedSearch.person_id == person_id)
            .order_by(SavedSearch.id)
            .limit(limit)
        ).all()

    def by_name(self, person_id: int, name: str) -> SavedSearch | None:
        return self.session.scalar(
            select(SavedSearch).where(
                SavedSearch.person_id == person_id,
                func.lower(SavedSearch.name) == name.lower(),
            )
        )

    def in_digest(self, person_id: int, *, limit: int = 20) -> Sequence[SavedSearch]:
        return self.session.scalars(
            select(SavedSearch)
            .where(SavedSearch.person_id == person_id, SavedSearch.in_digest.is_(True))
            .order_by(SavedSearch.id)
            .limit(limit)
        ).all()
