"""An interview, its applicant and its panel, looked up; and the subjects its scheduled tasks
and feedback flows are filed under.

Both halves of interview work read these: the use cases that book an interview
(`interview_booking`) and the follow-ups that run around it (`interview_followups`). They live
here, below both, so that neither has to import the other for them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.catalog import RoleSpec
from bot.domain.errors import NotFound
from bot.messages.format import local_time
from bot.messages.reply import Field
from bot.services import applicants as applicant_service
from bot.services.context import Context
from storage.models import Applicant, Interview, Panelist, Person

Panel = tuple[Panelist, Person]  # an interviewer on a panel, with their person row


def subject(interview: Interview) -> str:
    """What an interview's tasks (prep, feedback request) and feedback flows are filed under."""
    return f"interview:{interview.id}"


def panelist_subject(panelist: Panelist) -> str:
    """What one interviewer's reminder and escalation are filed under."""
    return f"panelist:{panelist.id}"


def get(ctx: Context, interview_id: int) -> Interview:
    return ctx.found(ctx.uow.interviews.get(interview_id), f"no interview #{interview_id}")


def applicant_of(ctx: Context, interview: Interview) -> tuple[Applicant, RoleSpec]:
    applicant = ctx.uow.applicants.get(interview.applicant_id)
    if applicant is None:
        raise NotFound(f"interview #{interview.id} has no applicant")
    return applicant, applicant_service.role_of(ctx, applicant)


def panel_people(ctx: Context, interview: Interview) -> list[Panel]:
    out = []
    for panelist in interview.panelists:
        person = ctx.uow.people.by_id(panelist.person_id)
        if person is not None:
            out.append((panelist, person))
    return out


def ends(interview: Interview) -> datetime:
    return interview.starts_at + timedelta(minutes=interview.duration_minutes)


def when_for(ctx: Context, person: Person, moment: datetime) -> str:
    """A moment as `person` reads it: in their timezone."""
    return local_time(moment, ctx.catalog.person(person.key).timezone)


def when_fields(ctx: Context, interview: Interview, person: Person) -> list[Field]:
    """When, how long and where, for one interviewer's message about the interview."""
    fields = [
        Field(label="When", value=when_for(ctx, person, interview.starts_at)),
        Field(label="Duration", value=f"{interview.duration_minutes} minutes"),
    ]
    if interview.location:
        fields.append(Field(label="Where", value=interview.location))
    return fields
