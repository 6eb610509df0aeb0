"""`hirebot trackers register` and `sync`: creating each tracked role's webhook, and the
polling fallback for trackers that cannot reach hirebot (read every open item's state, send
what never reached the tracker again)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.bootstrap import Hirebot
from bot.domain.trackers import ItemChange, TrackerError
from bot.services import trackers as service
from bot.services.context import Actor, Context
from bot.trackers.webhooks import apply_changes, callback_url
from storage.models import TrackerWebhook
from storage.unit_of_work import UnitOfWork


@dataclass
class SyncReport:
    kind: str
    queued: int = 0  # items sent to the tracker again
    read: int = 0  # items whose state was read
    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _context(hirebot: Hirebot, uow: UnitOfWork) -> Context:
    return hirebot.context(uow, Actor("system", "cli"))


def _target(options: dict[str, str]) -> str:
    """What a role's webhook watches: its project, or its board."""
    return options.get("project") or options.get("board") or ""


def register(hirebot: Hirebot, kind: str) -> list[str]:
    """A webhook for each role tracked in `kind` (one per project or board); what was done."""
    client = hirebot.trackers.get(kind)
    if client is None:
        raise ValueError(f"{kind} is not configured in the environment (see docs/trackers.md)")
    done: list[str] = []
    with hirebot.uow() as uow:
        specs = {
            r.tracker for r in service.tracked_roles(_context(hirebot, uow), kind) if r.tracker
        }
    for spec in sorted(specs, key=lambda s: _target(dict(s.options))):
        target = _target(dict(spec.options))
        with hirebot.uow() as uow:
            existing = uow.tracker_webhooks.find(kind, target)
            if existing is not None and existing.external_id:
                done.append(f"{kind} {target}: already registered")
                continue
        url = callback_url(hirebot.env.public_url, kind, target)
        try:
            external_id = client.register_webhook(spec, url)
        except TrackerError as exc:
            done.append(f"{kind} {target}: failed: {exc}")
            continue
        with hirebot.uow() as uow:
            row = uow.tracker_webhooks.find(kind, target)
            if row is None:
                row = TrackerWebhook(
                    kind=kind, target=target, secret="", created_at=hirebot.clock.now()
                )
                uow.tracker_webhooks.add(row)
            row.external_id = external_id or "registered"
            uow.commit()
        done.append(f"{kind} {target}: webhook to {url}")
    return done


def sync(hirebot: Hirebot, kind: str) -> SyncReport:
    """Queue again what never reached `kind`, then read back every open item's state."""
    report = SyncReport(kind)
    client = hirebot.trackers.get(kind)
    if client is None:
        raise ValueError(f"{kind} is not configured in the environment (see docs/trackers.md)")
    with hirebot.uow() as uow:
        ctx = _context(hirebot, uow)
        report.queued = service.queue_pending(ctx, kind)
        groups = service.linked_by_role(ctx, kind)
        uow.commit()
    changes: list[ItemChange] = []
    for spec, ids in groups:
        try:
            remote = client.fetch(spec, ids)
        except TrackerError as exc:
            report.errors.append(str(exc))
            continue
        report.read += len(remote)
        changes += [
            ItemChange(kind, r.external_id, done=r.done, due=r.due, due_known=True) for r in remote
        ]
    if changes:
        report.changes = [c for c in apply_changes(hirebot, changes) if not c.startswith("unch")]
    return report
