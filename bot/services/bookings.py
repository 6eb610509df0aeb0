"""Self-scheduling: a recruiter offers interview times, the candidate picks one on the booking
page (/book/<token>), and the interview is created by `interview_booking.schedule`, exactly as
the one-line `schedule` creates it (prep messages, the panel told, follow-ups planned).

The token in the link is the offer's id signed with HIREBOT_SECRET_KEY (itsdangerous), so it
can be shown again later and a changed or invented one is refused; when it stops working is
the offer's `expires_at`, on hirebot's own clock. A pick is made in one transaction that locks
the offer (one booking per offer, whatever the clicks) and then the panel's person rows, so
two candidates picking the same time at once are served one after the other: the second sees
the first's interview and is offered the times still free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from bot.domain.bookings import (
    OTHER_TIMES_MAX,
    Span,
    link_expires,
    outside_working_hours,
    parse_slots,
)
from bot.domain.careers import PublicSite
from bot.domain.catalog import RoleSpec
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.interviews import zone
from bot.domain.permissions import Permission
from bot.domain.stages import Stage
from bot.messages.format import interview_name, local_time
from bot.messages.reply import Field, Reply
from bot.services import absence, audit, interview_booking, people, tasks
from bot.services import applicants as applicant_service
from bot.services.context import Actor, Context
from storage.models import Applicant, BookingOffer, Interview, Person

BOOKING_OFFERED = "booking.offered"
_SALT = "hirebot.booking"
OPEN, BOOKED, CLOSED = "open", "booked", "closed"


def candidate_actor() -> Actor:
    """The system acting for the candidate on the booking page: the audit says who chose."""
    return Actor("system", "the candidate")


def token_for(site: PublicSite, offer_id: int) -> str:
    return str(URLSafeSerializer(site.secret, salt=_SALT).dumps(offer_id))


def link_for(site: PublicSite, offer: BookingOffer) -> str:
    return site.link(f"/book/{token_for(site, offer.id)}")


def _site(ctx: Context) -> PublicSite:
    if ctx.catalog.public is None:
        raise InvalidInput(
            "offering times needs the careers pages, where the candidate picks one: set "
            "HIREBOT_PUBLIC_URL and HIREBOT_SECRET_KEY (docs/careers.md), or give a fixed time"
        )
    return ctx.catalog.public


def _starts(offer: BookingOffer) -> list[datetime]:
    return [datetime.fromisoformat(str(s)) for s in offer.slots]


def _span(start: datetime, minutes: int) -> Span:
    return Span(start, start + timedelta(minutes=minutes))


def _clashes(ctx: Context, panel: Sequence[Person], start: datetime, minutes: int) -> list[str]:
    """Who on the panel is busy then: on another interview, or outside their working hours."""
    found = []
    span = _span(start, minutes)
    for person in panel:
        spec = ctx.catalog.person(person.key)
        for other in ctx.uow.interviews.overlapping(person.id, span.starts, span.ends):
            found.append(f"{person.name} is on interview #{other.id} then")
        if outside_working_hours(spec.working_hours, span, spec.timezone):
            found.append(
                f"{person.name}: {local_time(start, spec.timezone)} is outside their working hours"
            )
    return found


@dataclass
class Offered:
    offer: BookingOffer
    link: str
    stage: Stage
    panel: list[Person]
    warnings: list[str] = field(default_factory=list)


def offer(
    ctx: Context,
    applicant_id: int,
    *,
    slots: str,
    duration_minutes: int,
    interviewer_keys: Sequence[str],
    stage_word: str | None = None,
    timezone: str | None = None,
    location: str = "",
) -> Offered:
    """Offer these times for the applicant's next interview; warns of clashes. Caller commits."""
    ctx.actor.require(Permission.SCHEDULE)
    site = _site(ctx)
    applicant, _role, stage = interview_booking.interview_stage(ctx, applicant_id, stage_word)
    tz = timezone or ctx.actor.timezone
    zone(tz)
    now = ctx.clock.now()
    starts = parse_slots(slots, tz, now)
    panel = interview_booking.interviewers(ctx, interviewer_keys)
    row = BookingOffer(
        applicant_id=applicant.id,
        stage=stage.key,
        duration_minutes=duration_minutes,
        timezone=tz,
        location=interview_booking.check_location(location),
        interviewer_ids=[p.id for p in panel],
        slots=[s.astimezone(zone("UTC")).isoformat() for s in starts],
        status=OPEN,
        expires_at=link_expires(starts, now),
        created_by_id=ctx.actor.person_id,
        created_at=now,
    )
    ctx.uow.bookings.add(row)
    ctx.uow.flush()
    warnings = [
        f"{local_time(start, tz)}: {clash}"
        for start in starts
        for clash in _clashes(ctx, panel, start, duration_minutes)
    ]
    for start in starts:
        warnings += absence.scheduling_warnings(ctx, panel, start, f"{local_time(start, tz)}: ")
    tasks.schedule(
        ctx, BOOKING_OFFERED, f"booking:{row.id}", now, key=f"{BOOKING_OFFERED}:{row.id}"
    )
    audit.domain_event(
        ctx,
        "booking.offered",
        f"{ctx.actor.name} offered {len(starts)} time(s) for "
        f"{interview_name(stage.label, article=True)} (booking #{row.id})",
        applicant.id,
        booking_id=row.id,
    )
    return Offered(row, link_for(site, row), stage, panel, warnings)


def offered_to_candidate(ctx: Context, task: object) -> str:
    """The default job for BOOKING_OFFERED: no channel reaches candidates here; the recruiter
    sends the link themselves. A candidate channel (e-mail) registers its own job."""
    return "no candidate channel configured; the recruiter shares the link"


# -- the booking page ---------------------------------------------------------------------------


class BookingUnavailable(InvalidInput):
    """The link no longer books anything; `title` heads the page that says so."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(message)
        self.title = title


class SlotTaken(InvalidInput):
    """The time picked went to someone else meanwhile; `remaining` are still free."""

    def __init__(self, remaining: list[datetime]) -> None:
        super().__init__("that time was just taken; please pick another")
        self.remaining = remaining


@dataclass(frozen=True)
class BookingView:
    offer: BookingOffer
    role: RoleSpec
    stage_label: str
    free: list[datetime]
    duration_minutes: int
    location: str


def _offer_of(ctx: Context, token: str, *, lock: bool = False) -> BookingOffer:
    site = _site(ctx)
    try:
        offer_id = URLSafeSerializer(site.secret, salt=_SALT).loads(token)
    except BadSignature as exc:
        raise NotFound("this booking link is not valid") from exc
    if not isinstance(offer_id, int):
        raise NotFound("this booking link is not valid")
    row = ctx.uow.bookings.get(offer_id, for_update=lock)
    if row is None:
        raise NotFound("this booking link is not valid")
    ctx.touch(row.applicant_id)
    return row


def _check_open(ctx: Context, row: BookingOffer) -> None:
    if row.status == BOOKED:
        raise BookingUnavailable(
            "This link was used",
            "An interview time was already picked with this link. If you need to change it, "
            "reply to the team that sent it.",
        )
    if row.status != OPEN:
        raise BookingUnavailable(
            "This link no longer works",
            "These interview times were withdrawn. The team will be in touch.",
        )
    if ctx.clock.now() >= row.expires_at:
        raise BookingUnavailable(
            "This link has expired",
            "The times it offered have passed or it is too old. Ask the team that sent it for "
            "new times.",
        )


def _panel(ctx: Context, row: BookingOffer) -> list[Person]:
    return ctx.uow.people.by_ids([int(i) for i in row.interviewer_ids])


def _free(ctx: Context, row: BookingOffer, panel: Sequence[Person]) -> list[datetime]:
    """The offered times still in the future and with nobody on the panel booked then."""
    now = ctx.clock.now()
    free = []
    for start in _starts(row):
        span = _span(start, row.duration_minutes)
        if start > now and not any(
            ctx.uow.interviews.overlapping(p.id, span.starts, span.ends) for p in panel
        ):
            free.append(start)
    return free


def _about(ctx: Context, row: BookingOffer) -> tuple[Applicant, RoleSpec]:
    applicant = applicant_service.get(ctx, row.applicant_id)
    return applicant, applicant_service.role_of(ctx, applicant)


def view(ctx: Context, token: str) -> BookingView:
    """What the booking page shows; BookingUnavailable or NotFound when it books nothing."""
    row = _offer_of(ctx, token)
    _check_open(ctx, row)
    _applicant, role = _about(ctx, row)
    return BookingView(
        row,
        role,
        role.pipeline.label(row.stage),
        _free(ctx, row, _panel(ctx, row)),
        row.duration_minutes,
        row.location,
    )


def _recruiter(ctx: Context, row: BookingOffer, role: RoleSpec) -> Person | None:
    """Who offered the times, or the role's recruiter when the system did."""
    if row.created_by_id is not None:
        found = ctx.uow.people.by_id(row.created_by_id)
        if found is not None and found.active:
            return found
    return ctx.uow.people.by_key(role.recruiter)


def book(ctx: Context, token: str, slot: str) -> Interview:
    """Schedule the interview at the picked time, as `schedule` would. Caller commits."""
    row = _offer_of(ctx, token, lock=True)
    _check_open(ctx, row)
    try:
        start = datetime.fromisoformat(slot)
    except ValueError as exc:
        raise InvalidInput("please pick one of the times shown") from exc
    if start.tzinfo is None or start not in _starts(row):
        raise InvalidInput("please pick one of the times shown")
    panel = _panel(ctx, row)
    ctx.uow.people.lock([p.id for p in panel])
    free = _free(ctx, row, panel)
    if start not in free:
        raise SlotTaken(free)
    applicant, role = _about(ctx, row)
    local = start.astimezone(zone(row.timezone))
    result = interview_booking.schedule(
        ctx,
        applicant.id,
        day=local.date().isoformat(),
        clock_time=local.strftime("%H:%M"),
        duration_minutes=row.duration_minutes,
        interviewer_keys=[p.key for p in panel],
        stage_word=row.stage,
        timezone=row.timezone,
        location=row.location,
    )
    interview = result.interview
    row.status, row.booked_at, row.interview_id = BOOKED, ctx.clock.now(), interview.id
    recruiter = _recruiter(ctx, row, role)
    if recruiter is not None:
        tz = ctx.catalog.person(recruiter.key).timezone
        people.tell(
            ctx,
            recruiter,
            Reply(
                title=f"Interview #{interview.id} booked: {applicant.name} ({role.title})",
                text=f"{applicant.name} picked {local_time(interview.starts_at, tz)} for the "
                f"{interview_name(role.pipeline.label(row.stage))}; the panel is told.",
                fields=[Field(label="Panel", value=", ".join(p.name for p in panel))],
                lines=[f"⚠ {w}" for w in result.warnings],
            ),
            applicant_id=applicant.id,
        )
    return interview


def ask_other_times(ctx: Context, token: str, text: str) -> None:
    """The candidate's note that none of the times suits: to the recruiter, privately."""
    row = _offer_of(ctx, token)
    _check_open(ctx, row)
    message = " ".join(text.split())
    if not message:
        raise InvalidInput("please say which days or times would suit you")
    if len(message) > OTHER_TIMES_MAX:
        raise InvalidInput(f"please keep it under {OTHER_TIMES_MAX:,} characters")
    applicant, role = _about(ctx, row)
    recruiter = _recruiter(ctx, row, role)
    if recruiter is not None:
        people.tell(
            ctx,
            recruiter,
            Reply(
                title=f"{applicant.name} ({role.title}) asks for other interview times",
                text=message,
                footer=f"offer new ones: schedule {applicant.id} slots=… with=…",
            ),
            applicant_id=applicant.id,
        )
    audit.domain_event(
        ctx,
        "booking.other_times",
        f"the candidate asked for other interview times (booking #{row.id})",
        applicant.id,
        booking_id=row.id,
    )


def close_open(ctx: Context, applicant_id: int) -> int:
    """Erasure: their open offers stop working."""
    rows = ctx.uow.bookings.open_for(applicant_id)
    for row in rows:
        row.status = CLOSED
    return len(rows)


def offered_reply(offered: Offered, applicant_id: int) -> Reply:
    """What the recruiter is told after offering times (the command and the guided flow):
    the link to send, privately, since it books an interview for whoever holds it."""
    row, tz = offered.offer, offered.offer.timezone
    names = ", ".join(p.name for p in offered.panel)
    return Reply(
        kind="success",
        text=f"Offered {len(row.slots)} time(s) for the {interview_name(offered.stage.label)} "
        f"of #{applicant_id} with {names}. Send the candidate the booking link: the time they "
        "pick is scheduled as `schedule` does, and you are told here.",
        fields=[
            Field(label="Booking link", value=offered.link, private=True),
            Field(label="Link works until", value=local_time(row.expires_at, tz)),
        ],
        lines=[local_time(s, tz) for s in _starts(row)] + [f"⚠ {w}" for w in offered.warnings],
    )
