"""A hire's work in the role's task tracker: the items an accepted offer makes (one per
milestone, one per onboarding step), those a check-in answer reports (scope change, blocker)
or someone adds from chat, their creation as queued work, and the state trackers send back.

Every call to a tracker is a scheduled task (`tracker.push`, `tracker.done`): a 429 waits for
its Retry-After, a 5xx or a network failure backs off exponentially, and creation first looks
for an item carrying hirebot's key, so a retry after a lost answer never makes a second one.
The handlers are handed the tracker clients by the wiring (bot/bootstrap.py): this module
knows the `Tracker` port (bot/domain/trackers.py), never a tracker product.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.domain.catalog import RoleSpec
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.permissions import Permission
from bot.domain.trackers import (
    TITLE_MAX,
    ItemChange,
    ItemState,
    MilestoneState,
    NewItem,
    Purpose,
    Tracker,
    TrackerError,
    TrackerSpec,
    item_key,
    milestone_state,
)
from bot.messages.format import cut
from bot.services import applicants as applicant_service
from bot.services import audit, tasks
from bot.services.context import Context
from storage.models import Applicant, Offer, ScheduledTask, TrackerItem

PUSH = "tracker.push"
DONE = "tracker.done"
MAX_ATTEMPTS = 8
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
MAX_RETRY_AFTER = timedelta(hours=6)
Clients = Mapping[str, Tracker]


# -- creating items ----------------------------------------------------------------------------


def _add(
    ctx: Context,
    applicant: Applicant,
    role: RoleSpec,
    purpose: Purpose,
    title: str,
    due: date | None,
    offer_id: int | None,
    position: int | None = None,
) -> TrackerItem:
    """Store one item, and queue its creation when the role names a tracker."""
    position = position or ctx.uow.tracker_items.next_position(applicant.id, purpose.value)
    now = ctx.clock.now()
    kind = role.tracker.kind if role.tracker else ""
    item = TrackerItem(
        applicant_id=applicant.id,
        offer_id=offer_id,
        kind=kind,
        purpose=purpose.value,
        position=position,
        key=item_key(applicant.id, purpose, position, offer_id),
        title=title[:TITLE_MAX],
        due=due,
        state=(ItemState.PENDING if kind else ItemState.OPEN).value,
        external_id=None,
        url="",
        attempts=0,
        last_error="",
        created_at=now,
        updated_at=now,
    )
    ctx.uow.tracker_items.add(item)
    ctx.uow.flush()
    if kind:
        tasks.schedule(ctx, PUSH, f"tracker_item:{item.id}", now, key=f"{PUSH}:{item.id}:0")
    return item


def plan_for_accepted(ctx: Context, offer: Offer, applicant: Applicant, role: RoleSpec) -> int:
    """An offer was accepted: one item per milestone of the offer and per onboarding step of
    the role (once: an offer accepted again finds its items). How many were planned."""
    if ctx.uow.tracker_items.by_key(item_key(applicant.id, Purpose.MILESTONE, 1, offer.id)):
        return 0
    planned = 0
    for n, milestone in enumerate(offer.milestones, start=1):
        try:
            due = date.fromisoformat(str(milestone["due"]))
        except (KeyError, ValueError):
            due = None
        _add(
            ctx,
            applicant,
            role,
            Purpose.MILESTONE,
            str(milestone.get("title", "")),
            due,
            offer.id,
            n,
        )
        planned += 1
    existing = ctx.uow.tracker_items.next_position(applicant.id, Purpose.ONBOARDING.value)
    if existing == 1:
        for n, step in enumerate(role.onboarding, start=1):
            _add(ctx, applicant, role, Purpose.ONBOARDING, step, None, offer.id, n)
            planned += 1
    if planned:
        where = f"in {role.tracker.kind}" if role.tracker else "in hirebot"
        audit.domain_event(
            ctx,
            "tracker.planned",
            f"{planned} items for {applicant.name}'s milestones and onboarding, {where}",
            applicant.id,
            offer_id=offer.id,
        )
    return planned


def report_from_checkin(
    ctx: Context, applicant_id: int, purpose: Purpose, answer: str
) -> TrackerItem | None:
    """A check-in answer reported a scope change or a blocker: an item for it."""
    applicant = ctx.uow.applicants.get(applicant_id)
    if applicant is None:
        return None
    role = applicant_service.role_of(ctx, applicant)
    label = "Scope change" if purpose is Purpose.SCOPE_CHANGE else "Blocker"
    item = _add(ctx, applicant, role, purpose, f"{label}: {cut(answer, 150)}", None, None)
    audit.domain_event(
        ctx, f"tracker.{purpose.value}", f"{label} reported in a check-in", applicant.id
    )
    return item


# -- what the chat commands do ---------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneView:
    number: int
    title: str
    due: date | None
    state: MilestoneState
    url: str
    item: TrackerItem


def _today(ctx: Context, role: RoleSpec) -> date:
    tz = ctx.catalog.person(role.hiring_manager).timezone
    return ctx.clock.now().astimezone(ZoneInfo(tz)).date()


def views(ctx: Context, applicant: Applicant, items: list[TrackerItem]) -> list[MilestoneView]:
    today = _today(ctx, applicant_service.role_of(ctx, applicant))
    return [
        MilestoneView(
            item.position,
            item.title,
            item.due,
            milestone_state(item.state == ItemState.DONE, item.due, today),
            item.url,
            item,
        )
        for item in items
    ]


def milestones(ctx: Context, applicant_id: int) -> tuple[Applicant, list[MilestoneView]]:
    ctx.actor.require(Permission.VIEW)
    applicant = applicant_service.get(ctx, applicant_id)
    items = ctx.uow.tracker_items.for_applicant(applicant.id, Purpose.MILESTONE.value)
    return applicant, views(ctx, applicant, items)


def items_of(ctx: Context, applicant: Applicant) -> list[MilestoneView]:
    """Every item of an applicant (milestones, onboarding, reports), for `show`."""
    return views(ctx, applicant, ctx.uow.tracker_items.for_applicant(applicant.id))


def add_milestone(ctx: Context, applicant_id: int, title: str, due: date) -> TrackerItem:
    """A new milestone on the accepted offer, and its item in the tracker."""
    ctx.actor.require(Permission.OFFER)
    applicant = applicant_service.get(ctx, applicant_id)
    offer = ctx.uow.offers.latest_accepted(applicant.id)
    if offer is None:
        raise InvalidInput(f"#{applicant.id} has no accepted offer to add a milestone to")
    role = applicant_service.role_of(ctx, applicant)
    offer.milestones = [*offer.milestones, {"title": title, "due": due.isoformat()}]
    offer.updated_at = ctx.clock.now()
    position = ctx.uow.tracker_items.next_position(applicant.id, Purpose.MILESTONE.value)
    item = _add(ctx, applicant, role, Purpose.MILESTONE, title, due, offer.id, position)
    audit.domain_event(
        ctx,
        "milestone.added",
        f"{ctx.actor.name} added milestone {position} to offer #{offer.id}: {title} by {due}",
        applicant.id,
        offer_id=offer.id,
    )
    return item


def mark_done(ctx: Context, applicant_id: int, number: int) -> tuple[TrackerItem, bool]:
    """Milestone `number` is done: recorded here and sent to the tracker. (item, changed)."""
    ctx.actor.require(Permission.OFFER)
    applicant = applicant_service.get(ctx, applicant_id)
    item = next(
        (
            i
            for i in ctx.uow.tracker_items.for_applicant(applicant.id, Purpose.MILESTONE.value)
            if i.position == number
        ),
        None,
    )
    if item is None:
        raise NotFound(
            f"#{applicant.id} has no milestone {number} (see: milestones {applicant.id})"
        )
    if item.state == ItemState.DONE:
        return item, False
    if item.state == ItemState.FAILED:
        raise InvalidInput(f"milestone {number} never reached the tracker: {item.last_error}")
    was_pending = item.state == ItemState.PENDING
    item.state, item.updated_at = ItemState.DONE.value, ctx.clock.now()
    if item.kind and not was_pending:
        now = ctx.clock.now()
        tasks.schedule(
            ctx, DONE, f"tracker_item:{item.id}", now, key=f"{DONE}:{item.id}:{now.isoformat()}:0"
        )
    audit.domain_event(
        ctx,
        "milestone.done",
        f"{ctx.actor.name} marked milestone {number} done: {item.title}",
        applicant.id,
    )
    return item, True


# -- the queued calls ---------------------------------------------------------------------------


def _backoff(attempts: int) -> timedelta:
    wait: timedelta = FIRST_BACKOFF * (2 ** max(0, attempts - 1))
    return min(wait, MAX_BACKOFF)


def _retry(ctx: Context, task: ScheduledTask, item: TrackerItem, exc: TrackerError) -> str:
    """Try again later (the tracker's Retry-After, else exponential backoff), or give up."""
    item.last_error = str(exc)[:2000]
    item.updated_at = ctx.clock.now()
    if exc.permanent or item.attempts >= MAX_ATTEMPTS:
        if item.external_id is None:
            item.state = ItemState.FAILED.value
        audit.domain_event(
            ctx,
            "tracker.failed",
            f"{item.kind} refused '{cut(item.title, 80)}' after {item.attempts} attempts: "
            f"{cut(str(exc), 200)}",
            item.applicant_id,
        )
        return f"failed: {cut(str(exc), 200)}"
    wait = _backoff(item.attempts)
    if exc.retry_after is not None:
        wait = max(wait, min(timedelta(seconds=exc.retry_after), MAX_RETRY_AFTER))
    until = ctx.clock.now() + wait
    tasks.schedule(
        ctx, task.kind, task.subject, until, key=f"{task.kind}:{item.id}:retry:{until.isoformat()}"
    )
    return f"retry at {until.isoformat()}: {cut(str(exc), 200)}"


def _attempt(
    ctx: Context, item: TrackerItem, clients: Clients
) -> tuple[Tracker, RoleSpec, TrackerSpec] | str:
    """One attempt at the item's tracker, counted: its client, the role and the role's tracker;
    or why the task is skipped (the applicant is gone, the role tracks elsewhere now, or the
    tracker is not configured here). What creating an item and sending its state share."""
    applicant = ctx.uow.applicants.get(item.applicant_id)
    if applicant is None:
        return "skipped: applicant gone"
    role = applicant_service.role_of(ctx, applicant)
    if role.tracker is None or role.tracker.kind != item.kind:
        return f"skipped: {role.title} no longer tracks in {item.kind}"
    client = clients.get(item.kind)
    if client is None:
        item.last_error = f"{item.kind} is not configured in the environment"
        return f"skipped: {item.last_error} (hirebot trackers sync sends it later)"
    item.attempts += 1
    return client, role, role.tracker


def _new_item(ctx: Context, item: TrackerItem, role: RoleSpec) -> NewItem:
    applicant = ctx.uow.applicants.get(item.applicant_id)
    assert applicant is not None
    assert role.tracker is not None
    what = {
        Purpose.MILESTONE.value: "Milestone",
        Purpose.ONBOARDING.value: "Onboarding",
    }.get(item.purpose, "Check-in")
    labels = [*role.tracker.labels, "hirebot"]
    if item.purpose in (Purpose.SCOPE_CHANGE.value, Purpose.BLOCKER.value):
        labels.append(item.purpose)
    return NewItem(
        key=item.key,
        title=f"{item.title} — {applicant.name}" if what != "Check-in" else item.title,
        description=(
            f"{what} for {applicant.name} ({role.title}), hirebot applicant #{applicant.id}.\n"
            f"Details: show {applicant.id} · milestones {applicant.id}\n"
            f"hirebot key: {item.key}"
        ),
        due=item.due,
        labels=tuple(dict.fromkeys(labels)),
        assignee_email=applicant.email,
        link=f"hirebot applicant #{applicant.id}",
    )


def push(clients: Clients, ctx: Context, task: ScheduledTask) -> str:
    """Create one item in its tracker, or find the one an earlier attempt made."""
    item = ctx.uow.tracker_items.get(int(task.subject.split(":", 1)[1]), for_update=True)
    if item is None:
        return "skipped: item gone"
    if item.external_id is not None:
        return f"already created: {item.external_id}"
    found = _attempt(ctx, item, clients)
    if isinstance(found, str):
        return found
    client, role, spec = found
    try:
        remote = client.find(spec, item.key)
        if remote is None:
            remote = client.create(spec, _new_item(ctx, item, role))
    except TrackerError as exc:
        return _retry(ctx, task, item, exc)
    item.external_id, item.url = remote.external_id, remote.url
    if item.state == ItemState.PENDING:
        item.state = (ItemState.DONE if remote.done else ItemState.OPEN).value
    elif item.state == ItemState.DONE and not remote.done:  # marked done while it was queued
        now = ctx.clock.now()
        tasks.schedule(ctx, DONE, task.subject, now, key=f"{DONE}:{item.id}:{now.isoformat()}:0")
    item.last_error, item.updated_at = "", ctx.clock.now()
    audit.domain_event(
        ctx,
        "tracker.created",
        f"{item.kind} item {remote.external_id} created: {cut(item.title, 120)}",
        item.applicant_id,
        url=remote.url,
    )
    return f"created {remote.external_id}"


def send_state(clients: Clients, ctx: Context, task: ScheduledTask) -> str:
    """Tell the tracker an item is done (or open again), as hirebot's record says now."""
    item = ctx.uow.tracker_items.get(int(task.subject.split(":", 1)[1]), for_update=True)
    if item is None or item.external_id is None:
        return "skipped: not in a tracker yet"
    found = _attempt(ctx, item, clients)
    if isinstance(found, str):
        return found
    client, _role, spec = found
    try:
        client.set_done(spec, item.external_id, item.state == ItemState.DONE)
    except TrackerError as exc:
        return _retry(ctx, task, item, exc)
    item.last_error = ""
    return f"{item.external_id} {item.state}"


# -- what trackers send back ---------------------------------------------------------------


def apply_change(ctx: Context, change: ItemChange) -> str:
    """A tracker says an item is done, reopened or due on another day: hirebot's record
    follows, and the applicant's history says so. Unknown items are ignored."""
    item = ctx.uow.tracker_items.by_external(change.kind, change.external_id)
    if item is None:
        return f"ignored: {change.kind} item {change.external_id[:40]} is not one of hirebot's"
    said: list[str] = []
    if change.done is not None:
        state = (ItemState.DONE if change.done else ItemState.OPEN).value
        if state != item.state:
            item.state = state
            said.append("done" if change.done else "reopened")
    if change.due_known and change.due != item.due:
        item.due = change.due
        said.append(f"due {change.due.isoformat()}" if change.due else "no due date")
    if not said:
        return f"unchanged: {item.external_id}"
    item.updated_at = ctx.clock.now()
    audit.domain_event(
        ctx,
        "tracker.changed",
        f"{item.kind} item {item.external_id} ({cut(item.title, 80)}): {', '.join(said)}",
        item.applicant_id,
    )
    return f"{item.external_id}: {', '.join(said)}"


def queue_pending(ctx: Context, kind: str) -> int:
    """Items of `kind` still waiting for the tracker (it was not configured, or gave up):
    queued again, for `hirebot trackers sync`."""
    count = 0
    for item in ctx.uow.tracker_items.waiting(kind):
        item.state, item.attempts = ItemState.PENDING.value, 0
        now = ctx.clock.now()
        tasks.schedule(
            ctx,
            PUSH,
            f"tracker_item:{item.id}",
            now,
            key=f"{PUSH}:{item.id}:sync:{now.isoformat()}",
        )
        count += 1
    return count


def linked_by_role(
    ctx: Context, kind: str, limit: int = 1000
) -> list[tuple[TrackerSpec, list[str]]]:
    """The open items of one tracker that it has ids for, grouped by the tracker settings of
    their applicant's role: what a sync asks the tracker about."""
    items = ctx.uow.tracker_items.linked(kind, limit)
    applicants = {a.id: a for a in ctx.uow.applicants.load([i.applicant_id for i in items])}
    groups: dict[TrackerSpec, list[str]] = {}
    for item in items:
        applicant = applicants.get(item.applicant_id)
        if applicant is None or item.external_id is None:
            continue
        role = ctx.catalog.roles.get(applicant.role.key)
        if role is None or role.tracker is None or role.tracker.kind != kind:
            continue
        groups.setdefault(role.tracker, []).append(item.external_id)
    return list(groups.items())


def tracked_roles(ctx: Context, kind: str) -> list[RoleSpec]:
    """The roles whose hires' work is tracked in `kind`."""
    return [
        r for r in ctx.catalog.roles.values() if r.tracker is not None and r.tracker.kind == kind
    ]


def spec_for(ctx: Context, kind: str, external_id: str) -> TrackerSpec | None:
    """The tracker settings of the role an item belongs to; None if it is not hirebot's."""
    item = ctx.uow.tracker_items.by_external(kind, external_id)
    applicant = ctx.uow.applicants.get(item.applicant_id) if item is not None else None
    if applicant is None:
        return None
    role = ctx.catalog.roles.get(applicant.role.key)
    return role.tracker if role is not None and role.tracker is not None else None
