"""CSV import: every row is validated first, each stored row is whole, and every rejected row
is reported with its line number and reason."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain.applicants import LINK_KINDS, YEARS_FIELDS, ApplicantDraft
from bot.domain.errors import InvalidInput, UserError
from bot.messages.reply import Reply
from bot.services import applicants as service
from bot.services import outbox
from bot.services.context import Context
from bot.services.notify import role_destinations

REQUIRED = {"name"}
# Every column the import reads, with what it holds: `hirebot import --help` lists them all.
COLUMNS: dict[str, str] = {
    "name": "required",
    "role": "a role key; required unless --role",
    "email": "",
    "phone": "",
    "location": "",
    "source": "",
    "skills": "comma-separated",
    YEARS_FIELDS[0]: f"or {', '.join(YEARS_FIELDS[1:])}: whole years of experience",
    **dict.fromkeys(LINK_KINDS, "a URL"),
    "note": "",
}
KNOWN = {*COLUMNS, *YEARS_FIELDS}
CHUNK = 500
VIA = "csv import"


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


@dataclass
class ImportReport:
    total: int = 0
    imported: list[int] = field(default_factory=list)
    per_role: dict[str, int] = field(default_factory=dict)
    duplicates: list[RowProblem] = field(default_factory=list)
    rejected: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    line: int
    draft: ApplicantDraft


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Rows keyed by lower-case header, with the file line each came from."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        try:
            reader = csv.DictReader(handle)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            rows = []
            for raw in reader:
                values = {
                    (k or "").strip().lower(): (v if isinstance(v, str) else "")
                    for k, v in raw.items()
                    if k is not None
                }
                if None in raw:
                    values["__extra__"] = "x"
                rows.append((reader.line_num, values))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{path} is not a readable UTF-8 CSV file: {exc}") from exc
    return header, rows


def validate(
    header: list[str],
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    default_role: str | None,
    roles: set[str],
    phone_region: str,
    report: ImportReport,
) -> list[_Row]:
    missing = sorted(REQUIRED - set(header))
    if default_role is None and "role" not in header:
        missing.append("role (or pass --role)")
    if missing:
        raise InvalidInput(
            f"the CSV has no {', '.join(missing)} column; "
            f"columns found: {', '.join(header) or 'none'}"
        )
    report.ignored_columns = sorted(set(header) - KNOWN)
    good: list[_Row] = []
    seen: dict[tuple[str, str], int] = {}
    for line, values in rows:
        report.total += 1
        if "__extra__" in values:
            report.rejected.append(RowProblem(line, "more values than columns"))
            continue
        role_key = (values.get("role") or default_role or "").strip().lower()
        fields = {k: v for k, v in values.items() if k in KNOWN - {"role"} and v and v.strip()}
        problems: dict[str, str] = {}
        if role_key not in roles:
            problems["role"] = f"unknown role '{role_key}'" if role_key else "no role given"
        try:  # every bad field of the row is reported, not only the first
            draft = ApplicantDraft.from_form(
                role_key, fields, phone_region=phone_region, problems=problems
            )
        except UserError as exc:
            report.rejected.append(RowProblem(line, exc.message))
            continue
        if draft.email:
            earlier = seen.get((role_key, draft.email))
            if earlier is not None:
                report.duplicates.append(RowProblem(line, f"same email as line {earlier}"))
                continue
            seen[(role_key, draft.email)] = line
        good.append(_Row(line, draft))
    return good


def columns_help() -> str:
    """The columns as `--help` says them: "name (required), role (…), email, …"."""
    return ", ".join(f"{name} ({what})" if what else name for name, what in COLUMNS.items())


def skip_stored(ctx: Context, rows: list[_Row], report: ImportReport) -> list[_Row]:
    """What a dry run can say without storing: rows whose email already applied to the role
    are duplicates (as the real import finds them), the rest would be imported."""
    stored: dict[tuple[str, str], int] = {}
    for role_key in {row.draft.role_key for row in rows}:
        role = ctx.uow.roles.by_key(ctx.catalog.role(role_key).key)
        if role is None:
            continue
        emails = [
            row.draft.email for row in rows if row.draft.role_key == role_key and row.draft.email
        ]
        for email in ctx.uow.applicants.emails_in_role(role.id, emails):
            existing = ctx.uow.applicants.by_email(role.id, email)
            if existing is not None:
                stored[(role_key, email)] = existing.id
    fresh = []
    for row in rows:
        applicant_id = stored.get((row.draft.role_key, row.draft.email or ""))
        if applicant_id is None:
            fresh.append(row)
        else:
            report.duplicates.append(RowProblem(row.line, f"already applied as #{applicant_id}"))
    return fresh


def store(
    new_ctx: Callable[[], Context],
    rows: list[_Row],
    report: ImportReport,
    *,
    post_cards: bool,
    source_name: str,
    progress: Callable[[int], None] = lambda n: None,
) -> None:
    """Insert in chunks, one transaction each; a failing chunk is replayed row by row."""
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        ctx = new_ctx()
        with ctx.uow:
            try:
                added = service.add_many(
                    ctx, [row.draft for row in chunk], via=VIA, announce=post_cards
                )
                results = [
                    (row, (r.applicant.id, r.created)) for row, r in zip(chunk, added, strict=True)
                ]
                ctx.uow.commit()
            except Exception:
                ctx.uow.rollback()
                results = None
        if results is None:
            _replay_rows(new_ctx, chunk, report, post_cards)
        else:
            for row, outcome in results:
                _count(report, row, outcome)
        progress(len(chunk))
    _announce(new_ctx(), report, source_name)


def _store_row(ctx: Context, row: _Row, post_cards: bool) -> tuple[int, bool]:
    """(applicant id, created?) for one row."""
    result = service.add(ctx, row.draft, via=VIA, announce=post_cards)
    return result.applicant.id, result.created


def _replay_rows(
    new_ctx: Callable[[], Context], chunk: list[_Row], report: ImportReport, post_cards: bool
) -> None:
    for row in chunk:
        ctx = new_ctx()
        with ctx.uow:
            try:
                outcome = _store_row(ctx, row, post_cards)
                ctx.uow.commit()
            except UserError as exc:
                report.rejected.append(RowProblem(row.line, exc.message))
                continue
            except Exception as exc:
                report.rejected.append(RowProblem(row.line, f"could not be stored: {exc}"))
                continue
        _count(report, row, outcome)


def _count(report: ImportReport, row: _Row, outcome: tuple[int, bool]) -> None:
    applicant_id, created = outcome
    if not created:
        report.duplicates.append(RowProblem(row.line, f"already applied as #{applicant_id}"))
        return
    report.imported.append(applicant_id)
    report.per_role[row.draft.role_key] = report.per_role.get(row.draft.role_key, 0) + 1


def _announce(ctx: Context, report: ImportReport, source_name: str) -> None:
    """One summary per role channel instead of a card per row."""
    if not report.imported:
        return
    with ctx.uow:
        for role_key, count in report.per_role.items():
            role = ctx.catalog.roles[role_key]
            text = (
                f"{count:,} applicants imported for {role.title} from {source_name} "
                f"by {ctx.actor.name}"
            )
            for destination in role_destinations(ctx, role):
                outbox.enqueue(ctx, destination, Reply(text=text, private=False))
        ctx.uow.commit()
