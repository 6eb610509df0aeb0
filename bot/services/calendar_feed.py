"""A person's calendar feed: their upcoming interviews as an .ics a calendar app subscribes to,
at a secret URL (`hirebot people calendar PERSON`).

The secret is random (256 bits) and only its digest is stored, so the database alone cannot
rebuild the URL; `--rotate` replaces it and the old URL stops working at once. The feed is the
interviewer's view: when, which stage, for which role, with whom, where; never the candidate's
e-mail or phone (they are not attendees in it).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from hashlib import sha256

from bot.domain.errors import InvalidInput
from bot.domain.permissions import Permission
from bot.messages import calendar
from bot.messages.format import interview_name
from bot.messages.mail import CalendarEvent, Mailbox
from bot.services import audit, invitations, people
from bot.services.context import Context

FEED_PATH = "/calendar/"
FEED_MAX = 500  # interviews in one feed: a calendar polls it often


@dataclass(frozen=True)
class Issued:
    person_name: str
    token: str

    def path(self) -> str:
        return f"{FEED_PATH}{self.token}.ics"


def _digest(token: str) -> str:
    return sha256(token.encode()).hexdigest()


def issue(ctx: Context, person_key: str, *, rotate: bool = False) -> Issued:
    """A new feed secret for the person; one they have already is only replaced on `rotate`
    (it cannot be shown again: only its digest is kept)."""
    ctx.actor.require(Permission.ADMIN)
    person = people.row(ctx, person_key.strip().lower())
    if person.calendar_token is not None and not rotate:
        raise InvalidInput(
            f"{person.name} has a calendar feed already; --rotate gives a new URL "
            "(the old one stops working)"
        )
    token = secrets.token_urlsafe(32)
    person.calendar_token = _digest(token)
    audit.record(
        ctx,
        direction="event",
        kind="calendar.feed_issued",
        summary=f"{ctx.actor.name} {'rotated' if rotate else 'issued'} the calendar feed of "
        f"{person.name}",
    )
    return Issued(person.name, token)


def feed(ctx: Context, token: str) -> bytes | None:
    """The person's feed, or None for a token that is no one's (the page answers 404)."""
    if not token or len(token) > 100:
        return None
    person = ctx.uow.people.by_calendar_token(_digest(token))
    if person is None or not person.active:
        return None
    now = ctx.clock.now()
    channel = next((c for c in ctx.catalog.channels if c.mail), None)  # the panel's addresses
    items = []
    for interview in ctx.uow.interviews.upcoming_for_person(person.id, now, FEED_MAX):
        applicant = ctx.uow.applicants.get(interview.applicant_id)
        role = ctx.catalog.roles.get(applicant.role.key) if applicant else None
        if applicant is None or role is None:
            continue
        what = interview_name(role.pipeline.label(interview.stage))
        panel = [p for p in (ctx.uow.people.by_id(x.person_id) for x in interview.panelists) if p]
        attendees = [
            Mailbox(name=p.name, address=address)
            for p in panel
            if channel is not None and (address := p.address_on(channel.name))
        ]
        items.append(
            CalendarEvent(
                uid=invitations.uid(interview),
                sequence=interview.sequence,
                method="PUBLISH",
                starts_at=interview.starts_at,
                ends_at=interview.starts_at + timedelta(minutes=interview.duration_minutes),
                timezone=interview.timezone,
                summary=f"{what.capitalize()}: {applicant.name} ({role.title})",
                description=f"Interview #{interview.id}, {role.pipeline.label(interview.stage)}"
                f" for {role.title}, with {', '.join(p.name for p in panel)}.",
                location=interview.location,
                attendees=attendees,
                stamp=now,
            )
        )
    return calendar.feed(f"{person.name}: interviews", items)
