"""Applicants arriving from outside chat (careers page, job board, ATS webhook) through the API.

The intake API acts as the system (no person is behind a request; the bearer token is the
trust), and every request it serves is recorded in the audit log as an inbound event on
channel "api". Creating is idempotent twice over: an `Idempotency-Key` is stored as the
inbound event's unique `dedup_key` in the same transaction as the applicant, so a retried
request finds the first result; and role + email already on file returns that applicant.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.applicants import ApplicantDraft, FieldValue
from bot.domain.catalog import RoleSpec
from bot.domain.errors import FieldErrors, InvalidInput, NotFound, UserError
from bot.domain.stages import stage_keys
from bot.services import applicants as service
from bot.services import audit
from bot.services.context import Actor, Context
from storage.models import Applicant, AuditEvent
from storage.repository import Page

API_CHANNEL = "api"
VIA = "the intake API"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def api_actor() -> Actor:
    """The system acting for an API client: allowed everything the token allows."""
    return Actor("system", API_CHANNEL)


class IdempotencyMismatch(InvalidInput):
    """The key was first used with a different body: replaying it would hide a real change."""


@dataclass(frozen=True)
class Submission:
    applicant: Applicant
    created: bool
    replayed: bool = False


def idempotency_dedup_key(key: str) -> str:
    """Keys are client-chosen text; hashed, they fit the audit log's dedup column on any DB."""
    return "api-idem:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def fingerprint(body: Mapping[str, Any]) -> str:
    """Identifies a request body, so a reused key with a different body is refused."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def safe_summary(text: str, limit: int = 300) -> str:
    """Request lines come from strangers: keep control characters out of the audit log."""
    return _CONTROL.sub("?", text)[:limit]


def record_request(
    ctx: Context,
    summary: str,
    *,
    status: int,
    applicant_id: int | None = None,
    dedup_key: str | None = None,
    channel: str = API_CHANNEL,
    **payload: Any,
) -> AuditEvent:
    """The inbound event for one API request (the way the dispatcher records a chat command);
    `channel` is where it came in (the API, the careers page)."""
    return audit.record(
        ctx,
        direction="in",
        kind="request",
        channel=channel,
        summary=safe_summary(summary) + (" [refused]" if status >= 400 else ""),
        applicant_id=applicant_id,
        dedup_key=dedup_key,
        payload={"status": status, **payload},
    )


def replay(ctx: Context, key: str, body_fingerprint: str) -> Submission | None:
    """The first result for this Idempotency-Key, or None when the key is new."""
    event = ctx.uow.audit.by_dedup_key(idempotency_dedup_key(key))
    if event is None:
        return None
    if event.payload.get("fingerprint") != body_fingerprint:
        raise IdempotencyMismatch(
            "this Idempotency-Key was already used with a different request body; "
            "use a new key for a new request"
        )
    applicant = ctx.uow.applicants.get(event.applicant_id) if event.applicant_id else None
    if applicant is None:  # applicants are never deleted; this would be a damaged log
        raise NotFound("the applicant created with this Idempotency-Key no longer exists")
    return Submission(applicant, created=bool(event.payload.get("created")), replayed=True)


def submit(
    ctx: Context,
    role_key: str,
    fields: Mapping[str, FieldValue],
    *,
    idempotency_key: str | None,
    body_fingerprint: str,
    request_line: str,
    channel: str = API_CHANNEL,
    via: str = VIA,
    required: Sequence[str] = (),
    problems: Mapping[str, str] | None = None,
) -> Submission:
    """Create the applicant (posting their card) or return the existing one. Caller commits.

    The intake API and the careers page's form both come here (`channel`, `via` say which),
    so both validate, deduplicate and audit alike. Raises FieldErrors naming every bad field:
    the role, each `required` field left blank, the caller's own `problems` (a form's file
    or consent box) and every field the applicant model refuses.
    """
    if idempotency_key is not None:
        earlier = replay(ctx, idempotency_key, body_fingerprint)
        if earlier is not None:
            return earlier
    found: dict[str, str] = {}
    role_spec: RoleSpec | None = None
    try:
        role_spec = ctx.catalog.role(role_key)
    except UserError as exc:
        found["role"] = exc.message
    if role_spec is not None and role_spec.closed:
        found["role"] = service.closed_message(role_spec)
    for name in required:
        value = fields.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            found[name] = f"{name} is required"
    found.update(problems or {})
    draft = ApplicantDraft.from_form(
        role_spec.key if role_spec else role_key,
        fields,
        phone_region=ctx.catalog.phone_region,
        problems=found,
    )
    result = service.add(ctx, draft, via=via)
    status = 201 if result.created else 200
    outcome = "created" if result.created else "already on file as"
    record_request(
        ctx,
        f"{request_line}: {outcome} #{result.applicant.id} for {draft.role_key}",
        status=status,
        applicant_id=result.applicant.id,
        dedup_key=idempotency_dedup_key(idempotency_key) if idempotency_key else None,
        channel=channel,
        created=result.created,
        fingerprint=body_fingerprint,
        idempotency_key=idempotency_key,
    )
    return Submission(result.applicant, result.created)


def stage_filter(ctx: Context, role_key: str | None, stage: str | None) -> list[str] | None:
    """A stage key or label, or `open`, `closed` (hired included) or `all` (the default)."""
    roles = [ctx.catalog.role(role_key)] if role_key else list(ctx.catalog.roles.values())
    return stage_keys([r.pipeline for r in roles], stage or "all")


def search(
    ctx: Context, *, role_key: str | None, stage: str | None, page: int, per_page: int
) -> Page[Applicant]:
    """Applicants newest first; a bad role or stage is reported per query field."""
    problems: dict[str, str] = {}
    stages: list[str] | None = None
    if role_key is not None:
        try:
            ctx.catalog.role(role_key)
        except UserError as exc:
            problems["role"] = exc.message
            role_key = None
    try:
        stages = stage_filter(ctx, role_key, stage)
    except UserError as exc:
        problems["stage"] = exc.message
    if problems:
        raise FieldErrors(problems)
    return service.search(ctx, role_key=role_key, stages=stages, page=page, per_page=per_page)


@dataclass(frozen=True)
class RoleSummary:
    spec: RoleSpec
    counts: dict[str, int]


def roles(ctx: Context) -> list[RoleSummary]:
    """Every configured role with the number of applicants in each of its stages."""
    counts = ctx.uow.applicants.stage_counts()
    ids = {r.key: r.id for r in ctx.uow.roles.all()}
    return [
        RoleSummary(
            spec,
            {s.key: counts.get((ids.get(spec.key, -1), s.key), 0) for s in spec.pipeline.stages},
        )
        for spec in ctx.catalog.roles.values()
    ]
