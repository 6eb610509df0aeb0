"""Applicant use cases: add, move, close, annotate, look up. Callers commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.applicants import NOTE_MAX, REASON_MAX, ApplicantDraft, clean_text
from bot.domain.catalog import RoleSpec
from bot.domain.errors import InvalidInput, InvalidMove, NotFound
from bot.domain.permissions import Permission
from bot.domain.reasons import OTHER, ReasonChoice
from bot.domain.stages import REJECTED, WITHDRAWN, Stage
from bot.services import audit, notify, offer_gate, tasks
from bot.services.context import Context
from bot.services.invitations import mail_channel
from storage.models import Applicant, Note, Role, StageMove
from storage.repository import Page

# The task that drafts a rejected candidate's e-mail (services/candidate_mail.rejection_job).
REJECTION_MAIL = "candidate.rejection_mail"


@dataclass(frozen=True)
class AddResult:
    applicant: Applicant
    created: bool


@dataclass(frozen=True)
class MoveResult:
    applicant: Applicant
    from_stage: str
    to_stage: str
    changed: bool
    note: str = ""  # what the move did to the applicant's offers, or how to draft one


def role_of(ctx: Context, applicant: Applicant) -> RoleSpec:
    spec = ctx.catalog.roles.get(applicant.role.key)
    if spec is None:
        raise NotFound(f"role '{applicant.role.key}' of #{applicant.id} is no longer configured")
    return spec


def closed_message(role: RoleSpec) -> str:
    """Why a closed role takes nobody new (`role close`), and how it opens again."""
    return f"{role.title} ({role.key}) is closed to new applications (role reopen {role.key})"


def get(ctx: Context, applicant_id: int) -> Applicant:
    ctx.actor.require(Permission.VIEW)
    applicant = ctx.uow.applicants.get(applicant_id)
    if applicant is None:
        raise NotFound(f"no applicant #{applicant_id}")
    ctx.touch(applicant.id)
    return applicant


def add(ctx: Context, draft: ApplicantDraft, *, via: str, announce: bool = True) -> AddResult:
    """Create the applicant, or return the existing one when the email already applied."""
    result = add_many(ctx, [draft], via=via, announce=announce)[0]
    ctx.touch(result.applicant.id)
    return result


def add_many(
    ctx: Context, drafts: Sequence[ApplicantDraft], *, via: str, announce: bool = True
) -> list[AddResult]:
    """`add` for a batch (CSV import): the same rows, written with a few bulk statements per
    batch instead of a lookup and a flush per applicant. An email already in the role, or
    earlier in the batch, gives back that applicant, as `add` does."""
    ctx.actor.require(Permission.ADD)
    role_rows: dict[str, Role] = {}
    known: dict[tuple[str, str], Applicant] = {}
    for key in {d.role_key for d in drafts}:
        role = ctx.catalog.role(key)
        if role.closed:
            raise InvalidInput(closed_message(role))
        row = ctx.uow.roles.by_key(role.key)
        if row is None:
            raise NotFound(f"role '{role.key}' is not in the database; restart to sync config")
        role_rows[key] = row
        emails = [d.email for d in drafts if d.role_key == key and d.email]
        for email in ctx.uow.applicants.emails_in_role(row.id, emails):
            existing = ctx.uow.applicants.by_email(row.id, email)
            if existing is not None:
                known[(key, email)] = existing
    now = ctx.clock.now()
    plan: list[tuple[ApplicantDraft, Applicant, bool]] = []
    for draft in drafts:
        found = known.get((draft.role_key, draft.email)) if draft.email else None
        if found is not None:
            plan.append((draft, found, False))
            continue
        role = ctx.catalog.role(draft.role_key)
        applicant = Applicant(
            role_id=role_rows[draft.role_key].id,
            name=draft.name,
            email=draft.email,
            email_normalized=draft.email,
            phone=draft.phone,
            location=draft.location,
            source=draft.source,
            skills=draft.skills,
            links=draft.links,
            years_experience=draft.years_experience,
            stage=role.pipeline.first.key,
            stage_entered_at=now,
            created_at=now,
            updated_at=now,
            created_by_id=ctx.actor.person_id,
        )
        applicant.role = role_rows[draft.role_key]
        ctx.uow.applicants.add(applicant)
        if draft.email:
            known[(draft.role_key, draft.email)] = applicant
        plan.append((draft, applicant, True))
    ctx.uow.flush()  # one batched INSERT for the applicants: their ids, for what follows
    for draft, applicant, created in plan:
        if not created:
            continue
        role = ctx.catalog.role(draft.role_key)
        _record_added(ctx, applicant, role, draft, via=via, announce=announce, now=now)
    return [AddResult(applicant, created) for _draft, applicant, created in plan]


def _record_added(
    ctx: Context,
    applicant: Applicant,
    role: RoleSpec,
    draft: ApplicantDraft,
    *,
    via: str,
    announce: bool,
    now: datetime,
) -> None:
    """What follows a new applicant's insert: the first stage move, the audit event, the
    note given with it, and the card."""
    first = role.pipeline.first
    _add_stage_move(ctx, applicant, None, first.key, f"added via {via}", now)
    audit.domain_event(
        ctx,
        "applicant.added",
        f"{ctx.actor.name} added {applicant.name} to {role.title} ({first.label}) via {via}",
        applicant.id,
        stage=first.key,
    )
    if draft.note:
        _store_note(ctx, applicant, draft.note)
    if announce:
        notify.announce_new(ctx, applicant, role, via=via)


def move(
    ctx: Context,
    applicant_id: int,
    to_stage: str,
    reason: str = "",
    *,
    expected_from: str | None = None,
    reason_key: str | None = None,
) -> MoveResult:
    """Move along the pipeline. With `expected_from` (buttons), a stale click changes nothing.
    `reason_key` (a rejection's configured reason) goes into the audit event, for reports.

    Every stage change (commands, buttons, advance, close, an offer's answer) comes through
    here, so the offer rule (`offer_gate`) holds on every path."""
    ctx.actor.require(Permission.MOVE)
    reason = clean_text(reason, what="reason", limit=REASON_MAX)
    applicant = get(ctx, applicant_id)
    role = role_of(ctx, applicant)
    target = role.pipeline.parse(to_stage)
    current = applicant.stage
    if expected_from is not None and current != expected_from:
        if current == target.key:
            return MoveResult(applicant, current, current, changed=False)
        raise InvalidMove(
            f"#{applicant.id} has moved on since that button was drawn: it is now in "
            f"{role.pipeline.label(current)}"
        )
    role.pipeline.check_move(current, target.key)
    offer_gate.check_move(ctx, applicant, role, target)
    _apply_move(ctx, applicant, role, current, target, reason, reason_key)
    # Again now that the applicant's row is ours: an offer drafted in the meantime counts.
    offer_gate.check_move(ctx, applicant, role, target)
    note = offer_gate.after_move(ctx, applicant, target)
    return MoveResult(applicant, current, target.key, changed=True, note=note)


def advance(
    ctx: Context, applicant_id: int, reason: str = "", *, expected_from: str | None = None
) -> MoveResult:
    ctx.actor.require(Permission.MOVE)
    applicant = get(ctx, applicant_id)
    role = role_of(ctx, applicant)
    stage = expected_from or applicant.stage
    if stage not in role.pipeline.keys:
        raise InvalidMove(f"#{applicant.id} is in an unknown stage '{stage}'")
    target = role.pipeline.advance_target(stage)
    if target is None:
        label = role.pipeline.label(applicant.stage)
        raise InvalidMove(f"#{applicant.id} is {label.lower()}; it cannot move any further")
    return move(ctx, applicant_id, target.key, reason, expected_from=expected_from)


def close(
    ctx: Context,
    applicant_id: int,
    stage_key: str,
    reason: str,
    *,
    expected_from: str | None = None,
) -> MoveResult:
    """Reject or withdraw; rejecting needs a reason so the team can learn from it."""
    if stage_key == REJECTED and not reason.strip():
        raise InvalidInput(f"say why: reject {applicant_id} <reason>")
    if stage_key not in {REJECTED, WITHDRAWN}:
        raise InvalidInput(f"'{stage_key}' is not a closing stage")
    return move(ctx, applicant_id, stage_key, reason, expected_from=expected_from)


def reject(
    ctx: Context, applicant_id: int, choice: ReasonChoice, *, expected_from: str | None = None
) -> MoveResult:
    """Reject for one of the configured reasons (or `other`, with its note); the reason's key is
    in the audit event so reports can group rejections; where e-mail is set up, the candidate's
    rejection e-mail is drafted for review (bulk rejections call this once per applicant)."""
    if choice.reason.key == OTHER and not choice.note.strip():
        reasons = ", ".join(ctx.catalog.rejection_reasons.keys)
        raise InvalidInput(f"say why: reject {applicant_id} reason=<{reasons}> [note]")
    result = move(
        ctx,
        applicant_id,
        REJECTED,
        choice.text(),
        expected_from=expected_from,
        reason_key=choice.reason.key,
    )
    if result.changed:
        _plan_rejection_mail(ctx, result.applicant)
    return result


def _plan_rejection_mail(ctx: Context, applicant: Applicant) -> None:
    """Where e-mail is set up and the role sends rejections: a task, in the rejection's own
    transaction (so it runs once and survives a restart), that drafts the kind rejection for
    the recruiter to review (services/candidate_mail.rejection_job). A bulk rejection comes
    through here once per applicant, so each gets its own personalised draft."""
    role = role_of(ctx, applicant)
    if mail_channel(ctx) is None or not role.messages.rejections or not applicant.email:
        return
    now = ctx.clock.now()
    tasks.schedule(
        ctx,
        REJECTION_MAIL,
        f"applicant:{applicant.id}",
        now,
        key=f"{REJECTION_MAIL}:{applicant.id}:{now.isoformat()}",
    )


def hold_stage(ctx: Context, applicant: Applicant) -> None:
    """Lock the applicant's row in their current stage for this transaction (a compare-and-set
    that changes nothing else), so a concurrent move either waits for this one or makes it fail
    cleanly; an offer drafted beside a move to hired cannot both succeed."""
    if not ctx.uow.applicants.hold_stage(applicant, ctx.clock.now()):
        raise InvalidMove(f"#{applicant.id} was moved by someone else just now; look again")


def _apply_move(
    ctx: Context,
    applicant: Applicant,
    role: RoleSpec,
    current: str,
    target: Stage,
    reason: str,
    reason_key: str | None = None,
) -> None:
    now = ctx.clock.now()
    # Compare-and-set: a concurrent move of the same applicant makes this one fail cleanly.
    if not ctx.uow.applicants.move_stage(applicant, current, target.key, now):
        raise InvalidMove(f"#{applicant.id} was moved by someone else just now; look again")
    _add_stage_move(ctx, applicant, current, target.key, reason, now)
    why = f": {reason}" if reason else ""
    summary = (
        f"{ctx.actor.name} moved {applicant.name} from {role.pipeline.label(current)} "
        f"to {target.label}{why}"
    )
    grouped = {"reason": reason_key} if reason_key else {}
    audit.domain_event(
        ctx,
        "applicant.moved",
        summary,
        applicant.id,
        from_stage=current,
        to_stage=target.key,
        **grouped,
    )
    event = f"{target.label} — by {ctx.actor.name}"
    notify.announce_change(ctx, applicant, role, event)


def _add_stage_move(
    ctx: Context,
    applicant: Applicant,
    from_stage: str | None,
    to_stage: str,
    reason: str,
    at: datetime,
) -> None:
    """The row of the stage history that every change of stage writes, the first stage an
    applicant is added in too (`from_stage` None): reports measure time in stage from these."""
    ctx.uow.moves.add(
        StageMove(
            applicant_id=applicant.id,
            from_stage=from_stage,
            to_stage=to_stage,
            actor_id=ctx.actor.person_id,
            reason=reason,
            at=at,
            correlation_id=ctx.correlation_id,
        )
    )


def add_note(ctx: Context, applicant_id: int, text: str) -> Note:
    ctx.actor.require(Permission.NOTE)
    applicant = get(ctx, applicant_id)
    return _store_note(ctx, applicant, text)


def _store_note(ctx: Context, applicant: Applicant, text: str) -> Note:
    body = clean_text(text, what="note", limit=NOTE_MAX, required=True)
    note = Note(
        applicant_id=applicant.id, author_id=ctx.actor.person_id, text=body, at=ctx.clock.now()
    )
    ctx.uow.notes.add(note)
    audit.domain_event(
        ctx, "applicant.note", f"{ctx.actor.name} noted: {body}", applicant.id, length=len(body)
    )
    return note


def search(
    ctx: Context,
    *,
    role_key: str | None,
    stages: Sequence[str] | None,
    page: int,
    per_page: int = 10,
) -> Page[Applicant]:
    ctx.actor.require(Permission.VIEW)
    role_id = None
    if role_key is not None:
        role = ctx.catalog.role(role_key)
        row = ctx.uow.roles.by_key(role.key)
        role_id = row.id if row else -1
    return ctx.uow.applicants.search(role_id=role_id, stages=stages, page=page, per_page=per_page)
