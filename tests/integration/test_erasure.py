"""What erasure reaches beyond the applicant's own row, on both databases: her phone number in
every form it was typed, her email in any case, the free text written about her wherever it
was copied, and the work still waiting on her. Driven through the console's dispatcher, erased
with `hirebot applicant erase`, checked in every table."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from bot.bootstrap import Hirebot
from bot.clock import FrozenClock
from bot.messages.reply import Reply
from storage.models import FlowRun, Interview, OutboxMessage, Panelist, ScheduledTask
from tests.cli_runner import run_cli
from tests.helpers import click, only, say
from tests.integration.test_privacy import dump_all

NAME = "Ayesha Khan"
NATIONAL = "3017654321"  # +92 301 7654321: the digits every typing of it shares
NOTE = "strong infra background; call 0301-765 4321 after 6pm"
# Longer than a `notes` listing shows: the listing holds only its beginning and "…".
LONG_NOTE = "Panel debrief: she rebuilt the billing pipeline twice. " * 8


def choice(reply: Reply, label: str) -> str:
    return next(a.value for a in reply.actions if a.label == label)


def digits_only(text: str) -> str:
    return re.sub(r"[\s\-().\u00a0/]", "", text)


def pending_feedback(app: Hirebot, who: str) -> list[str]:
    """The lines of `home`'s "My pending feedback" section."""
    replies = say(app, "home", who=who).replies
    return [line for r in replies if r.title == "My pending feedback" for line in r.lines]


def add_her_step_by_step(app: Hirebot) -> None:
    """The guided add, her phone typed with spaces and her email in mixed case."""
    prompt = only(say(app, "add"))
    click(app, "flow", choice(prompt, "Senior Backend Engineer"))
    say(app, NAME)
    say(app, "Ayesha.Khan@Example.COM")
    say(app, "+92 301 7654321")
    say(app, "referral")
    say(app, "skip")
    confirm = only(say(app, "skip"))
    assert only(click(app, "flow", choice(confirm, "Add"))).text.startswith(f"Added #1 {NAME}")


def test_erasure_finds_her_phone_in_any_form_her_email_in_any_case_and_her_notes(
    app: Hirebot, database_url: str, clock: FrozenClock
) -> None:
    add_her_step_by_step(app)
    say(app, "add senior-backend 'Bilal Ahmed' email=bilal@example.com")
    say(app, f"note 1 {NOTE}")
    say(app, f"note 2 compare with #1: {NOTE}")  # someone else's note quoting hers
    say(app, f"note 1 {LONG_NOTE}")
    say(app, "notes 1")  # her notes shown back (an outbox payload)
    say(app, "show 1")  # her latest notes, the long one cut short
    say(app, "note 2 AYESHA.KHAN@EXAMPLE.COM wrote to us too")
    typed = "/hire note 1 call her on (0301) 765-4321"
    app.inbox.receive("slack", "slack:cmd:t9", "slack:U1", {"text": typed})  # not handled yet
    before = dump_all(app)
    assert NATIONAL in digits_only(before)
    assert "0301-765 4321" in before  # typed forms are there before
    assert "strong infra background" in before
    assert re.search(r"debrief: [\w ]*… \(\+\d+ more characters", before)  # a cut copy
    assert "ayesha.khan@example.com" in before

    code, output = run_cli(database_url, clock, "applicant", "erase", "1", "--yes")
    assert code == 0, output

    after = dump_all(app)
    assert NATIONAL not in digits_only(after)
    assert "strong infra background" not in after
    assert "billing pipeline" not in after
    assert "debrief" not in after  # the cut copy too
    assert "ayesha.khan@example.com" not in after
    assert NAME.lower() not in after
    assert "bilal ahmed" in after
    assert "compare with #1: [erased]" in after  # the rest of his note stays
    assert "[erased] wrote to us too" in after
    with app.uow() as uow:
        runs = uow.session.scalars(select(FlowRun)).all()
        assert runs
        assert all(NATIONAL not in digits_only(str(r.data)) for r in runs)


def test_erasure_closes_open_interviews_feedback_and_reminders(
    app: Hirebot, database_url: str, clock: FrozenClock
) -> None:
    say(app, f"add senior-backend '{NAME}' email=ayesha@example.com")
    say(app, "move 1 screening")
    say(app, "schedule 1 2026-11-24 15:00 with=hina stage=screening duration=30m")
    clock.set(datetime(2026, 11, 24, 10, 30, tzinfo=UTC))  # it has ended
    app.tasks.run_due(clock.now())  # hina is asked for feedback
    with app.uow() as uow:
        request = uow.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.destination == "console:hina")
            .order_by(OutboxMessage.id.desc())
        ).first()
        assert request is not None
        start = next(
            a["value"] for a in request.payload["actions"] if a["label"] == "Start feedback"
        )
    click(app, "flow", start, who="hina")  # a feedback form half filled in
    say(app, "schedule 1 2026-11-26 15:00 with=lucas stage=screening duration=30m")
    assert pending_feedback(app, "hina") == [
        "Interview #1: Ayesha Khan, Screening, 24 Nov 2026 15:00 PKT"
    ]
    with app.uow() as uow:
        assert uow.session.scalars(
            select(ScheduledTask).where(ScheduledTask.status == "pending")
        ).all()

    code, output = run_cli(database_url, clock, "applicant", "erase", "1", "--yes")
    assert code == 0, output
    assert "open item(s) closed" in output

    with app.uow() as uow:
        interviews = {i.id: i for i in uow.session.scalars(select(Interview))}
        assert interviews[1].status == "scheduled"  # it took place
        assert interviews[2].status == "cancelled"  # it will not
        assert {p.feedback_status for p in uow.session.scalars(select(Panelist))} == {"cancelled"}
        pending = uow.session.scalars(
            select(ScheduledTask).where(ScheduledTask.status == "pending")
        ).all()
        assert not [t for t in pending if t.subject.startswith(("interview:", "panelist:"))]
        assert {r.status for r in uow.session.scalars(select(FlowRun))} == {"cancelled"}
        told = {
            m.destination: Reply.model_validate(m.payload)
            for m in uow.session.scalars(select(OutboxMessage))
            if str(m.payload.get("title", "")).startswith("Applicant #1: closed")
        }
    assert set(told) == {"console:hina", "console:lucas"}
    hina = told["console:hina"].plain_text()
    assert "Your feedback on interview #1" in hina
    assert "no longer needed" in hina
    assert 'Your conversation "Interview feedback" is closed' in hina
    assert "Interview #2" in told["console:lucas"].plain_text()
    for reply in told.values():
        assert "ayesha" not in reply.plain_text().lower()
    # later, nothing more is asked about her
    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    with app.uow() as uow:
        before = len(uow.session.scalars(select(OutboxMessage)).all())
    app.tasks.run_due(clock.now())
    with app.uow() as uow:
        after = uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert not [m for m in after[before:] if "#1" in str(m.payload)]
    assert pending_feedback(app, "hina") == []  # nobody owes feedback on "Erased applicant #1"


def test_an_erased_applicant_is_no_longer_nudged_about_or_listed_as_stuck(
    app: Hirebot, database_url: str, clock: FrozenClock
) -> None:
    say(app, f"add senior-backend '{NAME}' email=ayesha@example.com")
    say(app, "add senior-backend 'Bilal Ahmed' email=bilal@example.com")
    say(app, "move 1 screening")
    say(app, "move 2 screening")
    code, output = run_cli(database_url, clock, "applicant", "erase", "1", "--yes")
    assert code == 0, output
    with app.uow() as uow:
        erased = uow.applicants.get(1)
        assert erased is not None
        assert erased.stage == "screening"  # funnel statistics stay true
    # a week later both are past the stage's limit; only the one who can still be hired is listed
    for at in ("2026-11-23T09:00+00:00", "2026-11-30T10:00+05:00"):  # plan, then the 09:30 nudge
        code, output = run_cli(database_url, clock, "jobs", "run-due", "--at", at)
        assert code == 0, output
    with app.uow() as uow:
        rows = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.destination == "console:sana")
        ).all()
    [nudge] = [
        Reply.model_validate(m.payload) for m in rows if "stuck" in str(m.payload.get("title"))
    ]
    assert nudge.title == "1 applicant stuck in Senior Backend Engineer"
    assert "Bilal Ahmed" in nudge.plain_text()
    assert "Erased applicant" not in nudge.plain_text()
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    stuck = "\n".join(r.plain_text() for r in say(app, "digest stuck").replies)
    assert "Bilal Ahmed" in stuck
    assert "Erased applicant" not in stuck
