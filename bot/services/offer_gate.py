"""The one rule every stage change passes on its way to hired or closed, so no path (a typed
move, a card's button, advance, the candidate's answer) can walk around an offer.

Moving to a hired stage is refused while an offer is open (accepting it is what hires) and, where
the role requires an offer, until one is accepted. Closing an application (rejected, withdrawn)
withdraws its open offer, audited, and tells whoever was waiting on it. Moving to the Offer stage
needs no offer yet: the team may draft it there.

This module sits below `offers` (which drafts and decides) and is called by `applicants.move`,
so the rule is written once.
"""

from __future__ import annotations

from bot.domain.catalog import RoleSpec
from bot.domain.errors import InvalidMove
from bot.domain.offers import (
    APPROVE_ACTION,
    OFFER_STAGE,
    STATUS_LABELS,
    OfferStanding,
    OfferStatus,
    hire_refusal,
)
from bot.domain.stages import Stage, StageKind
from bot.messages.reply import Reply
from bot.services import audit, outbox, people
from bot.services.context import Context
from storage.models import Applicant, Offer


def _name(ctx: Context, person_id: int | None) -> str:
    person = ctx.uow.people.by_id(person_id) if person_id is not None else None
    return person.name if person else "hirebot"


def standing(ctx: Context, applicant_id: int) -> OfferStanding:
    repo = ctx.uow.offers
    open_offer = repo.open_for(applicant_id)
    accepted = repo.latest_accepted(applicant_id)
    return OfferStanding(
        open_id=open_offer.id if open_offer else None,
        open_status=OfferStatus(open_offer.status) if open_offer else None,
        approver=_name(ctx, open_offer.approver_id) if open_offer else "",
        accepted_id=accepted.id if accepted else None,
    )


def check_move(ctx: Context, applicant: Applicant, role: RoleSpec, target: Stage) -> None:
    """Refuse a move to a hired stage that the applicant's offers do not allow."""
    if target.kind is not StageKind.HIRED:
        return
    problem = hire_refusal(role, applicant.id, standing(ctx, applicant.id))
    if problem is not None:
        raise InvalidMove(problem)


def withdraw(ctx: Context, offer: Offer, applicant: Applicant, reason: str) -> str:
    """Close an open offer as withdrawn, with the reason, in the audit log; the approver still
    asked to decide it and the person who drafted it are told (unless they did it). Returns a
    line for whoever withdrew it."""
    waiting = offer.status == OfferStatus.PENDING_APPROVAL
    now = ctx.clock.now()
    offer.status, offer.updated_at, offer.decision_reason = (
        OfferStatus.WITHDRAWN.value,
        now,
        reason,
    )
    why = f": {reason}" if reason else ""
    audit.domain_event(
        ctx,
        "offer.withdrawn",
        f"{ctx.actor.name} withdrew offer #{offer.id} to {applicant.name}{why}",
        applicant.id,
        offer_id=offer.id,
    )
    subject = f"Offer #{offer.id} for #{applicant.id} {applicant.name}"
    text = f"{ctx.actor.name} withdrew it{why}"
    if waiting:
        retire_request(ctx, offer, f"{text}. There is nothing left to decide.")
    told: set[int | None] = {ctx.actor.person_id}
    if waiting and offer.approver_id not in told:
        _tell(
            ctx,
            offer.approver_id,
            applicant,
            Reply(
                title=f"{subject} no longer needs your approval",
                text=f"{text}. There is nothing left to decide.",
            ),
        )
        told.add(offer.approver_id)
    if offer.created_by_id not in told:
        _tell(
            ctx,
            offer.created_by_id,
            applicant,
            Reply(title=f"{subject} was withdrawn", text=f"{text}."),
        )
    if waiting and offer.approver_id != ctx.actor.person_id:
        return (
            f"Offer #{offer.id} is withdrawn; {_name(ctx, offer.approver_id)}, who was asked "
            "to approve it, has been told."
        )
    return f"Offer #{offer.id} is withdrawn."


def retire_request(ctx: Context, offer: Offer, outcome: str) -> int:
    """Once an offer no longer waits for approval, its request's Approve and Decline buttons are
    spent: edit each delivered copy to its new status, with `outcome` and without buttons, where
    the platform allows it (each channel's sender edits what it can). A console has printed its
    lines, and a copy not yet
    delivered keeps its buttons, which then answer that the offer is decided. Returns how many
    edits were queued."""
    status = STATUS_LABELS[OfferStatus(offer.status)]
    edits = 0
    for row in ctx.uow.offers.delivered_about(offer.applicant_id):
        if row.ephemeral_to:
            continue  # an ephemeral answer (seen by one person only) cannot be edited
        request = outbox.reply_of(row)
        if not any(a.id == APPROVE_ACTION and a.value == str(offer.id) for a in request.actions):
            continue
        settled = request.model_copy(
            update={
                "title": request.title.replace(" needs your approval", f": {status}"),
                "text": outcome,
                "actions": [],
                "footer": "",
                "fields": [
                    f.model_copy(update={"value": status}) if f.label == "Status" else f
                    for f in request.fields
                ],
            }
        )
        edit = outbox.enqueue(
            ctx,
            outbox.Destination(row.channel, row.destination, shared=False),
            settled,
            kind=outbox.MESSAGE_UPDATE,
            applicant_id=offer.applicant_id,
        )
        edit.external_ref = row.external_ref  # the message to edit
        edits += 1
    return edits


def after_move(ctx: Context, applicant: Applicant, target: Stage) -> str:
    """What a move means for the applicant's offers; returns a line for the mover ('' if none).

    Into the Offer stage with no offer yet: the line says how to draft it. Into a closed stage:
    the open offer is withdrawn (see `withdraw`)."""
    offer = ctx.uow.offers.open_for(applicant.id)
    if target.key == OFFER_STAGE and offer is None:
        return f"Draft the offer: offer {applicant.id} pay=… start=… terms=scope,ip,confidentiality"
    if target.kind is not StageKind.CLOSED or offer is None:
        return ""
    return withdraw(ctx, offer, applicant, f"the application was closed as {target.label.lower()}")


def _tell(ctx: Context, person_id: int | None, applicant: Applicant, reply: Reply) -> None:
    person = ctx.uow.people.by_id(person_id) if person_id is not None else None
    if person is not None and person.active:
        people.tell(ctx, person, reply, applicant_id=applicant.id)
