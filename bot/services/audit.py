"""The audit log writer: every inbound, outbound and domain event passes through here."""

from __future__ import annotations

from typing import Any

from bot.services.context import Context
from storage.models import AuditEvent

SUMMARY_MAX = 2_000


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
        actor_ref=ctx.actor.ref[:64],
        applicant_id=applicant_id,
        summary=summary[:SUMMARY_MAX],
        correlation_id=ctx.correlation_id,
        dedup_key=dedup_key,
        payload=payload or {},
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
