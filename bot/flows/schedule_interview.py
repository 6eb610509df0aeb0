"""Guided scheduling: `schedule <applicant id>` alone, in a private conversation.

    day -> time -> interviewers (pick one or more, then Done) -> duration -> location -> confirm
    day (several times instead) -> interviewers -> … -> confirm: the candidate picks one

Each answer is checked as it is given (dates, times that daylight saving skips, unknown
people); the interview itself is created by the same service as the one-line command.
Diagram: docs/flows/schedule_interview.md.
"""

from __future__ import annotations

from datetime import date, time

from bot.domain.bookings import parse_slots
from bot.domain.errors import InvalidInput
from bot.domain.interviews import parse_duration, parse_start
from bot.domain.permissions import TeamRole
from bot.flows.engine import END, Answer, Choice, DeclaredFlow, FlowSession, Prompt, Steps
from bot.messages.format import local_time
from bot.messages.reply import Reply, success
from bot.services import absence, bookings, interview_booking

FLOW = "schedule_interview"
DURATIONS = ("30m", "45m", "1h", "90m")


class DayStep:
    def prompt(self, session: FlowSession) -> Prompt:
        return Prompt(
            f"Which day? (YYYY-MM-DD, your timezone is {session.ctx.actor.timezone}) Or several "
            "times for the candidate to pick from on the booking page: 2026-12-07T10:00, "
            "2026-12-08T11:00",
            hint="type the date, or the times",
            free_text=True,
        )

    def answer(self, session: FlowSession, answer: Answer) -> str:
        if "," in answer.value or "t" in answer.value.lower():
            starts = parse_slots(answer.value, session.ctx.actor.timezone, session.ctx.clock.now())
            session.set(slots=",".join(s.strftime("%Y-%m-%dT%H:%M") for s in starts))
            return "interviewers"
        try:
            day = date.fromisoformat(answer.value)
        except ValueError as exc:
            raise InvalidInput(f"'{answer.value[:20]}' is not a date (YYYY-MM-DD)") from exc
        if day < session.ctx.clock.now().date():
            raise InvalidInput("that day has passed; pick a day in the future")
        session.set(day=day.isoformat())
        return "time"


class TimeStep:
    def prompt(self, session: FlowSession) -> Prompt:
        return Prompt("What time does it start? (HH:MM)", hint="type the time", free_text=True)

    def answer(self, session: FlowSession, answer: Answer) -> str:
        try:
            time.fromisoformat(answer.value)
        except ValueError as exc:
            raise InvalidInput(f"'{answer.value[:20]}' is not a time (HH:MM)") from exc
        starts = parse_start(str(session.data["day"]), answer.value, session.ctx.actor.timezone)
        if starts <= session.ctx.clock.now():
            raise InvalidInput("that time has passed; pick a time in the future")
        session.set(time=answer.value)
        return "interviewers"


class InterviewersStep:
    def prompt(self, session: FlowSession) -> Prompt:
        chosen = list(session.data.get("with", []))
        people = [
            p
            for p in session.ctx.catalog.people.values()
            if TeamRole.INTERVIEWER in p.roles and p.key not in chosen
        ]
        choices = [Choice(p.key, p.name) for p in people]
        if chosen:
            choices.append(Choice("done", "Done", "primary"))
        names = ", ".join(session.ctx.catalog.person(k).name for k in chosen)
        return Prompt(
            "Who interviews? Pick one at a time" + (f" (so far: {names})" if names else "") + ".",
            tuple(choices),
            hint="tap a name or type person keys separated by commas",
        )

    def answer(self, session: FlowSession, answer: Answer) -> str:
        chosen = list(session.data.get("with", []))
        word = answer.value.lower()
        if word == "done":
            if not chosen:
                raise InvalidInput("pick at least one interviewer")
            return "duration"
        for key in (k.strip() for k in word.split(",") if k.strip()):
            person = session.ctx.catalog.person(key)
            if person.key not in chosen:
                chosen.append(person.key)
        session.set(**{"with": chosen})
        return "duration" if "," in word else "interviewers"


class DurationStep:
    def prompt(self, session: FlowSession) -> Prompt:
        return Prompt(
            "How long?", tuple(Choice(d, d) for d in DURATIONS), hint="or type one, e.g. 75m"
        )

    def answer(self, session: FlowSession, answer: Answer) -> str:
        session.set(duration=parse_duration(answer.value))
        return "location"


class LocationStep:
    def prompt(self, session: FlowSession) -> Prompt:
        return Prompt(
            "Where? A room or a meeting link.",
            (Choice("skip", "Decide later"),),
            hint="type it, or 'skip'",
            free_text=True,
        )

    def answer(self, session: FlowSession, answer: Answer) -> str:
        value = "" if answer.value.lower() in {"skip", "decide later", "-"} else answer.value
        if len(value) > interview_booking.LOCATION_MAX:
            raise InvalidInput(f"at most {interview_booking.LOCATION_MAX} characters")
        session.set(location=value)
        return "confirm"


def _yes_or_cancel(yes: str) -> tuple[Choice, ...]:
    return (Choice("yes", yes, "primary"), Choice("cancel", "Cancel", "danger"))


class ConfirmStep:
    def prompt(self, session: FlowSession) -> Prompt:
        data, tz = session.data, session.ctx.actor.timezone
        names = ", ".join(session.ctx.catalog.person(k).name for k in data["with"])
        details = (
            f"Duration: {data['duration']} minutes",
            f"Interviewers: {names}",
            f"Where: {data.get('location') or 'to be decided'}",
        )
        if data.get("slots"):
            times = parse_slots(str(data["slots"]), tz, session.ctx.clock.now())
            return Prompt(
                f"Offer these times to applicant #{data['applicant_id']}?",
                _yes_or_cancel("Offer times"),
                lines=(*(f"Time: {local_time(s, tz)}" for s in times), *details),
            )
        starts = parse_start(str(data["day"]), str(data["time"]), tz)
        panel = interview_booking.interviewers(session.ctx, list(data["with"]))
        away = absence.scheduling_warnings(session.ctx, panel, starts)
        return Prompt(
            f"Schedule interview for applicant #{data['applicant_id']}?",
            _yes_or_cancel("Schedule"),
            lines=(f"When: {local_time(starts, tz)}", *details, *(f"⚠ {w}" for w in away)),
        )

    def answer(self, session: FlowSession, answer: Answer) -> str:
        if answer.value.lower() in {"yes", "schedule", "y", "offer times"}:
            return END
        raise InvalidInput("choose Schedule or Cancel")


class ScheduleInterviewFlow(DeclaredFlow):
    name = FLOW
    title = "Schedule an interview"
    steps = Steps(
        "day",
        {
            "day": DayStep(),
            "time": TimeStep(),
            "interviewers": InterviewersStep(),
            "duration": DurationStep(),
            "location": LocationStep(),
            "confirm": ConfirmStep(),
        },
    )
    cancelled_text = "Cancelled: nothing was scheduled."

    def finish(self, session: FlowSession) -> list[Reply]:
        data = session.data
        if data.get("slots"):
            offered = bookings.offer(
                session.ctx,
                int(data["applicant_id"]),
                slots=str(data["slots"]),
                duration_minutes=int(data["duration"]),
                interviewer_keys=list(data["with"]),
                location=str(data.get("location") or ""),
            )
            return [bookings.offered_reply(offered, int(data["applicant_id"]))]
        result = interview_booking.schedule(
            session.ctx,
            int(data["applicant_id"]),
            day=str(data["day"]),
            clock_time=str(data["time"]),
            duration_minutes=int(data["duration"]),
            interviewer_keys=list(data["with"]),
            location=str(data.get("location") or ""),
        )
        interview, tz = result.interview, session.ctx.actor.timezone
        return [
            success(
                f"Interview #{interview.id} scheduled for "
                f"{local_time(interview.starts_at, tz)}; the panel is told.",
                lines=[f"⚠ {w}" for w in result.warnings],
            )
        ]
