"""Offers: drafting one against the role's pay range, the hiring manager's approval, and the
candidate's answer, which moves the applicant to hired or closes the application.

An offer needs approval when its pay is outside the role's range or when someone other than the
role's hiring manager makes it; the approver gets a private message with one-tap Approve and
Decline (which asks for a reason). Pay and terms are never posted in a shared channel: the
role's card only shows the stage moves.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.applicants import REASON_MAX, clean_text
from bot.domain.catalog import EmploymentType, RoleSpec
from bot.domain.errors import InvalidInput, InvalidMove, PermissionDenied
from bot.domain.offers import (
    APPROVE_ACTION,
    DECLINE_ACTION,
    OFFER_STAGE,
    OPEN_STATUSES,
    STATUS_LABELS,
    OfferStatus,
    RangeCheck,
    build_offer,
    employment_label,
)
from bot.domain.permissions import Permission, TeamRole
from bot.domain.stages import WITHDRAWN, StageKind
from bot.messages.reply import Action, Field, Reply
from bot.services import applicants as applicant_service
from bot.services import audit, offer_gate, people, trackers
from bot.services.applicants import MoveResult
from bot.services.checkins import Milestone, parse_milestones
from bot.services.context import Context
from storage.models import Applicant, Offer, Person

APPROVE, DECLINE = APPROVE_ACTION, DECLINE_ACTION
DECLINE_PROMPT = "Reason for declining this offer"


@dataclass(frozen=True)
class Created:
    offer: Offer
    applicant: Applicant
    check: RangeCheck
    approver: Person | None
    moved: MoveResult | None


@dataclass(frozen=True)
class Decided:
    offer: Offer
    applicant: Applicant
    changed: bool
    moved: MoveResult | None = None


def _today(ctx: Context) -> datetime:
    tz = ctx.actor.timezone
    return ctx.clock.now().astimezone(ZoneInfo(tz))


def pay_text(offer: Offer) -> str:
    return f"{offer.currency} {offer.pay_amount:,.2f} per {offer.period}"


def kind_text(value: str) -> str:
    return employment_label(EmploymentType(value))


def _name(ctx: Context, person_id: int | None) -> str:
    person = ctx.uow.people.by_id(person_id) if person_id is not None else None
    return person.name if person else "hirebot"


def get(ctx: Context, offer_id: int, *, for_update: bool = False) -> Offer:
    ctx.actor.require(Permission.OFFER)
    return ctx.found(ctx.uow.offers.get(offer_id, for_update=for_update), f"no offer #{offer_id}")


def _approver(ctx: Context, role: RoleSpec, outside: bool) -> Person | None:
    """The role's hiring manager; when they make an out-of-range offer themselves, an admin
    (a second pair of eyes); None when no approval is needed."""
    manager = people.row(ctx, role.hiring_manager)
    creator = ctx.actor.person_id
    if creator != manager.id:
        return manager
    if not outside:
        return None
    for spec in ctx.catalog.people.values():
        if TeamRole.ADMIN in spec.roles and spec.key != manager.key:
            admin = ctx.uow.people.by_key(spec.key)
            if admin is not None and admin.active:
                return admin
    return None  # nobody else to ask: the manager's reason stands as the approval


def create(ctx: Context, applicant_id: int, options: Mapping[str, str]) -> Created:
    """Validate and store an offer, move the applicant to the Offer stage, ask for approval."""
    ctx.actor.require(Permission.OFFER)
    applicant = applicant_service.get(ctx, applicant_id)
    role = applicant_service.role_of(ctx, applicant)
    stage = role.pipeline.get(applicant.stage)
    if not stage.is_open:
        raise InvalidMove(
            f"#{applicant.id} is {stage.label.lower()}; offers are made to open applications"
        )
    to_offer_stage = OFFER_STAGE in role.pipeline.keys and applicant.stage != OFFER_STAGE
    if to_offer_stage:
        target = role.pipeline.advance_target(applicant.stage)
        if target is None or target.key != OFFER_STAGE:
            before = [
                s.label
                for s in role.pipeline.stages
                if (t := role.pipeline.advance_target(s.key)) is not None and t.key == OFFER_STAGE
            ]
            raise InvalidMove(
                f"#{applicant.id} is in {stage.label}; offers are made from "
                f"{' or '.join([*before, role.pipeline.label(OFFER_STAGE)])} — move them on first"
            )
    existing = ctx.uow.offers.open_for(applicant.id)
    if existing is not None:
        raise InvalidInput(
            f"#{applicant.id} already has offer #{existing.id} "
            f"({STATUS_LABELS[OfferStatus(existing.status)]}); withdraw it first: "
            f"offer withdraw {existing.id}"
        )
    milestones: list[Milestone] = []
    problem = None
    if options.get("milestones", "").strip():
        try:
            milestones = parse_milestones(options["milestones"])
        except InvalidInput as exc:
            problem = exc.message
    draft, check = build_offer(
        role,
        options,
        today=_today(ctx).date(),
        milestones=[(m.title, m.due) for m in milestones],
        milestone_problem=problem,
    )
    approver = _approver(ctx, role, check.outside)
    now = ctx.clock.now()
    offer = Offer(
        applicant_id=applicant.id,
        employment_type=draft.employment_type.value,
        pay_amount=draft.pay,
        currency=draft.currency,
        period=draft.period,
        start_date=draft.start,
        terms=dict(draft.terms),
        milestones=[{"title": t, "due": d.isoformat()} for t, d in draft.milestones],
        outside_range_reason=draft.reason if check.outside else "",
        status=(OfferStatus.PENDING_APPROVAL if approver else OfferStatus.APPROVED).value,
        approver_id=approver.id if approver else ctx.actor.person_id,
        decided_at=None if approver else now,
        decision_reason="",
        created_by_id=ctx.actor.person_id,
        created_at=now,
        updated_at=now,
    )
    ctx.uow.offers.add(offer)
    ctx.uow.flush()
    moved = None
    if to_offer_stage:
        moved = applicant_service.move(ctx, applicant.id, OFFER_STAGE, f"offer #{offer.id} drafted")
    else:  # a move to hired at the same moment must see this offer, or win and refuse it
        applicant_service.hold_stage(ctx, applicant)
    outside = f"; outside the range: {draft.reason}" if check.outside else ""
    audit.domain_event(
        ctx,
        "offer.created",
        f"{ctx.actor.name} drafted offer #{offer.id} to {applicant.name}: "
        f"{kind_text(offer.employment_type)}, {pay_text(offer)}, from {offer.start_date}{outside}",
        applicant.id,
        offer_id=offer.id,
        status=offer.status,
    )
    if approver is not None:
        request = approval_request(ctx, offer, applicant, role, check)
        people.tell(ctx, approver, request, applicant_id=applicant.id)
    return Created(offer, applicant, check, approver, moved)


def describe(ctx: Context, offer: Offer, role: RoleSpec) -> list[Field]:
    fields = [
        Field(label="Type", value=kind_text(offer.employment_type)),
        Field(label="Pay", value=pay_text(offer)),
    ]
    if role.pay is not None:
        fields.append(Field(label="Range", value=role.pay.describe()))
    fields.append(Field(label="Start", value=offer.start_date.isoformat()))
    agreed = [k for k, v in sorted(offer.terms.items()) if v]
    fields.append(Field(label="Terms acknowledged", value=", ".join(agreed) or "—"))
    if offer.milestones:
        fields.append(
            Field(
                label="Milestones",
                value="; ".join(f"{m['title']} by {m['due']}" for m in offer.milestones),
            )
        )
    if offer.outside_range_reason:
        fields.append(Field(label="Why outside the range", value=offer.outside_range_reason))
    fields.append(Field(label="Status", value=STATUS_LABELS[OfferStatus(offer.status)]))
    if offer.decision_reason:
        fields.append(Field(label="Reason", value=offer.decision_reason))
    fields.append(Field(label="Drafted by", value=_name(ctx, offer.created_by_id)))
    return fields


def decision_actions(offer: Offer) -> list[Action]:
    return [
        Action(id=APPROVE, label="Approve", value=str(offer.id), style="primary"),
        Action(
            id=DECLINE,
            label="Decline",
            value=str(offer.id),
            style="danger",
            input_prompt=DECLINE_PROMPT,
        ),
    ]


def approval_request(
    ctx: Context, offer: Offer, applicant: Applicant, role: RoleSpec, check: RangeCheck
) -> Reply:
    warning = f"⚠ {check.warning}." if check.outside else ""
    return Reply(
        title=f"Offer #{offer.id} for #{applicant.id} {applicant.name} needs your approval",
        text=f"{ctx.actor.name} drafted an offer for {role.title}. {warning}".strip(),
        fields=describe(ctx, offer, role),
        actions=decision_actions(offer),
        footer=f"Or type: offer approve {offer.id} · offer deny {offer.id} <reason>",
    )


def _decidable(ctx: Context, offer: Offer) -> None:
    if ctx.actor.person_id != offer.approver_id:
        raise PermissionDenied(
            f"only {_name(ctx, offer.approver_id)} can approve or decline offer #{offer.id}"
        )


def _already(ctx: Context, offer: Offer) -> str:
    by = _name(ctx, offer.approver_id)
    return f"Offer #{offer.id} is already {STATUS_LABELS[OfferStatus(offer.status)]}" + (
        f" (decided by {by})"
        if offer.status in (OfferStatus.APPROVED, OfferStatus.DECLINED_BY_MANAGER)
        else ""
    )


def _open_for(
    ctx: Context,
    offer_id: int,
    target: OfferStatus,
    allowed: Collection[OfferStatus],
    *,
    by_approver: bool = False,
) -> tuple[Offer, Applicant] | Decided:
    """The locked offer and its applicant for a decision that moves it to `target`; a
    repeated decision is answered as unchanged, one from a state it cannot leave is refused.
    What approve, deny, accept, decline and withdraw share (a repeated tap or command must
    change nothing twice)."""
    offer = get(ctx, offer_id, for_update=True)
    if by_approver:
        _decidable(ctx, offer)
    applicant = applicant_service.get(ctx, offer.applicant_id)
    if offer.status == target:
        return Decided(offer, applicant, changed=False)
    if offer.status not in allowed:
        raise InvalidMove(_already(ctx, offer))
    return offer, applicant


def _reason(reason: str, usage: str) -> str:
    """A decision's reason, cleaned; an empty one is refused with the command's usage."""
    cleaned = clean_text(reason, what="reason", limit=REASON_MAX)
    if not cleaned:
        raise InvalidInput(f"say why: {usage} <reason>")
    return cleaned


def approve(ctx: Context, offer_id: int) -> Decided:
    opened = _open_for(
        ctx, offer_id, OfferStatus.APPROVED, (OfferStatus.PENDING_APPROVAL,), by_approver=True
    )
    if isinstance(opened, Decided):
        return opened
    offer, applicant = opened
    now = ctx.clock.now()
    offer.status, offer.decided_at, offer.updated_at = OfferStatus.APPROVED.value, now, now
    offer_gate.retire_request(ctx, offer, f"{ctx.actor.name} approved it.")
    return _approver_decided(
        ctx,
        offer,
        applicant,
        "offer.approved",
        f"{ctx.actor.name} approved offer #{offer.id} to {applicant.name}",
        Reply(
            kind="success",
            title=f"Offer #{offer.id} for #{applicant.id} {applicant.name} is approved",
            text=f"{ctx.actor.name} approved it. Make the offer, then record the answer: "
            f"offer accept {offer.id} · offer decline {offer.id} <reason>",
        ),
    )


def deny(ctx: Context, offer_id: int, reason: str) -> Decided:
    """The approver declines: the offer closes with the reason; the applicant stays put."""
    reason = _reason(reason, f"offer deny {offer_id}")
    opened = _open_for(
        ctx,
        offer_id,
        OfferStatus.DECLINED_BY_MANAGER,
        (OfferStatus.PENDING_APPROVAL,),
        by_approver=True,
    )
    if isinstance(opened, Decided):
        return opened
    offer, applicant = opened
    now = ctx.clock.now()
    offer.status = OfferStatus.DECLINED_BY_MANAGER.value
    offer.decided_at, offer.updated_at, offer.decision_reason = now, now, reason
    offer_gate.retire_request(ctx, offer, f"{ctx.actor.name} declined it: {reason}")
    return _approver_decided(
        ctx,
        offer,
        applicant,
        "offer.declined_by_manager",
        f"{ctx.actor.name} declined offer #{offer.id} to {applicant.name}: {reason}",
        Reply(
            title=f"Offer #{offer.id} for #{applicant.id} {applicant.name} was declined",
            text=f"{ctx.actor.name} declined it: {reason}",
            footer=f"Draft a new one with: offer {applicant.id} pay=… start=… terms=…",
        ),
    )


def _approver_decided(
    ctx: Context, offer: Offer, applicant: Applicant, event: str, summary: str, reply: Reply
) -> Decided:
    """The approver's decision recorded as a domain event, and told to whoever drafted the
    offer (unless they decided it themselves, or have left)."""
    audit.domain_event(ctx, event, summary, applicant.id, offer_id=offer.id)
    if offer.created_by_id is not None and offer.created_by_id != ctx.actor.person_id:
        creator = ctx.uow.people.by_id(offer.created_by_id)
        if creator is not None and creator.active:
            people.tell(ctx, creator, reply, applicant_id=offer.applicant_id)
    return Decided(offer, applicant, changed=True)


def _hired_stage(role: RoleSpec) -> str:
    stage = next((s for s in role.pipeline.stages if s.kind is StageKind.HIRED), None)
    if stage is None:
        raise InvalidInput(f"{role.title}'s pipeline has no hired stage")
    return stage.key


def accept(ctx: Context, offer_id: int) -> Decided:
    """The candidate said yes: the applicant moves to hired, and the offer's milestones and
    the role's onboarding steps become items in its tracker (bot/services/trackers.py)."""
    opened = _open_for(
        ctx, offer_id, OfferStatus.ACCEPTED, (OfferStatus.APPROVED, OfferStatus.PENDING_APPROVAL)
    )
    if isinstance(opened, Decided):
        return opened
    offer, applicant = opened
    if offer.status == OfferStatus.PENDING_APPROVAL:
        raise InvalidMove(
            f"offer #{offer.id} still waits for {_name(ctx, offer.approver_id)}'s approval"
        )
    role = applicant_service.role_of(ctx, applicant)
    now = ctx.clock.now()
    offer.status, offer.updated_at = OfferStatus.ACCEPTED.value, now
    ctx.uow.flush()  # the move's offer rule reads the accepted offer
    moved = applicant_service.move(
        ctx, applicant.id, _hired_stage(role), f"accepted offer #{offer.id}"
    )
    audit.domain_event(
        ctx,
        "offer.accepted",
        f"{applicant.name} accepted offer #{offer.id} (recorded by {ctx.actor.name})",
        applicant.id,
        offer_id=offer.id,
    )
    trackers.plan_for_accepted(ctx, offer, applicant, role)
    return Decided(offer, applicant, changed=True, moved=moved)


def decline(ctx: Context, offer_id: int, reason: str) -> Decided:
    """The candidate said no: the application closes as withdrawn, with their reason."""
    reason = _reason(reason, f"offer decline {offer_id}")
    opened = _open_for(ctx, offer_id, OfferStatus.DECLINED, OPEN_STATUSES)
    if isinstance(opened, Decided):
        return opened
    offer, applicant = opened
    now = ctx.clock.now()
    offer.status, offer.updated_at, offer.decision_reason = (
        OfferStatus.DECLINED.value,
        now,
        reason,
    )
    ctx.uow.flush()  # settled before the close, which would otherwise withdraw it
    moved = applicant_service.close(
        ctx, applicant.id, WITHDRAWN, f"declined offer #{offer.id}: {reason}"
    )
    audit.domain_event(
        ctx,
        "offer.declined",
        f"{applicant.name} declined offer #{offer.id}: {reason}",
        applicant.id,
        offer_id=offer.id,
    )
    return Decided(offer, applicant, changed=True, moved=moved)


def withdraw(ctx: Context, offer_id: int, reason: str) -> Decided:
    """The team takes an open offer back (to revise it); the applicant stays in their stage."""
    reason = clean_text(reason, what="reason", limit=REASON_MAX)
    opened = _open_for(ctx, offer_id, OfferStatus.WITHDRAWN, OPEN_STATUSES)
    if isinstance(opened, Decided):
        return opened
    offer, applicant = opened
    offer_gate.withdraw(ctx, offer, applicant, reason)
    return Decided(offer, applicant, changed=True)


def for_applicant(ctx: Context, applicant_id: int) -> tuple[Applicant, list[Offer]]:
    ctx.actor.require(Permission.OFFER)
    applicant = applicant_service.get(ctx, applicant_id)
    return applicant, list(ctx.uow.offers.for_applicant(applicant.id))


def open_offers(ctx: Context, *, limit: int = 50, offset: int = 0) -> tuple[int, list[Offer]]:
    """How many offers are open (counted by the database), and one page of them."""
    ctx.actor.require(Permission.OFFER)
    repo = ctx.uow.offers
    return repo.count_open(), list(repo.open_offers(limit=limit, offset=offset))


def accepted_milestones(ctx: Context, applicant_id: int) -> list[Milestone]:
    """The milestones of the applicant's accepted offer: what their check-ins track."""
    offer = ctx.uow.offers.latest_accepted(applicant_id)
    if offer is None:
        return []
    out = []
    for item in offer.milestones:
        try:
            out.append(Milestone(str(item["title"]), date.fromisoformat(str(item["due"]))))
        except (KeyError, ValueError):
            continue
    return out
