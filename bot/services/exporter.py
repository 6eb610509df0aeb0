"""Exports for operators: applicants (with personal data) and their timelines, as CSV or JSON."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, TextIO

from bot.domain.catalog import Catalog
from storage.models import Applicant, AuditEvent
from storage.unit_of_work import UnitOfWork

APPLICANT_COLUMNS = [
    "id",
    "role",
    "name",
    "email",
    "phone",
    "stage",
    "stage_entered_at",
    "source",
    "location",
    "skills",
    "years",
    "resume",
    "portfolio",
    "code",
    "profile",
    "created_at",
]
TIMELINE_COLUMNS = [
    "applicant_id",
    "at",
    "direction",
    "channel",
    "kind",
    "actor",
    "summary",
    "correlation_id",
]


def applicant_row(applicant: Applicant) -> dict[str, Any]:
    return {
        "id": applicant.id,
        "role": applicant.role.key,
        "name": applicant.name,
        "email": applicant.email or "",
        "phone": applicant.phone or "",
        "stage": applicant.stage,
        "stage_entered_at": applicant.stage_entered_at.isoformat(),
        "source": applicant.source,
        "location": applicant.location,
        "skills": ",".join(applicant.skills),
        # the import's column name, so an export imports again as it is
        "years": "" if applicant.years_experience is None else applicant.years_experience,
        **{k: applicant.links.get(k, "") for k in ("resume", "portfolio", "code", "profile")},
        "created_at": applicant.created_at.isoformat(),
    }


def event_row(event: AuditEvent, people: dict[int, str]) -> dict[str, Any]:
    return {
        "applicant_id": event.applicant_id,
        "at": event.at.isoformat(),
        "direction": event.direction,
        "channel": event.channel,
        "kind": event.kind,
        "actor": people.get(event.actor_id or -1, event.actor_ref),
        "summary": event.summary,
        "correlation_id": event.correlation_id,
    }


def _applicants(uow: UnitOfWork, catalog: Catalog, role_key: str | None) -> Iterator[Applicant]:
    role_id = None
    if role_key:
        role = catalog.role(role_key)
        row = uow.roles.by_key(role.key)
        role_id = row.id if row else -1
    yield from uow.applicants.all_for_export(role_id)


def write(
    uow: UnitOfWork,
    catalog: Catalog,
    out: TextIO,
    *,
    fmt: str,
    what: str,
    role_key: str | None,
) -> int:
    """Write the export; returns how many records were written."""
    people = uow.people.names()
    applicants = list(_applicants(uow, catalog, role_key))
    if what == "applicants" and fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=APPLICANT_COLUMNS)
        writer.writeheader()
        writer.writerows(applicant_row(a) for a in applicants)
        return len(applicants)
    if what == "timeline" and fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=TIMELINE_COLUMNS)
        writer.writeheader()
        count = 0
        for applicant in applicants:
            for event in uow.audit.full_timeline(applicant.id):
                writer.writerow(event_row(event, people))
                count += 1
        return count
    records = []
    for applicant in applicants:
        record = applicant_row(applicant)
        record["skills"] = applicant.skills
        record["timeline"] = [event_row(e, people) for e in uow.audit.full_timeline(applicant.id)]
        records.append(record)
    json.dump(records, out, indent=2, ensure_ascii=False)
    out.write("\n")
    return len(records)
