"""The audit log writer: every inbound, outbound and domain event passes through here.

Summaries are shown in timelines and history, so every one is redacted on its way in, by the
one function below, whatever path wrote it (a chat command, the intake API, a note, a message
sent): emails and phone numbers in any formatting become `…`.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

from bot.services.context import Context
from storage.models import AuditEvent

SUMMARY_MAX = 2_000
REDACTED = "…"
# `email=…` / `phone=…` options whatever their value (even one that is not valid), and emails.
_LABELLED = re.compile(r"(?i)\b(email|phone)=(\"[^\"]*\"|'[^']*'|\S+)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_DIGITS = re.compile(r"\d")
PHONE_MIN_DIGITS = 6  # shorter runs are never phone numbers; skip the parser for them
# Control characters but tab and newline: PostgreSQL refuses NUL in text, and none of them is
# something a person meant to type (a pasted NUL must not make the command's record fail).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _printable(value: Any) -> Any:
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    return value


def redact(text: str, region: str) -> str:
    """`text` without emails or phone numbers. Phone numbers are found the way phonenumbers
    reads them (in `region`'s national form too), so times, dates, ids and amounts stay."""
    text = _EMAIL.sub(REDACTED, text)
    if len(_DIGITS.findall(text)) >= PHONE_MIN_DIGITS:
        spans = [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(text, region)]
        for start, end in reversed(spans):
            text = text[:start] + REDACTED + text[end:]
    return _LABELLED.sub(lambda m: f"{m.group(1)}={REDACTED}", text)


def record(
    ctx: Context,
    *,
    direction: str,
    kind: str,
    summary: str,
    applicant_id: int | None = None,
    channel: str | None = None,
    payload: dict[str, Any] | None = None,
    dedup_key: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=ctx.clock.now(),
        direction=direction,
        channel=channel or ctx.actor.channel,
        kind=kind,
        actor_id=ctx.actor.person_id,
        actor_ref=_printable(ctx.actor.ref)[:64],
        applicant_id=applicant_id,
        summary=redact(_printable(summary), ctx.catalog.phone_region)[:SUMMARY_MAX],
        correlation_id=ctx.correlation_id,
        dedup_key=dedup_key,
        payload=_printable(payload or {}),
    )
    ctx.uow.audit.add(event)
    return event


def domain_event(ctx: Context, kind: str, summary: str, applicant_id: int, **payload: Any) -> None:
    record(
        ctx,
        direction="event",
        kind=kind,
        summary=summary,
        applicant_id=applicant_id,
        payload=payload,
    )
