"""Messages to candidates: drafted from the role's templates, reviewed by the recruiter in chat
(Send / Edit / Don't send), then queued for the mail channel; the text sent is in `history`.

A draft is an outbox row with status `draft`, so it is written in the same transaction as the
command that drafted it, holds the whole message (the recipient, the text, the HTML), is never
delivered until approved, and is erased with the candidate like any row. Approving is a
compare-and-set on that status: a double tap, or Send after Don't send, changes nothing twice.
A role with `send_unreviewed` queues its messages at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain import candidate_messages as kinds
from bot.domain.catalog import RoleSpec
from bot.domain.errors import InvalidInput, InvalidMove, NotFound
from bot.domain.permissions import Permission
from bot.messages.candidate_mail import TemplateProblem, html_of, render
from bot.messages.cards import display_name
from bot.messages.format import cut, interview_name, local_time
from bot.messages.mail import Mail, Mailbox, mail_of, payload_with
from bot.messages.reply import Action, Reply, success
from bot.services import applicants as applicant_service
from bot.services import audit, outbox, people
from bot.services.context import Context
from bot.services.invitations import mail_channel
from bot.services.offers import kind_text, pay_text
from storage.models import Applicant, OutboxMessage, ScheduledTask

DRAFT, DISCARDED, PENDING = "draft", "discarded", "pending"
KIND = "email"
BULK_MAX = 50
TEXT_MAX = 20_000
# What a candidate who unsubscribed still gets: what their application needs them to know.
ESSENTIAL = frozenset(
    {kinds.INVITATION, kinds.RESCHEDULE, kinds.CANCELLATION, kinds.REJECTION, kinds.OFFER}
)
SEND, EDIT, DISCARD, SEND_ALL = "mail_send", "mail_edit", "mail_discard", "mail_send_all"
EDIT_PROMPT = "The new text of the e-mail (it replaces the whole text, greeting and signature)"
TEXT_SHOWN = 2_500


@dataclass(frozen=True)
class Drafted:
    applicant: Applicant
    row: OutboxMessage
    mail: Mail
    reviewed: bool  # False: the role sends unreviewed, it is queued already


def _values(ctx: Context, applicant: Applicant, role: RoleSpec, message: str) -> dict[str, Any]:
    recruiter = ctx.uow.people.by_key(role.recruiter)
    first = applicant.name.split()[0] if applicant.name.split() else applicant.name
    values: dict[str, Any] = {
        "candidate": {"name": applicant.name, "first_name": first},
        "role": {"title": role.title, "team": role.team, "location": role.location},
        "recruiter": {"name": recruiter.name if recruiter else role.team or "The hiring team"},
        "message": message,
    }
    upcoming = list(ctx.uow.interviews.scheduled_for_applicant(applicant.id))
    if upcoming:
        interview = min(upcoming, key=lambda i: i.starts_at)
        names = [
            p.name
            for p in (ctx.uow.people.by_id(x.person_id) for x in interview.panelists)
            if p is not None
        ]
        values["interview"] = {
            "name": interview_name(role.pipeline.label(interview.stage)),
            "when": local_time(interview.starts_at, interview.timezone),
            "minutes": interview.duration_minutes,
            "interviewers": ", ".join(names),
            "location": interview.location,
        }
    offers = ctx.uow.offers.for_applicant(applicant.id, limit=1)
    if offers:
        offer = offers[0]
        values["offer"] = {
            "type": kind_text(offer.employment_type),
            "pay": pay_text(offer),
            "start": offer.start_date.isoformat(),
            "terms": ", ".join(k for k, v in sorted(offer.terms.items()) if v),
        }
    return values


def _reply_to(ctx: Context, role: RoleSpec, channel: str) -> Mailbox | None:
    recruiter = ctx.uow.people.by_key(role.recruiter)
    address = recruiter.address_on(channel) if recruiter is not None else None
    return Mailbox(name=recruiter.name, address=address) if recruiter and address else None


def draft(
    ctx: Context, applicant_ids: Sequence[int], template: str, message: str = ""
) -> list[Drafted]:
    """One personalised draft per applicant (each checked first: none is drafted when one
    cannot be); queued at once for roles that send unreviewed."""
    ctx.actor.require(Permission.MOVE)
    channel = mail_channel(ctx)
    if channel is None:
        raise InvalidInput("e-mail is not set up here (see docs/email.md)")
    if template not in kinds.KEYS:
        raise InvalidInput(f"no message '{template[:30]}'; messages are {', '.join(kinds.KEYS)}")
    if template == kinds.FREE and not message.strip():
        raise InvalidInput("a free message needs its text: email <id> free <text>")
    if len(message) > TEXT_MAX:
        raise InvalidInput(f"the text is {len(message):,} characters; at most {TEXT_MAX:,}")
    if not applicant_ids:
        raise InvalidInput("which applicants? email <id>[,<id>…] <message>")
    if len(applicant_ids) > BULK_MAX:
        raise InvalidInput(f"{len(applicant_ids)} applicants; at most {BULK_MAX} at once")
    prepared = []
    for applicant_id in dict.fromkeys(applicant_ids):
        applicant = applicant_service.get(ctx, applicant_id)
        role = applicant_service.role_of(ctx, applicant)
        if not applicant.email or applicant.erased_at is not None:
            raise InvalidInput(f"#{applicant.id} has no e-mail address")
        if applicant.unsubscribed_at is not None and template not in ESSENTIAL:
            raise InvalidInput(
                f"#{applicant.id} unsubscribed from e-mails like this one on "
                f"{applicant.unsubscribed_at.date().isoformat()}"
            )
        if template == kinds.REJECTION and not role.messages.rejections:
            raise InvalidInput(f"{role.title} sends no rejection e-mails (candidate_messages)")
        try:
            rendered = render(
                role.messages.template(template), _values(ctx, applicant, role, message)
            )
        except TemplateProblem as exc:
            raise InvalidInput(
                f"the {template} message cannot be written for #{applicant.id}: {exc}"
            ) from None
        prepared.append((applicant, role, rendered))
    out = []
    for applicant, role, rendered in prepared:
        mail = Mail(
            to=Mailbox(name=applicant.name, address=applicant.email or ""),
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            reply_to=_reply_to(ctx, role, channel.name),
            essential=template in ESSENTIAL,
            applicant_id=applicant.id,
            offer_id=_answerable_offer(ctx, applicant) if template == kinds.OFFER else None,
        )
        reviewed = not role.messages.send_unreviewed
        row = outbox.enqueue(
            ctx,
            outbox.Destination(channel.name, mail.to.address, shared=False),
            mail.reply(),
            kind=KIND,
            applicant_id=applicant.id,
            status=DRAFT if reviewed else PENDING,
        )
        row.payload = payload_with(row.payload, mail)
        ctx.uow.flush()
        if not reviewed:
            _sent_event(ctx, applicant, mail, template)
        else:
            audit.domain_event(
                ctx,
                "candidate.email_drafted",
                f"{ctx.actor.name} drafted the {template} e-mail (#{row.id}): {mail.subject}",
                applicant.id,
                outbox_id=row.id,
            )
        out.append(Drafted(applicant, row, mail, reviewed))
    return out


def _answerable_offer(ctx: Context, applicant: Applicant) -> int | None:
    """The offer the candidate can answer by the e-mail's links: an approved one."""
    offer = ctx.uow.offers.open_for(applicant.id)
    return offer.id if offer is not None and offer.status == "approved" else None


def _sent_event(ctx: Context, applicant: Applicant, mail: Mail, what: str) -> None:
    audit.domain_event(
        ctx,
        "candidate.emailed",
        f"{ctx.actor.name} e-mailed {applicant.name} ({what}): {mail.subject} — {mail.text}",
        applicant.id,
    )


def _draft(ctx: Context, outbox_id: int) -> tuple[OutboxMessage, Mail, Applicant]:
    row = ctx.uow.outbox.get(outbox_id, for_update=True)
    mail = mail_of(row.payload) if row is not None and row.kind == KIND else None
    if row is None or mail is None or row.applicant_id is None:
        raise NotFound(f"no e-mail draft #{outbox_id}")
    applicant = applicant_service.get(ctx, row.applicant_id)
    if row.status != DRAFT:
        said = {DISCARDED: "was not sent (Don't send)", "failed": "could not be delivered"}
        raise InvalidMove(
            f"the e-mail #{row.id} to {applicant.name} {said.get(row.status, 'is sent already')}"
        )
    return row, mail, applicant


def send(ctx: Context, outbox_id: int) -> Drafted:
    ctx.actor.require(Permission.MOVE)
    row, mail, applicant = _draft(ctx, outbox_id)
    row.status = PENDING
    row.next_attempt_at = (ctx.sending_clock or ctx.clock).now()
    ctx.queued += 1
    _sent_event(ctx, applicant, mail, "reviewed")
    return Drafted(applicant, row, mail, True)


def send_all(ctx: Context, first: int, last: int) -> list[Drafted]:
    """The drafts of one bulk command (ids first..last, drafted together) still waiting."""
    ctx.actor.require(Permission.MOVE)
    if not 0 <= last - first < BULK_MAX:
        raise InvalidInput("that button is not one of hirebot's")
    anchor = ctx.uow.outbox.get(first)
    rows = ctx.uow.outbox.by_ids(list(range(first, last + 1)))
    sent = []
    for row in sorted(rows, key=lambda r: r.id):
        if anchor is None or row.correlation_id != anchor.correlation_id:
            continue
        if row.kind == KIND and row.status == DRAFT:
            sent.append(send(ctx, row.id))
    if not sent:
        raise InvalidMove("those e-mails were sent or dropped already")
    return sent


def edit(ctx: Context, outbox_id: int, text: str) -> Drafted:
    """Replace the draft's text (the greeting and signature included: what is typed is what
    goes); it stays a draft, shown again for Send."""
    ctx.actor.require(Permission.MOVE)
    text = text.strip()
    if not text:
        raise InvalidInput("the new text is empty; the draft is unchanged")
    if len(text) > TEXT_MAX:
        raise InvalidInput(f"the text is {len(text):,} characters; at most {TEXT_MAX:,}")
    row, mail, applicant = _draft(ctx, outbox_id)
    edited = mail.model_copy(update={"text": text + "\n", "html": html_of(text)})
    row.payload = payload_with(edited.reply().model_dump(mode="json"), edited)
    audit.domain_event(
        ctx,
        "candidate.email_edited",
        f"{ctx.actor.name} edited the e-mail draft #{row.id} to {applicant.name}",
        applicant.id,
    )
    return Drafted(applicant, row, edited, True)


def discard(ctx: Context, outbox_id: int) -> Drafted:
    ctx.actor.require(Permission.MOVE)
    row, mail, applicant = _draft(ctx, outbox_id)
    row.status = DISCARDED
    audit.domain_event(
        ctx,
        "candidate.email_dropped",
        f"{ctx.actor.name} did not send the e-mail draft #{row.id}: {mail.subject}",
        applicant.id,
    )
    return Drafted(applicant, row, mail, True)


def review_reply(ctx: Context, drafted: Drafted) -> Reply:
    """What the recruiter sees of a draft: its text with Send / Edit / Don't send (or, for a
    role that sends unreviewed, that it went)."""
    applicant, row, mail = drafted.applicant, drafted.row, drafted.mail
    role = applicant_service.role_of(ctx, applicant)
    who = f"#{applicant.id} {display_name(applicant, role)}"
    if not drafted.reviewed:
        return success(f"E-mailed {who}: {mail.subject} (this role sends without review)")
    ref = str(row.id)
    return Reply(
        title=f"Draft e-mail to {who}: {mail.subject}",
        text=cut(mail.text, TEXT_SHOWN),
        actions=[
            Action(id=SEND, label="Send", value=ref, style="primary"),
            Action(id=EDIT, label="Edit", value=ref, input_prompt=EDIT_PROMPT),
            Action(id=DISCARD, label="Don't send", value=ref, style="danger"),
        ],
        footer=f"draft #{row.id}: nothing reaches the candidate until you press Send",
    )


def draft_for_recruiter(ctx: Context, applicant_id: int, template: str) -> str:
    """A draft hirebot makes on its own (an application received, a rejection): written like
    one the recruiter asked for, then put in front of the role's recruiter in chat to review.
    Nothing is drafted where e-mail is not set up, the candidate has no address (or was
    erased), unsubscribed from this kind, or the role sends no such message; the reason is
    the task's result, so `hirebot jobs` shows why nothing went."""
    if mail_channel(ctx) is None:
        return "e-mail is not set up; nothing drafted"
    applicant = ctx.uow.applicants.get(applicant_id)
    if applicant is None or applicant.erased_at is not None or not applicant.email:
        return "no e-mail address; nothing drafted"
    if applicant.unsubscribed_at is not None and template not in ESSENTIAL:
        return "the candidate unsubscribed; nothing drafted"
    role = applicant_service.role_of(ctx, applicant)
    if template == kinds.REJECTION and not role.messages.rejections:
        return "the role sends no rejection e-mails"
    drafted = draft(ctx, [applicant_id], template)[0]
    if not drafted.reviewed:
        return f"sent without review (#{drafted.row.id})"
    recruiter = ctx.uow.people.by_key(role.recruiter)
    if recruiter is None or not people.tell(
        ctx, recruiter, review_reply(ctx, drafted), applicant_id=applicant.id
    ):
        return f"drafted #{drafted.row.id}; the recruiter could not be told (see `outbox`)"
    return f"drafted #{drafted.row.id} for {recruiter.name} to review"


def rejection_job(ctx: Context, task: ScheduledTask) -> str:
    return draft_for_recruiter(ctx, int(task.subject.split(":", 1)[1]), kinds.REJECTION)
