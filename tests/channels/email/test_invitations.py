"""Calendar invitations, end to end: commands into the dispatcher, the server's delivery of the
e-mail rows to a real SMTP server, and what arrived parsed with `email` and `icalendar`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select

from bot.bootstrap import Hirebot
from bot.clock import FrozenClock
from bot.runtime.server import Server
from storage.models import OutboxMessage
from tests.channels.email.conftest import MAIL_FROM
from tests.fakes.smtp_server import SmtpServer
from tests.helpers import inbox, only, say

CANDIDATE = "ayesha.khan@example.org"
HINA, LUCAS, SANA = "hina.baig@example.com", "lucas.meyer@example.com", "sana.mirza@example.com"
ADD = f"add senior-backend 'Ayesha Khan' email={CANDIDATE}"
# Tuesday 24 Nov 2026, 15:00 in Karachi (UTC+5) = 10:00 UTC = 11:00 in Berlin.
SCHEDULE = "schedule 1 2026-11-24 15:00 with=hina,lucas duration=1h stage=interview at=https://meet.example/abc"


def applicant_in_interview(app: Hirebot, add: str = ADD) -> None:
    assert only(say(app, add)).kind == "success"
    say(app, "advance 1")
    say(app, "advance 1")


def deliver(server: Server) -> int:
    return server.delivery.run_pending()


def part(message: EmailMessage, content_type: str) -> EmailMessage:
    found = [p for p in message.walk() if p.get_content_type() == content_type]
    assert len(found) == 1, [p.get_content_type() for p in message.walk()]
    return found[0]


def event_of(message: EmailMessage) -> tuple[icalendar.Calendar, Any]:
    calendar = icalendar.Calendar.from_ical(part(message, "text/calendar").get_content())
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def attendees(event: Any) -> list[str]:
    value = event["ATTENDEE"]
    return sorted(str(a) for a in (value if isinstance(value, list) else [value]))


def only_to(smtp: SmtpServer, address: str) -> EmailMessage:
    received = smtp.to(address)
    assert len(received) == 1, [m["Subject"] for m in received]
    return received[0]


def test_an_interview_invites_each_interviewer_and_the_candidate(
    mail_app: Hirebot, server: Server, smtp: SmtpServer
) -> None:
    applicant_in_interview(mail_app)
    reply = only(say(mail_app, SCHEDULE))
    assert reply.kind == "success", reply.text
    assert "Calendar invitations e-mailed: 3" in reply.lines
    assert deliver(server) >= 3

    assert sorted(r for m in smtp.received for r in m.recipients) == sorted(
        [CANDIDATE, HINA, LUCAS]
    )
    uids = set()
    for address in (CANDIDATE, HINA, LUCAS):
        message = only_to(smtp, address)
        assert message["From"].addresses[0].addr_spec == MAIL_FROM
        assert message["Reply-To"].addresses[0].addr_spec == SANA  # the recruiter
        assert part(message, "text/calendar").get_param("method") == "REQUEST"
        calendar, event = event_of(message)
        assert str(calendar["METHOD"]) == "REQUEST"
        assert event["SEQUENCE"] == 0
        start = event.decoded("DTSTART")
        assert start == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
        assert str(start.tzinfo) == "Asia/Karachi"
        assert event["DTSTART"].params["TZID"] == "Asia/Karachi"
        assert event.decoded("DTEND") - start == timedelta(hours=1)
        assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Karachi"]
        assert str(event["ORGANIZER"]) == f"mailto:{SANA}"
        assert attendees(event) == sorted(f"mailto:{a}" for a in (CANDIDATE, HINA, LUCAS))
        assert str(event["LOCATION"]) == "https://meet.example/abc"
        uids.add(str(event["UID"]))
    assert len(uids) == 1  # one event, whoever's calendar it lands in

    # Each reads the time in their own zone; only interviewers get the preparation.
    lucas = part(only_to(smtp, LUCAS), "text/plain").get_content()
    assert "When: 24 Nov 2026 11:00 CET (60 minutes)" in lucas
    assert "Interviewers: Hina Baig, Lucas Meyer" in lucas
    assert "To prepare:" in lucas
    hina = part(only_to(smtp, HINA), "text/plain").get_content()
    assert "When: 24 Nov 2026 15:00 PKT" in hina
    candidate = only_to(smtp, CANDIDATE)
    text = part(candidate, "text/plain").get_content()
    assert "When: 24 Nov 2026 15:00 PKT" in text
    assert "Where: https://meet.example/abc" in text
    assert "To prepare" not in text
    assert "Rate " not in text
    assert "To prepare" not in part(candidate, "text/html").get_content()
    assert "Senior Backend Engineer" in candidate["Subject"]


def test_times_are_right_across_a_dst_change(
    mail_app: Hirebot, server: Server, smtp: SmtpServer
) -> None:
    """Berlin moves to summer time on 28 Mar 2027; Karachi has none: a 10:00 Berlin interview
    is 14:00 in Karachi the Friday before and 13:00 the Monday after."""
    applicant_in_interview(mail_app)
    for day in ("2027-03-26", "2027-03-29"):
        line = f"schedule 1 {day} 10:00 with=hina duration=45m stage=interview tz=Europe/Berlin"
        assert only(say(mail_app, line)).kind == "success"
    deliver(server)
    to_hina = smtp.to(HINA)
    assert len(to_hina) == 2
    starts = []
    for message in to_hina:
        _calendar, event = event_of(message)
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
        starts.append(event.decoded("DTSTART"))
    assert sorted(s.astimezone(UTC) for s in starts) == [
        datetime(2027, 3, 26, 9, 0, tzinfo=UTC),
        datetime(2027, 3, 29, 8, 0, tzinfo=UTC),
    ]
    berlin = ZoneInfo("Europe/Berlin")
    assert {s.astimezone(berlin).hour for s in starts} == {10}
    texts = sorted(part(m, "text/plain").get_content() for m in to_hina)
    assert any("When: 26 Mar 2027 14:00 PKT" in t for t in texts)
    assert any("When: 29 Mar 2027 13:00 PKT" in t for t in texts)
    calendar, _event = event_of(to_hina[0])
    transitions = {str(c.name) for c in calendar.walk("VTIMEZONE")[0].subcomponents}
    assert transitions == {"STANDARD", "DAYLIGHT"}


def test_a_reschedule_keeps_the_uid_and_raises_the_sequence_and_a_cancel_cancels(
    mail_app: Hirebot, server: Server, smtp: SmtpServer
) -> None:
    applicant_in_interview(mail_app)
    say(mail_app, SCHEDULE)
    deliver(server)
    _c, first = event_of(only_to(smtp, CANDIDATE))

    moved = only(say(mail_app, "reschedule 1 2026-11-25 16:30"))
    assert moved.kind == "success", moved.text
    deliver(server)
    update = smtp.to(CANDIDATE)[1]
    calendar, second = event_of(update)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(second["UID"]) == str(first["UID"])
    assert second["SEQUENCE"] == 1
    assert second.decoded("DTSTART") == datetime(2026, 11, 25, 11, 30, tzinfo=UTC)
    assert update["Subject"].startswith("New time for your interview")
    assert "it was 24 Nov 2026 15:00 PKT" in part(update, "text/plain").get_content()

    assert only(say(mail_app, "cancel-interview 1 the role is on hold")).kind == "success"
    deliver(server)
    for address in (CANDIDATE, HINA, LUCAS):
        cancel = smtp.to(address)[-1]
        assert part(cancel, "text/calendar").get_param("method") == "CANCEL"
        calendar, third = event_of(cancel)
        assert str(calendar["METHOD"]) == "CANCEL"
        assert str(third["UID"]) == str(first["UID"])
        assert third["SEQUENCE"] == 2
        assert str(third["STATUS"]) == "CANCELLED"
        assert "the role is on hold" in part(cancel, "text/plain").get_content()
    assert len(smtp.received) == 9


def test_notify_candidate_no_invites_the_panel_only(
    mail_app: Hirebot, server: Server, smtp: SmtpServer
) -> None:
    applicant_in_interview(mail_app)
    reply = only(say(mail_app, f"{SCHEDULE} notify_candidate=no"))
    assert "Calendar invitations e-mailed: 2" in reply.lines
    assert "no" in only(say(mail_app, f"{SCHEDULE} notify_candidate=maybe")).text
    assert only(say(mail_app, "reschedule 1 2026-11-25 16:30")).kind == "success"
    deliver(server)
    assert smtp.to(CANDIDATE) == []
    assert len(smtp.to(HINA)) == 2
    _c, event = event_of(smtp.to(HINA)[0])
    assert f"mailto:{CANDIDATE}" not in attendees(event)


def test_names_with_markup_are_shown_as_typed(
    mail_app: Hirebot, server: Server, smtp: SmtpServer
) -> None:
    applicant_in_interview(
        mail_app, f"add senior-backend '<b>Ay</b> \"Q\", <!channel>' email={CANDIDATE}"
    )
    say(mail_app, SCHEDULE)
    deliver(server)
    message = only_to(smtp, CANDIDATE)
    assert message["To"].addresses[0].display_name == '<b>Ay</b> "Q", <!channel>'
    html = part(message, "text/html").get_content()
    assert "<b>Ay</b>" not in html
    assert "&lt;b&gt;Ay&lt;/b&gt;" in html
    assert "Hello <b>Ay</b>" in part(message, "text/plain").get_content()


def test_a_retried_row_is_the_same_message(
    mail_app: Hirebot, server: Server, smtp: SmtpServer, clock: FrozenClock
) -> None:
    """A greylisting 451 is retried with backoff; a row sent again (a crash after the server
    accepted it) keeps its Message-ID, so the recipient's mail client sees one message."""
    smtp.refuse(CANDIDATE, 451, "4.7.1 greylisted, try again later", times=1)
    applicant_in_interview(mail_app)
    say(mail_app, SCHEDULE)
    deliver(server)
    assert smtp.to(CANDIDATE) == []
    with mail_app.uow() as uow:
        row = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.destination == CANDIDATE)
        ).one()
        assert row.status == "pending"
        assert row.attempts == 1
        assert "451" in (row.last_error or "")
        row_id = row.id
    clock.advance(timedelta(minutes=5))
    deliver(server)
    first = only_to(smtp, CANDIDATE)
    assert smtp.attempts(CANDIDATE) == 2
    with mail_app.uow() as uow:
        sent = uow.outbox.get(row_id)
        assert sent is not None
        assert sent.status == "done"
        sent.status, sent.next_attempt_at = "pending", clock.now()  # as if lost before marked
        uow.commit()
    deliver(server)
    again = smtp.to(CANDIDATE)
    assert len(again) == 2
    assert again[1]["Message-ID"] == first["Message-ID"]
    assert first["Message-ID"].startswith(f"<outbox.{row_id}.")


def test_a_refused_address_is_reported_to_the_recruiter(
    mail_app: Hirebot, server: Server, smtp: SmtpServer
) -> None:
    smtp.refuse(CANDIDATE, 550, "5.1.1 user unknown")
    applicant_in_interview(mail_app)
    say(mail_app, SCHEDULE)
    deliver(server)
    with mail_app.uow() as uow:
        row = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.destination == CANDIDATE)
        ).one()
        assert row.status == "failed"
    assert smtp.attempts(CANDIDATE) == 1
    notices = [r for r in inbox(mail_app, "sana") if r.title == "Unreachable on E-mail"]
    assert len(notices) == 1
    assert "Ayesha Khan" in notices[0].text
    assert "550 5.1.1 user unknown" in notices[0].text
    assert len(smtp.to(HINA)) == 1  # the others' invitations went out
