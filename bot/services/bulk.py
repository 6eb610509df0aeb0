"""One change for many applicants (`reject 12 15 19 reason=…`, "Reject all 7…"): each applicant
goes through the single action (its own stage move, audit event, card update and thread line),
inside its own savepoint, so one that cannot move (already closed, moved by someone else, no
such id) is reported by name and undone alone while the others go ahead. Callers commit.

Whatever a single action does later for an applicant (a candidate e-mail draft on rejection)
belongs in that action (services/applicants.py); a bulk action then does it once per applicant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.domain.errors import InvalidInput, NotFound, UserError
from bot.domain.permissions import Permission
from bot.domain.stages import stage_keys
from bot.services import applicants as applicant_service
from bot.services import digests
from bot.services.applicants import MoveResult
from bot.services.context import Context
from storage.models import Applicant

MAX_APPLICANTS = 100


@dataclass(frozen=True)
class Failure:
    applicant_id: int
    applicant: Applicant | None  # None when there is no such applicant
    problem: str


@dataclass(frozen=True)
class BulkResult:
    done: list[MoveResult]
    failed: list[Failure]


def unique_ids(ids: Sequence[int]) -> list[int]:
    """The ids in the order typed, each once; refused past `MAX_APPLICANTS`."""
    seen = list(dict.fromkeys(ids))
    if len(seen) > MAX_APPLICANTS:
        raise InvalidInput(
            f"that is {len(seen)} applicants; one command handles at most {MAX_APPLICANTS}"
        )
    return seen


def apply(ctx: Context, ids: Sequence[int], change: Callable[[int], MoveResult]) -> BulkResult:
    """Run `change` for each applicant, each in its own savepoint. A person who may move one
    applicant may not necessarily move many (Permission.BULK)."""
    ctx.actor.require(Permission.MOVE)
    ctx.actor.require(Permission.BULK)
    done: list[MoveResult] = []
    failed: list[Failure] = []
    for applicant_id in unique_ids(ids):
        try:
            with ctx.uow.savepoint():
                done.append(change(applicant_id))
        except UserError as exc:
            failed.append(Failure(applicant_id, ctx.uow.applicants.get(applicant_id), exc.message))
    # The command concerns many applicants: its audit row is linked to none of them (each has
    # its own domain event), rather than to whichever came last.
    ctx.applicant_id = None
    return BulkResult(done, failed)


@dataclass(frozen=True)
class Selection:
    """The applicants a "Reject all…" button finds again when tapped: each with the stage it is
    in now, which its move then expects (someone moving one meanwhile is reported, not
    overruled). `total` counts every match; `items` holds the first `MAX_APPLICANTS` that are
    still open."""

    items: list[tuple[int, str]]
    total: int
    label: str


def _open_only(ctx: Context, rows: Sequence[Applicant], total: int, label: str) -> Selection:
    items = []
    for applicant in rows:
        role = ctx.catalog.roles.get(applicant.role.key)
        if role is None or applicant.erased_at is not None:
            continue
        if applicant.stage in role.pipeline.keys and role.pipeline.get(applicant.stage).is_open:
            items.append((applicant.id, applicant.stage))
    return Selection(items[:MAX_APPLICANTS], total, label)


def select_listed(ctx: Context, role_key: str | None, stage_word: str) -> Selection:
    """What `list [role] [stage]` shows, every page of it."""
    ctx.actor.require(Permission.BULK)
    roles = [ctx.catalog.role(role_key)] if role_key else list(ctx.catalog.roles.values())
    stages = stage_keys([r.pipeline for r in roles], stage_word)
    page = applicant_service.search(
        ctx, role_key=role_key, stages=stages, page=1, per_page=MAX_APPLICANTS
    )
    label = ", ".join(x for x in (roles[0].title if role_key else "", stage_word) if x)
    return _open_only(ctx, page.items, page.total, label)


def select_stuck(ctx: Context, role_key: str) -> Selection:
    """The applicants a role's stale nudge is about: longer in their stage than it allows."""
    ctx.actor.require(Permission.BULK)
    role = ctx.catalog.role(role_key)
    total, rows = digests.stuck_applicants(ctx, digests.role_scope(ctx, role), MAX_APPLICANTS)
    return _open_only(ctx, rows, total, f"stuck in {role.title}")


def select_ids(ctx: Context, ids: Sequence[int]) -> Selection:
    """The applicants a search showed, by id (a search fits its matches on one page)."""
    ctx.actor.require(Permission.BULK)
    wanted = unique_ids(ids)
    rows = ctx.uow.applicants.load(wanted)
    if not rows:
        raise NotFound("none of those applicants exists any more")
    by_id = {a.id: a for a in rows}
    ordered = [by_id[i] for i in wanted if i in by_id]
    return _open_only(ctx, ordered, len(ordered), "the search's matches")
