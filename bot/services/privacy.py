"""Candidates' personal data, the way GDPR expects: export everything about one person, erase
it on request or after a retention period, and keep anonymous rows so funnel statistics stay
true.

Erasure replaces the name with "Erased applicant #N", clears email, phone, links, location
and source, deletes the files they sent (a CV from the careers page), and scrubs every trace
of them (their name, email in any case, phone in any formatting, and the free text written
about them; see traces.py) from every free-text column of every table. Work still waiting
on them (interviews, feedback, reminders, check-ins, open conversations) is closed and the
people waiting are told, without naming them. Cards already posted, and private messages
already delivered, are edited through the outbox where the
platform allows. Skills, stages, dates, ratings and recommendations stay: they carry no
identity once the name is gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.domain.errors import InvalidInput, NotFound
from bot.domain.permissions import Permission
from bot.messages.cards import card_key
from bot.messages.reply import Reply
from bot.services import audit, bookings, invitations, outbox, people, tasks
from bot.services.context import Context
from bot.services.open_work import close_open_work
from bot.services.traces import ERASED, Traces
from storage.models import (
    Applicant,
    AuditEvent,
    Checkin,
    Feedback,
    Interview,
    Note,
    Offer,
    OutboxMessage,
    StageMove,
    TrackerItem,
)
from storage.unit_of_work import UnitOfWork

RETENTION = "privacy.retention"
RETENTION_ERASE = "privacy.retention_erase"


def _plain(row: Any, skip: Iterable[str] = ()) -> dict[str, Any]:
    out = {}
    for column in row.__table__.columns:
        if column.key in skip:
            continue
        value = getattr(row, column.key)
        out[column.key] = (
            value.isoformat()
            if hasattr(value, "isoformat")
            else (
                str(value)
                if value is not None and not isinstance(value, (int, str, bool, dict, list, float))
                else value
            )
        )
    return out


def export(uow: UnitOfWork, applicant_id: int) -> dict[str, Any]:
    """Everything stored about one applicant, as plain JSON-ready data."""
    applicant = uow.applicants.get(applicant_id)
    if applicant is None:
        raise NotFound(f"no applicant #{applicant_id}")
    interviews = uow.personal_data.linked(Interview, applicant.id)
    checkins = uow.personal_data.linked(Checkin, applicant.id)
    return {
        "applicant": {**_plain(applicant), "role": applicant.role.key},
        "stage_moves": [_plain(m) for m in uow.personal_data.linked(StageMove, applicant.id)],
        "notes": [_plain(n) for n in uow.personal_data.linked(Note, applicant.id)],
        "interviews": [
            {**_plain(i), "panel": [_plain(p) for p in i.panelists]} for i in interviews
        ],
        "feedback": [_plain(f) for f in uow.personal_data.linked(Feedback, applicant.id)],
        "offers": [_plain(o) for o in uow.personal_data.linked(Offer, applicant.id)],
        "checkins": [
            {
                **_plain(c),
                "responses": [_plain(r) for r in uow.personal_data.checkin_responses(c.id)],
            }
            for c in checkins
        ],
        "timeline": [_plain(e) for e in uow.audit.full_timeline(applicant.id)],
        "messages": [_plain(m) for m in uow.personal_data.linked(OutboxMessage, applicant.id)],
        # What was sent and when; the content itself is downloaded from `show`'s link.
        "files": [_plain(f, skip=("data",)) for f in uow.files.of_applicant(applicant.id)],
        "tracker_items": [_plain(t) for t in uow.personal_data.linked(TrackerItem, applicant.id)],
    }


# -- erasure -------------------------------------------------------------------------------------

MESSAGE_PLACEHOLDER = Reply(
    title="(erased)",
    text="This message was about an applicant whose personal data was erased.",
    private=False,
)


@dataclass
class ErasureReport:
    applicant_id: int
    rows_changed: dict[str, int] = field(default_factory=dict)
    cards_edited: int = 0
    messages_edited: int = 0
    work_closed: int = 0

    def count(self, table: str, n: int = 1) -> None:
        self.rows_changed[table] = self.rows_changed.get(table, 0) + n


def erase(ctx: Context, applicant_id: int) -> ErasureReport:
    """Erase one applicant's personal data everywhere; callers commit."""
    ctx.actor.require(Permission.ADMIN)
    uow = ctx.uow
    applicant = uow.applicants.get(applicant_id, for_update=True)
    if applicant is None:
        raise NotFound(f"no applicant #{applicant_id}")
    if applicant.erased_at is not None:
        raise InvalidInput(f"#{applicant_id} was already erased on {applicant.erased_at.date()}")
    offer = uow.offers.open_for(applicant.id)
    if offer is not None:
        raise InvalidInput(
            f"#{applicant_id} has an open offer (#{offer.id}, {offer.status.replace('_', ' ')}); "
            "withdraw or close it first"
        )
    found = traces_of(ctx, applicant)
    report = ErasureReport(applicant.id)
    now = ctx.clock.now()
    upcoming = [
        i for i in uow.interviews.scheduled_for_applicant(applicant.id) if i.starts_at > now
    ]
    # Closing open work first: the notices it queues name no one, and are not edited below.
    report.work_closed = close_open_work(ctx, applicant.id)
    delivered = _delivered_about(ctx, found, applicant.id)
    _erase_emails_to_them(ctx, applicant, report)
    _erase_applicant(applicant, now)
    report.count("applicants")
    if files := uow.files.delete_of_applicant(applicant.id):
        report.count("applicant_files", files)
    if offers := bookings.close_open(ctx, applicant.id):
        report.count("booking_offers", offers)
    _scrub_about(ctx, found, applicant.id, report)
    _scrub_everywhere(ctx, found, report)
    report.cards_edited = _edit_cards(ctx, applicant.id)
    report.messages_edited = _edit_messages(ctx, found, delivered, applicant.id)
    _cancel_invitations(ctx, applicant, upcoming)
    audit.domain_event(
        ctx,
        "applicant.erased",
        f"{ctx.actor.name} erased the personal data of #{applicant.id}",
        applicant.id,
    )
    return report


def traces_of(ctx: Context, applicant: Applicant) -> Traces:
    """Their name, emails, phone, links, and every piece of free text written about them."""
    uow = ctx.uow
    texts: list[str] = [n.text for n in uow.personal_data.linked(Note, applicant.id)]
    texts += [m.reason for m in uow.personal_data.linked(StageMove, applicant.id) if m.reason]
    for fb in uow.personal_data.linked(Feedback, applicant.id):
        texts += [fb.strengths, fb.concerns]
        texts += [str(v.get("comment") or "") for v in fb.ratings.values()]
    for interview in uow.personal_data.linked(Interview, applicant.id):
        texts.append(interview.cancel_reason)
    for offer in uow.personal_data.linked(Offer, applicant.id):
        texts += [offer.decision_reason, offer.outside_range_reason]
    for checkin in uow.personal_data.linked(Checkin, applicant.id):
        for response in uow.personal_data.checkin_responses(checkin.id):
            texts += [str(v) for v in response.answers.values()]
    for run in uow.personal_data.flow_runs_about(applicant.id):
        texts += list(_strings(run.data))
    return Traces.of(
        name=applicant.name,
        emails=[applicant.email, applicant.email_normalized],
        phones=[applicant.phone],
        links=[str(url) for url in applicant.links.values()],
        free_text=texts,
        region=ctx.catalog.phone_region,
    )


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _erase_applicant(applicant: Applicant, now: datetime) -> None:
    applicant.name = f"Erased applicant #{applicant.id}"
    applicant.email = applicant.email_normalized = applicant.phone = None
    applicant.links, applicant.location, applicant.source = {}, "", ""
    applicant.erased_at = now


def _erase_emails_to_them(ctx: Context, applicant: Applicant, report: ErasureReport) -> None:
    """E-mails addressed to them (invitations, messages) leave the outbox's content: the
    address and the text go, one still waiting is never sent. Mail channels are found by
    their trait, whether or not this process runs them (an erasure from the CLI)."""
    mail = {c.name for c in ctx.catalog.channels if c.mail}
    theirs = {e.lower() for e in (applicant.email, applicant.email_normalized) if e}
    for message in ctx.uow.personal_data.linked(OutboxMessage, applicant.id):
        if message.channel not in mail or message.destination.lower() not in theirs:
            continue
        message.destination = f"erased:{applicant.id}"
        message.payload = MESSAGE_PLACEHOLDER.model_dump(mode="json")
        message.last_error = None
        if message.status in ("pending", "working", "draft"):
            message.status = "failed"
            message.last_error = "the recipient's data was erased"
        report.count("emails")


def _cancel_invitations(ctx: Context, applicant: Applicant, cancelled: list[Interview]) -> None:
    """The interviewers' calendars still hold the upcoming interviews erasure cancelled: a
    cancellation under the same UID removes them (naming the erased placeholder only)."""
    role = ctx.catalog.roles.get(applicant.role.key)
    if role is None:
        return
    for interview in cancelled:
        interview.sequence += 1
        invitations.send(ctx, interview, applicant, role, "cancelled")


def _scrub_about(ctx: Context, found: Traces, applicant_id: int, report: ErasureReport) -> None:
    """Rows known to be about them: their free text goes entirely or loses every name part."""
    uow = ctx.uow
    for note in uow.personal_data.linked(Note, applicant_id):
        note.text = ERASED
        report.count("notes")
    for move in uow.personal_data.linked(StageMove, applicant_id):
        if move.reason:
            move.reason = found.scrub(move.reason, about_them=True)
            report.count("stage_moves")
    for fb in uow.personal_data.linked(Feedback, applicant_id):
        fb.strengths, fb.concerns = ERASED if fb.strengths else "", ERASED if fb.concerns else ""
        fb.ratings = {
            k: {**v, "comment": ERASED if v.get("comment") else ""} for k, v in fb.ratings.items()
        }
        report.count("feedback")
    for interview in uow.personal_data.linked(Interview, applicant_id):
        interview.cancel_reason = found.scrub(interview.cancel_reason, about_them=True)
    for offer in uow.personal_data.linked(Offer, applicant_id):
        offer.decision_reason = found.scrub(offer.decision_reason, about_them=True)
        offer.outside_range_reason = found.scrub(offer.outside_range_reason, about_them=True)
        report.count("offers")
    for checkin in uow.personal_data.linked(Checkin, applicant_id):
        for response in uow.personal_data.checkin_responses(checkin.id):
            response.answers = dict.fromkeys(response.answers, ERASED)
            report.count("checkin_responses")
    for event in uow.personal_data.linked(AuditEvent, applicant_id):
        event.summary = found.scrub(event.summary, about_them=True)
        event.payload = found.scrub(event.payload, about_them=True)
        report.count("audit_events")
    for message in uow.personal_data.linked(OutboxMessage, applicant_id):
        message.payload = found.scrub(message.payload, about_them=True)
        report.count("outbox")
    for run in uow.personal_data.flow_runs_about(applicant_id):
        run.data = found.scrub(run.data, about_them=True)
        report.count("flow_runs")
    for item in uow.personal_data.linked(TrackerItem, applicant_id):
        # hirebot's record of an item in a tracker: what was said about them goes; the item
        # in the tracker itself is the team's (docs/privacy.md says what stays there)
        item.title = found.scrub(item.title, about_them=True)
        item.last_error = found.scrub(item.last_error, about_them=True)
        report.count("tracker_items")


def _scrub_everywhere(ctx: Context, found: Traces, report: ErasureReport) -> None:
    """Rows not linked to them that still quote their name, email, phone or what was written
    about them (a failed command, a digest, someone else's note): a search of each column."""
    for row, attribute in ctx.uow.personal_data.quoting(found.condition):
        before = getattr(row, attribute)
        after = found.scrub(before, about_them=False)
        if after != before:
            setattr(row, attribute, after)
            report.count(row.__tablename__)


def _delivered_about(ctx: Context, found: Traces, applicant_id: int) -> dict[int, bool]:
    """Messages already delivered with a platform id that are about them or quote them:
    outbox id -> whether the row is about them (read before the payloads are scrubbed).
    Thread lines under their card carry no personal data (docs/privacy.md): they are kept
    for the team unless one quotes them."""
    about: dict[int, bool] = {}
    for row in ctx.uow.personal_data.delivered_messages(applicant_id, found.condition):
        if row.applicant_id == applicant_id and row.thread_card_key is None:
            about[row.id] = True
        elif found.scrub(row.payload, about_them=False) != row.payload:
            about[row.id] = False
    return about


def _edit_cards(ctx: Context, applicant_id: int) -> int:
    """Replace each posted card with a placeholder (each channel's sender edits it where its
    platform allows)."""
    placeholder = Reply(
        kind="card",
        title=f"#{applicant_id} (erased)",
        text="This applicant's data was erased.",
        private=False,
    )
    edited = 0
    for post in ctx.uow.cards.for_card(card_key(applicant_id)):
        # Queued even when this process does not run that channel (a CLI without tokens):
        # the server that does delivers it.
        outbox.enqueue(
            ctx,
            outbox.Destination(post.channel, post.destination, shared=True),
            placeholder,
            kind="card_update",
            card_key=post.card_key,
            applicant_id=applicant_id,
        )
        edited += 1
    return edited


def _edit_messages(
    ctx: Context, found: Traces, delivered: dict[int, bool], applicant_id: int
) -> int:
    """Edit each delivered message about them (a prep message, a feedback summary) to a
    placeholder, and each that only quoted them (a digest) to its scrubbed text, where the
    platform allows it: each channel's sender edits what its platform can and skips the rest
    (the console has printed its lines; an ephemeral message cannot be edited)."""
    edited = 0
    for outbox_id, about_them in sorted(delivered.items()):
        original = ctx.uow.outbox.get(outbox_id)
        if original is None:
            continue
        if about_them:
            content = MESSAGE_PLACEHOLDER
        else:
            # The row's payload is scrubbed already; buttons on an old message are stale.
            content = outbox.reply_of(original).model_copy(update={"actions": []})
        edit = outbox.enqueue(
            ctx,
            outbox.Destination(
                original.channel,
                original.destination,
                shared=False,
                ephemeral_to=original.ephemeral_to,
            ),
            content,
            kind=outbox.MESSAGE_UPDATE,
            applicant_id=applicant_id if about_them else None,
        )
        edit.external_ref = original.external_ref  # the message to edit
        edited += 1
    return edited


# -- retention -----------------------------------------------------------------------------------


def due_for_retention(ctx: Context, now: datetime, limit: int = 500) -> list[tuple[Applicant, str]]:
    """Applicants past a retention rule: (applicant, the rule that applies)."""
    rules = ctx.catalog.privacy.retention
    if not rules:
        return []
    rows = ctx.uow.applicants.past_retention(rules, now, limit)
    by_stage = dict(rules)
    return [(a, f"{_stage_label(ctx, a)} for more than {by_stage[a.stage]} days") for a in rows]


def _stage_label(ctx: Context, applicant: Applicant) -> str:
    role = ctx.catalog.roles.get(applicant.role.key)
    return role.pipeline.label(applicant.stage) if role is not None else applicant.stage


def retention_sweep(ctx: Context, task: Any) -> str:
    """Daily: announce who will be erased (a dry-run report to admins), and plan each erasure
    `notice_days` later; the erasure re-checks the rule before it acts."""
    now = ctx.clock.now()
    notice = timedelta(days=ctx.catalog.privacy.notice_days)
    planned = []
    for applicant, why in due_for_retention(ctx, now):
        task_row = tasks.schedule(
            ctx,
            RETENTION_ERASE,
            f"applicant:{applicant.id}",
            now + notice,
            key=f"{RETENTION_ERASE}:{applicant.id}",
        )
        if task_row is not None:
            planned.append(f"#{applicant.id} ({why})")
    if not planned:
        return "nobody newly due"
    when = (now + notice).date().isoformat()
    for person in ctx.uow.people.all():
        spec = ctx.catalog.people.get(person.key)
        if spec is not None and spec.can(Permission.ADMIN) and person.active:
            people.tell(
                ctx,
                person,
                Reply(
                    title=f"Retention: {len(planned)} applicant(s) will be erased on {when}",
                    text="This is the dry-run report; nothing is erased yet. Move an applicant "
                    "out of the stage to keep them.",
                    lines=planned[:50],
                ),
            )
    return f"planned {len(planned)} erasure(s) for {when}"


def retention_erase(ctx: Context, task: Any) -> str:
    applicant_id = int(str(task.subject).split(":", 1)[1])
    still_due = {a.id for a, _why in due_for_retention(ctx, ctx.clock.now())}
    if applicant_id not in still_due:
        return "skipped: no longer due"
    if ctx.uow.offers.open_for(applicant_id) is not None:
        return "skipped: open offer"
    report = erase(ctx, applicant_id)
    return f"erased #{report.applicant_id}"
