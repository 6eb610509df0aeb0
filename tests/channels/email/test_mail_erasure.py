"""Erasure reaches e-mail: the rows addressed to the candidate lose the address and the text
(one still waiting is never sent), the audit log forgets the address, and the interviewers'
calendars get a cancellation that names no one. Erased with `hirebot applicant erase`."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from bot.bootstrap import Hirebot
from bot.cli import app as cli
from bot.clock import FrozenClock
from bot.runtime.server import Server
from storage.models import AuditEvent, OutboxMessage
from tests.channels.email.conftest import MAIL_FROM
from tests.channels.email.test_invitations import (
    CANDIDATE,
    HINA,
    SCHEDULE,
    applicant_in_interview,
    deliver,
    event_of,
    part,
)
from tests.cli_runner import cli_env
from tests.fakes.smtp_server import SmtpServer
from tests.helpers import say


def test_erasure_removes_the_candidates_emails_and_cancels_the_panels_invitations(
    mail_app: Hirebot,
    server: Server,
    smtp: SmtpServer,
    database_url: str,
    clock: FrozenClock,
) -> None:
    applicant_in_interview(mail_app)
    say(mail_app, SCHEDULE)
    deliver(server)
    say(mail_app, "reschedule 1 2026-11-25 16:30")  # queued, not yet sent
    env = cli_env(database_url, clock) | {
        "HIREBOT_SMTP_URL": smtp.url,
        "HIREBOT_MAIL_FROM": MAIL_FROM,
    }
    result = CliRunner().invoke(cli, ["applicant", "erase", "1", "--yes"], env=env)
    assert result.exit_code == 0, result.output

    with mail_app.uow() as uow:
        rows = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email"))
        for row in rows:
            text = f"{row.destination} {row.payload} {row.last_error}".lower()
            assert CANDIDATE not in text
            assert "ayesha" not in text
        events = uow.session.scalars(select(AuditEvent)).all()
        assert not [e.id for e in events if CANDIDATE in f"{e.summary} {e.payload}".lower()]

    before = len(smtp.to(CANDIDATE))
    deliver(server)
    assert len(smtp.to(CANDIDATE)) == before == 1  # the waiting update never left
    cancel = smtp.to(HINA)[-1]
    _calendar, event = event_of(cancel)
    assert str(event["STATUS"]) == "CANCELLED"
    assert "Erased applicant #1" in str(event["SUMMARY"])
    assert f"mailto:{CANDIDATE}" not in str(event.get("ATTENDEE"))
    assert "Ayesha" not in part(cancel, "text/plain").get_content()
