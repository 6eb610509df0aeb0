"""iCalendar text for interviews, built with the `icalendar` library: the invitation part of an
e-mail (iTIP METHOD:REQUEST / CANCEL, RFC 5546 over iMIP, RFC 6047) and a person's feed.

Times carry their TZID with the matching VTIMEZONE (limited to the years around the event, so
a part stays a few kilobytes), which is how Google Calendar, Outlook and Apple Calendar keep an
interview at the right wall-clock time across a DST change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from bot.messages.mail import CalendarEvent, Mailbox

PRODID = "-//hirebot//interviews//EN"


def _address(mailbox: Mailbox, *, attendee: bool) -> vCalAddress:
    value = vCalAddress(f"mailto:{mailbox.address}")
    value.params["CN"] = vText(mailbox.name)
    if attendee:
        value.params["ROLE"] = vText("REQ-PARTICIPANT")
        value.params["PARTSTAT"] = vText("NEEDS-ACTION")
        value.params["RSVP"] = vText("TRUE")
    return value


def _event(item: CalendarEvent, organizer: Mailbox | None) -> Event:
    zone = ZoneInfo(item.timezone)
    event = Event()
    event.add("uid", item.uid)
    event.add("sequence", item.sequence)
    event.add("dtstamp", item.stamp)
    event.add("dtstart", item.starts_at.astimezone(zone))
    event.add("dtend", item.ends_at.astimezone(zone))
    event.add("summary", item.summary)
    if item.description:
        event.add("description", item.description)
    if item.location:
        event.add("location", item.location)
    event.add("status", item.status)
    event.add("transp", "OPAQUE")
    chosen = item.organizer or organizer
    if chosen is not None:
        event.add("organizer", _address(chosen, attendee=False))
    for person in item.attendees:
        event.add("attendee", _address(person, attendee=True))
    return event


def _calendar(method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def _with_timezones(calendar: Calendar, days: Iterable[date]) -> bytes:
    spread = sorted(days)
    if spread:
        calendar.add_missing_timezones(
            first_date=spread[0] - timedelta(days=366), last_date=spread[-1] + timedelta(days=366)
        )
    text: bytes = calendar.to_ical()
    return text


def invitation(item: CalendarEvent, organizer: Mailbox | None = None) -> bytes:
    """The `text/calendar` part of one invitation, update or cancellation. `organizer` stands
    in when the event names none (a recruiter without an e-mail address: the sender's)."""
    calendar = _calendar(item.method)
    calendar.add_component(_event(item, organizer))
    return _with_timezones(calendar, [item.starts_at.date(), item.ends_at.date()])


def feed(name: str, items: Iterable[CalendarEvent]) -> bytes:
    """A subscribed calendar (no METHOD: a feed is published, not an invitation)."""
    calendar = _calendar(None)
    calendar.add("x-wr-calname", name)
    days: list[date] = []
    for item in items:
        calendar.add_component(_event(item, None))
        days += [item.starts_at.date(), item.ends_at.date()]
    return _with_timezones(calendar, days)
