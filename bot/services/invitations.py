"""Calendar invitations for interviews: on schedule, reschedule and cancel, one e-mail per
attendee (each interviewer at their `email:`, and the candidate unless the scheduler said
`notify_candidate=no`), each with the same calendar event (stable UID, SEQUENCE raised on
every change, METHOD:CANCEL to cancel) and text in the recipient's own timezone.

Nothing here names a platform: the mail channel is the catalog's channel with the `mail` trait
that this deployment runs; without one, interviews stay in chat only. Rows are queued in the
caller's transaction like every other message (services/outbox.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.catalog import RoleSpec
from bot.domain.channels import ChannelTraits
from bot.messages.format import interview_name, local_time
from bot.messages.invitations import Change, InvitationView, render
from bot.messages.mail import CalendarEvent, Mail, Mailbox, payload_with
from bot.services import outbox
from bot.services.context import Context
from storage.models import Applicant, Interview, Person

# Interview UIDs are derived, not stored: the same interview always has the same one.
_UID_NAMESPACE = uuid.UUID("6f1d4e3c-0b7a-4c9e-9a55-3c2f1e0d8b71")


@dataclass(frozen=True)
class Attendee:
    mailbox: Mailbox
    timezone: str
    interviewer: bool
    person: Person | None = None


def mail_channel(ctx: Context) -> ChannelTraits | None:
    """The mail channel this deployment runs, if any."""
    return next((c for c in ctx.catalog.channels if c.mail and c.name in ctx.channels), None)


def uid(interview: Interview) -> str:
    seed = f"{interview.id}:{interview.created_at.isoformat()}"
    return f"{uuid.uuid5(_UID_NAMESPACE, seed)}@hirebot"


def _person_mailbox(channel: ChannelTraits, person: Person) -> Mailbox | None:
    address = person.address_on(channel.name)
    return Mailbox(name=person.name, address=address) if address else None


def _attendees(
    ctx: Context, channel: ChannelTraits, interview: Interview, applicant: Applicant
) -> list[Attendee]:
    found: list[Attendee] = []
    for panelist in interview.panelists:
        person = ctx.uow.people.by_id(panelist.person_id)
        if person is None:
            continue
        box = _person_mailbox(channel, person)
        if box is not None:
            tz = ctx.catalog.person(person.key).timezone
            found.append(Attendee(box, tz, interviewer=True, person=person))
    if interview.notify_candidate and applicant.email and applicant.erased_at is None:
        found.append(
            Attendee(
                Mailbox(name=applicant.name, address=applicant.email),
                interview.timezone,
                interviewer=False,
            )
        )
    return found


def _organizer(ctx: Context, channel: ChannelTraits, role: RoleSpec) -> Mailbox | None:
    recruiter = ctx.uow.people.by_key(role.recruiter)
    return _person_mailbox(channel, recruiter) if recruiter is not None else None


def _prepare(role: RoleSpec, interview: Interview) -> tuple[str, ...]:
    """What an interviewer reads before: the competencies to rate, the questions to ask."""
    rate = [
        f"Rate {c.name}: {c.description}"
        for c in role.scorecard
        if not c.stages or interview.stage in c.stages
    ]
    ask = [f"Ask: {q}" for q in role.question_bank.get(interview.stage, ())]
    return (*rate, *ask)


def send(
    ctx: Context,
    interview: Interview,
    applicant: Applicant,
    role: RoleSpec,
    change: Change,
    *,
    previous_start: datetime | None = None,
) -> int:
    """Queue the invitation (or its update, or its cancellation) to every attendee with an
    address; returns how many were queued. The caller has raised `interview.sequence` for a
    change."""
    channel = mail_channel(ctx)
    if channel is None:
        return 0
    attendees = _attendees(ctx, channel, interview, applicant)
    if not attendees:
        return 0
    organizer = _organizer(ctx, channel, role)
    label = role.pipeline.label(interview.stage)
    what = interview_name(label)
    ends = interview.starts_at + timedelta(minutes=interview.duration_minutes)
    panel_names = tuple(a.mailbox.name for a in attendees if a.interviewer) or tuple(
        p.name
        for p in (ctx.uow.people.by_id(x.person_id) for x in interview.panelists)
        if p is not None
    )
    cancelled = change == "cancelled"
    event = CalendarEvent(
        uid=uid(interview),
        sequence=interview.sequence,
        method="CANCEL" if cancelled else "REQUEST",
        status="CANCELLED" if cancelled else "CONFIRMED",
        starts_at=interview.starts_at,
        ends_at=ends,
        timezone=interview.timezone,
        summary=f"{what.capitalize()}: {applicant.name} ({role.title})",
        description=f"{label} for {role.title}.",
        location=interview.location,
        organizer=organizer,
        attendees=[a.mailbox for a in attendees],
        stamp=ctx.clock.now(),
    )
    queued = 0
    for attendee in attendees:
        when = local_time(interview.starts_at, attendee.timezone)
        view = InvitationView(
            change=change,
            interviewer=attendee.interviewer,
            recipient=attendee.mailbox.name,
            applicant=applicant.name,
            role=role.title,
            team=role.team,
            what=what,
            stage=label,
            when=when,
            minutes=interview.duration_minutes,
            interviewers=panel_names,
            organizer=organizer.name if organizer is not None else role.team or role.title,
            location=interview.location,
            before=local_time(previous_start, attendee.timezone) if previous_start else "",
            reason=interview.cancel_reason if cancelled else "",
            prepare=_prepare(role, interview) if attendee.interviewer else (),
        )
        rendered = render(view)
        mail = Mail(
            to=attendee.mailbox,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            reply_to=organizer,
            essential=True,
            event=event,
        )
        row = outbox.enqueue(
            ctx,
            outbox.Destination(channel.name, attendee.mailbox.address, shared=False),
            mail.reply(),
            kind="email",
            applicant_id=applicant.id,
        )
        row.payload = payload_with(row.payload, mail)
        queued += 1
    return queued
