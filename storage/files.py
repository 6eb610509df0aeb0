"""Queries for the files applicants send with an application (CVs), stored in the database."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import defer

from storage.models import ApplicantFile
from storage.repository import Repository


class ApplicantFileRepository(Repository[ApplicantFile]):
    def get(self, file_id: int) -> ApplicantFile | None:
        """One file with its content (a download)."""
        return self.session.get(ApplicantFile, file_id)

    def of_applicant(self, applicant_id: int) -> Sequence[ApplicantFile]:
        """An applicant's files, oldest first, without their content (what `show` lists and
        an export describes); by the indexed applicant_id, a handful per applicant."""
        return self.session.scalars(
            select(ApplicantFile)
            .options(defer(ApplicantFile.data))
            .where(ApplicantFile.applicant_id == applicant_id)
            .order_by(ApplicantFile.id)
            .limit(50)
        ).all()

    def delete_of_applicant(self, applicant_id: int) -> int:
        """Erasure: every file of one applicant, gone in the caller's transaction."""
        return self._rowcount(
            delete(ApplicantFile).where(ApplicantFile.applicant_id == applicant_id)
        )
