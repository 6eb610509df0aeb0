"""Queries for applicants, their stage moves and notes; every listing is bounded by a page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Integer, Select, bindparam, func, or_, select, union_all, update
from sqlalchemy.orm.util import identity_key

from storage.models import Applicant, Note, StageMove
from storage.repository import Page, Repository, in_batches

# The merged page query, built once per (with a role, stage set): building the union of one
# subquery per stage cost more than running it (over half of `list`'s time in the profile,
# docs/benchmarks.md "Handling cost"). The role, the depth and the page are bound parameters;
# the keys are bounded by the configured pipelines.
_NEWEST_PER_STAGE: dict[tuple[bool, tuple[str, ...]], Select[tuple[int]]] = {}


def _newest_per_stage_statement(with_role: bool, stages: tuple[str, ...]) -> Select[tuple[int]]:
    found = _NEWEST_PER_STAGE.get((with_role, stages))
    if found is not None:
        return found
    role = [Applicant.role_id == bindparam("role_id", type_=Integer)] if with_role else []
    depth = bindparam("depth", type_=Integer)
    parts = []
    for stage in stages:
        newest = (
            select(Applicant.id)
            .where(*role, Applicant.stage == stage)
            .order_by(Applicant.id.desc())
            .limit(depth)
            .subquery()
        )
        parts.append(select(newest.c.id))
    merged = union_all(*parts).subquery()
    stmt = (
        select(merged.c.id)
        .order_by(merged.c.id.desc())
        .limit(bindparam("per_page", type_=Integer))
        .offset(bindparam("skip", type_=Integer))
    )
    _NEWEST_PER_STAGE[(with_role, stages)] = stmt
    return stmt


class ApplicantRepository(Repository[Applicant]):
    def get(self, applicant_id: int, *, for_update: bool = False) -> Applicant | None:
        """By id; one already loaded in this unit of work costs no query (reminders and
        digests look the same applicants up many times)."""
        if for_update:
            stmt = select(Applicant).where(Applicant.id == applicant_id)
            return self.session.scalar(stmt.with_for_update(of=Applicant))
        return self.session.get(Applicant, applicant_id)

    def hold_stage(self, applicant: Applicant, now: datetime) -> bool:
        """Lock the applicant's row in the stage it was read in (a compare-and-set that only
        touches updated_at); False when someone moved them since."""
        result = self.session.execute(
            update(Applicant)
            .where(Applicant.id == applicant.id, Applicant.stage == applicant.stage)
            .values(updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return getattr(result, "rowcount", 1) == 1

    def move_stage(self, applicant: Applicant, current: str, target: str, now: datetime) -> bool:
        """Compare-and-set from `current` to `target`, so a concurrent move of the same applicant
        makes one of them fail cleanly; on success `applicant` is reloaded."""
        result = self.session.execute(
            update(Applicant)
            .where(Applicant.id == applicant.id, Applicant.stage == current)
            .values(stage=target, stage_entered_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 1) != 1:
            return False
        self.session.refresh(applicant)
        return True

    def past_retention(
        self, rules: Sequence[tuple[str, int]], now: datetime, limit: int
    ) -> Sequence[Applicant]:
        """Applicants not yet erased who have been in a stage longer than its rule's days
        (stage, days), oldest id first, at most `limit` (a daily sweep takes the rest later)."""
        conditions = [
            (Applicant.stage == stage) & (Applicant.stage_entered_at < now - timedelta(days=days))
            for stage, days in rules
        ]
        return self.session.scalars(
            select(Applicant)
            .where(Applicant.erased_at.is_(None), or_(*conditions))
            .order_by(Applicant.id)
            .limit(limit)
        ).all()

    def load(self, applicant_ids: Sequence[int]) -> list[Applicant]:
        """These applicants in one query (none for those already in this unit of work); while
        the caller holds the list, `get` finds them without a query (for code that reads many
        applicants one at a time)."""
        found: list[Applicant] = []
        wanted = []
        for applicant_id in sorted(set(applicant_ids)):
            known = self.session.identity_map.get(identity_key(Applicant, applicant_id))
            if isinstance(known, Applicant) and "id" in known.__dict__:  # loaded, not expired
                found.append(known)
            else:
                wanted.append(applicant_id)
        for chunk in in_batches(wanted):
            found += self.session.scalars(select(Applicant).where(Applicant.id.in_(chunk))).all()
        return found

    def by_email(self, role_id: int, email_normalized: str) -> Applicant | None:
        return self.session.scalar(
            select(Applicant).where(
                Applicant.role_id == role_id, Applicant.email_normalized == email_normalized
            )
        )

    def emails_in_role(self, role_id: int, emails: Sequence[str]) -> set[str]:
        """Which of these emails already apply to the role (one query per chunk, for imports)."""
        found: set[str] = set()
        for chunk in in_batches(emails):
            found.update(
                e
                for e in self.session.scalars(
                    select(Applicant.email_normalized).where(
                        Applicant.role_id == role_id, Applicant.email_normalized.in_(chunk)
                    )
                )
                if e
            )
        return found

    def search(
        self,
        *,
        role_id: int | None,
        stages: Sequence[str] | None,
        page: int,
        per_page: int,
    ) -> Page[Applicant]:
        conditions = []
        if role_id is not None:
            conditions.append(Applicant.role_id == role_id)
        if stages is not None:
            conditions.append(Applicant.stage.in_(list(stages)))
        total = self.session.scalar(select(func.count(Applicant.id)).where(*conditions)) or 0
        sqlite = self.session.get_bind().dialect.name == "sqlite"
        if sqlite and stages is not None and len(stages) > 1 and total > page * per_page:
            ids = self._newest_per_stage(role_id, stages, page, per_page)
            stmt = select(Applicant).where(Applicant.id.in_(ids))
        else:
            stmt = select(Applicant).where(*conditions)
            stmt = stmt.order_by(Applicant.id.desc()).limit(per_page).offset((page - 1) * per_page)
        items = self.session.scalars(stmt.order_by(Applicant.id.desc())).all()
        return Page(list(items), total, page, per_page)

    def _newest_per_stage(
        self, role_id: int | None, stages: Sequence[str], page: int, per_page: int
    ) -> list[int]:
        """The page's ids, from the newest `page * per_page` of each stage (read off the
        (stage, id) and (role_id, stage, id) indexes) merged: the work follows the page. On
        SQLite one query over `stage IN (…)` sorts every matching applicant instead (70 ms for
        the open list at 100,000 applicants, 12 ms at 10,000); PostgreSQL plans that query
        well by itself (5 ms), so it keeps it."""
        stmt = _newest_per_stage_statement(role_id is not None, tuple(sorted(set(stages))))
        params = {"depth": page * per_page, "per_page": per_page, "skip": (page - 1) * per_page}
        if role_id is not None:
            params["role_id"] = role_id
        return list(self.session.scalars(stmt, params))

    def stage_counts(self) -> dict[tuple[int, str], int]:
        rows = self.session.execute(
            select(Applicant.role_id, Applicant.stage, func.count(Applicant.id)).group_by(
                Applicant.role_id, Applicant.stage
            )
        ).all()
        return {(role_id, stage): count for role_id, stage, count in rows}

    def all_for_export(self, role_id: int | None) -> Sequence[Applicant]:
        stmt = select(Applicant).order_by(Applicant.id)
        if role_id is not None:
            stmt = stmt.where(Applicant.role_id == role_id)
        return self.session.scalars(stmt).all()


class StageMoveRepository(Repository[StageMove]):
    def for_applicant(self, applicant_id: int) -> Sequence[StageMove]:
        return self._of_applicant(StageMove, applicant_id)


class NoteRepository(Repository[Note]):
    def latest(self, applicant_id: int, limit: int) -> Sequence[Note]:
        return self._of_applicant(Note, applicant_id, order=Note.id.desc(), limit=limit)

    def count(self, applicant_id: int) -> int:
        return (
            self.session.scalar(
                select(func.count(Note.id)).where(Note.applicant_id == applicant_id)
            )
            or 0
        )
