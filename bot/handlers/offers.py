"""`offer` and `offers`: drafting offers, the approver's one-tap Approve / Decline, and recording
the candidate's answer."""

from __future__ import annotations

from bot.domain.errors import FieldErrors, InvalidInput, InvalidMove
from bot.domain.offers import OPTIONS, STATUS_LABELS, OfferStatus
from bot.domain.permissions import Permission
from bot.handlers.parsing import CommandLine, parse_id, parse_page, split_options
from bot.handlers.registry import Command, CommandSet
from bot.handlers.views import move_reply
from bot.messages.format import cut_list
from bot.messages.reply import InputRequest, Reply, success
from bot.services import applicants as applicant_service
from bot.services import offers as service
from bot.services.context import Context
from storage.models import Offer

CREATE_USAGE = (
    "offer <applicant id> pay=12000 start=YYYY-MM-DD terms=scope,ip,confidentiality "
    "[type=full_time|contract] [currency=USD] [period=month] "
    "[milestones='Title:YYYY-MM-DD; …'] [reason='…']"
)
USAGE = (
    f"{CREATE_USAGE} | offer accept <offer id> | offer decline <offer id> <reason> | "
    "offer approve <offer id> | offer deny <offer id> <reason> | "
    "offer withdraw <offer id> [reason] | offer show <offer id>"
)
VERBS = {"accept", "decline", "approve", "deny", "withdraw", "show"}
OFFERS_PAGE = 20


def _offer_id(word: str | None, usage: str) -> int:
    if word is None:
        raise InvalidInput(f"which offer? usage: {usage}")
    try:
        return parse_id(word, usage)
    except InvalidInput as exc:
        raise InvalidInput(f"'{word[:40]}' is not an offer id (ids look like 3 or #3)") from exc


def offer(ctx: Context, line: CommandLine) -> list[Reply]:
    head, rest = line.head_and_text(1)
    if not head:
        raise InvalidInput(f"usage: {USAGE}")
    verb = head[0].lower()
    if verb not in VERBS:
        return _create(ctx, line)
    words, text = CommandLine(verb, rest).head_and_text(1)
    offer_id = _offer_id(words[0] if words else None, f"offer {verb} <offer id>")
    if verb == "show":
        return [show_reply(ctx, service.get(ctx, offer_id))]
    if verb == "approve":
        return [_approved(service.approve(ctx, offer_id))]
    if verb == "deny":
        return [_denied(service.deny(ctx, offer_id, text))]
    if verb == "accept":
        return [_accepted(ctx, service.accept(ctx, offer_id))]
    if verb == "decline":
        decided = service.decline(ctx, offer_id, text)
        if not decided.changed:
            return [Reply(kind="info", text=f"Offer #{offer_id} is already declined.")]
        assert decided.moved is not None
        return [
            success(f"Recorded: {decided.applicant.name} declined offer #{offer_id}."),
            move_reply(ctx, decided.moved),
        ]
    decided = service.withdraw(ctx, offer_id, text)
    if not decided.changed:
        return [Reply(kind="info", text=f"Offer #{offer_id} is already withdrawn.")]
    return [
        success(
            f"Offer #{offer_id} withdrawn. Draft a new one with: offer {decided.applicant.id} …"
        )
    ]


def _create(ctx: Context, line: CommandLine) -> list[Reply]:
    positional, options = split_options(line.tokens(), set(OPTIONS))
    applicant_id = parse_id(positional[0] if positional else None, CREATE_USAGE)
    if len(positional) > 1:
        raise InvalidInput(
            f"'{positional[1][:40]}' is not an offer option; options: "
            f"{', '.join(f'{o}=' for o in OPTIONS)}"
        )
    if not options:
        applicant = applicant_service.get(ctx, applicant_id)
        role = applicant_service.role_of(ctx, applicant)
        pay = f" Pay range: {role.pay.describe()}." if role.pay else ""
        raise InvalidInput(f"what is the offer?{pay} usage: {CREATE_USAGE}")
    try:
        created = service.create(ctx, applicant_id, options)
    except FieldErrors as exc:
        if len(exc.fields) == 1:
            raise InvalidInput(exc.message) from exc
        problems = "\n".join(f"• {name}: {problem}" for name, problem in exc.fields.items())
        raise InvalidInput(
            f"the offer has {len(exc.fields)} problems; nothing was saved:\n{problems}"
        ) from exc
    offer_row, applicant = created.offer, created.applicant
    role = applicant_service.role_of(ctx, applicant)
    if created.approver is not None:
        status = f"Waiting for {created.approver.name}'s approval; they have been asked."
    else:
        status = (
            "No approval needed: make the offer, then record the answer: "
            f"offer accept {offer_row.id} · offer decline {offer_row.id} <reason>"
        )
    warning = f"⚠ {created.check.warning}." if created.check.outside else ""
    replies = [
        Reply(
            kind="success",
            title=f"Offer #{offer_row.id} for #{applicant.id} {applicant.name}",
            text=" ".join(x for x in (warning, status) if x),
            fields=service.describe(ctx, offer_row, role),
        )
    ]
    if created.moved is not None:
        replies.append(move_reply(ctx, created.moved))
    return replies


def _already(decided: service.Decided, status: str) -> Reply:
    """A second tap or a repeated command changed nothing, and says so rather than failing."""
    return Reply(kind="info", text=f"Offer #{decided.offer.id} is already {status}.")


def _decided(decided: service.Decided, status: str, after: str) -> Reply:
    """The approver's answer: `Approved offer #3 for #12 Name` and what follows from it."""
    if not decided.changed:
        return _already(decided, status)
    return success(
        f"{status.capitalize()} offer #{decided.offer.id} for #{decided.applicant.id} "
        f"{decided.applicant.name}{after}"
    )


def _approved(decided: service.Decided) -> Reply:
    return _decided(decided, "approved", "; the person who drafted it has been told.")


def _denied(decided: service.Decided) -> Reply:
    return _decided(decided, "declined", f": {decided.offer.decision_reason}")


def _accepted(ctx: Context, decided: service.Decided) -> Reply:
    offer_row, applicant = decided.offer, decided.applicant
    if not decided.changed:
        return _already(decided, "accepted")
    assert decided.moved is not None
    moved = move_reply(ctx, decided.moved)
    milestones = service.accepted_milestones(ctx, applicant.id)
    plan = (
        f" Its {len(milestones)} milestone(s) will be tracked in the check-ins."
        if milestones
        else ""
    )
    return moved.model_copy(
        update={
            "text": f"{applicant.name} accepted offer #{offer_row.id}. {moved.text}",
            "footer": f"Start regular check-ins: checkin start {applicant.id} "
            f"as=<their person key>.{plan}",
        }
    )


def show_reply(ctx: Context, offer_row: Offer) -> Reply:
    applicant = applicant_service.get(ctx, offer_row.applicant_id)
    role = applicant_service.role_of(ctx, applicant)
    actions = (
        service.decision_actions(offer_row)
        if offer_row.status == OfferStatus.PENDING_APPROVAL
        and ctx.actor.person_id == offer_row.approver_id
        else []
    )
    return Reply(
        title=f"Offer #{offer_row.id} for #{applicant.id} {applicant.name} ({role.title})",
        fields=service.describe(ctx, offer_row, role),
        actions=actions,
    )


def offers(ctx: Context, line: CommandLine) -> list[Reply]:
    """Open offers (those waiting on you first), or every offer of one applicant."""
    words = line.tokens()
    if words and not words[0].lower().startswith("page="):
        applicant, rows = service.for_applicant(ctx, parse_id(words[0], "offers [applicant id]"))
        lines = [_line(ctx, o) for o in rows]
        return [
            Reply(
                title=f"Offers for #{applicant.id} {applicant.name}",
                lines=lines or [f"none yet; draft one: offer {applicant.id} pay=… start=… terms=…"],
            )
        ]
    _, options = split_options(words, {"page"})
    page = parse_page(options.get("page"))
    total, rows = service.open_offers(ctx, limit=OFFERS_PAGE, offset=(page - 1) * OFFERS_PAGE)
    mine = [
        o
        for o in rows
        if o.status == OfferStatus.PENDING_APPROVAL and o.approver_id == ctx.actor.person_id
    ]
    others = [o for o in rows if o not in mine]
    lines = [f"{_line(ctx, o)} — waiting on you" for o in mine] + [_line(ctx, o) for o in others]
    left = total - (page - 1) * OFFERS_PAGE
    return [
        Reply(
            title="Open offers",
            lines=cut_list(lines, left, f"offers page={page + 1}") or ["no open offers"],
            footer="offer show <id> for one in full",
        )
    ]


def _line(ctx: Context, offer_row: Offer) -> str:
    applicant = ctx.uow.applicants.get(offer_row.applicant_id)
    name = applicant.name if applicant else "?"
    return (
        f"#{offer_row.id} to #{offer_row.applicant_id} {name}: {service.pay_text(offer_row)}, "
        f"{service.kind_text(offer_row.employment_type)}, from {offer_row.start_date} · "
        f"{STATUS_LABELS[OfferStatus(offer_row.status)]}"
    )


def approve_action(ctx: Context, value: str, _input: str | None) -> list[Reply]:
    return [_approved(service.approve(ctx, _offer_id(value, "approve")))]


def decline_action(ctx: Context, value: str, reason: str | None) -> list[Reply]:
    return [_denied(service.deny(ctx, _offer_id(value, "decline"), reason or ""))]


def ask_decline(ctx: Context, value: str, _input: str | None) -> list[Reply]:
    """A channel that asks for text by message (no forms) tapped Decline: check the offer still
    waits on this person, then ask for the reason."""
    offer_row = service.get(ctx, _offer_id(value, "decline"))
    if ctx.actor.person_id != offer_row.approver_id:
        raise InvalidMove(f"offer #{offer_row.id} is not waiting on your approval")
    if offer_row.status != OfferStatus.PENDING_APPROVAL:
        raise InvalidMove(
            f"offer #{offer_row.id} is already {STATUS_LABELS[OfferStatus(offer_row.status)]}"
        )
    action = service.decision_actions(offer_row)[1]
    return [
        Reply(
            title=f"Offer #{offer_row.id}",
            text=service.DECLINE_PROMPT,
            asks=InputRequest(action=action, by=ctx.actor.ref, by_name=ctx.actor.name),
        )
    ]


def register(commands: CommandSet) -> None:
    commands.add(
        Command(
            "offer",
            USAGE,
            "draft an offer, approve it, record the candidate's answer",
            offer,
            Permission.OFFER,
            examples=(
                "offer 12 pay=12500 start=2027-01-10 terms=scope,ip,confidentiality",
                "offer 14 type=contract pay=4000 currency=USD period=month start=2027-01-04 "
                "terms=scope,ip,confidentiality milestones='API v1:2027-02-15; Launch:2027-03-31'",
                "offer accept 3",
                "offer decline 3 accepted another offer",
            ),
        )
    )
    commands.add(
        Command(
            "offers",
            "offers [applicant id | page=N]",
            "open offers, or one applicant's offers",
            offers,
            Permission.OFFER,
        )
    )
    commands.add_action(service.APPROVE, approve_action)
    commands.add_action(service.DECLINE, decline_action)
    commands.add_action(f"ask.{service.DECLINE}", ask_decline)
