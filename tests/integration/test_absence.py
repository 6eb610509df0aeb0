"""`people off KEY until=DATE` on SQLite and PostgreSQL, through the console's dispatcher and
the task runner on one frozen clock: no prompts or digests while away, an away interviewer's
reminder moved to the rest of the panel or held until they are back, scheduling warned,
admins only, bad input refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.messages.reply import Reply
from storage.models import AuditEvent, ScheduledTask
from tests.helpers import inbox, only, say
from tests.integration.test_schedules import MONDAY, hire, variant, with_team

ADD = "add senior-backend 'Ayesha Khan' email=ayesha@example.com"
# Tuesday 24 Nov 2026, 15:00 in Karachi (UTC+5) = 10:00 UTC; one hour long.
STARTS = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=1)
# `until=2026-11-26` in Karachi ends at midnight there, 19:00 UTC the day before.
BACK = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)


def run_at(app: Hirebot, clock: FrozenClock, moment: datetime) -> None:
    clock.set(moment)
    app.tasks.run_due(moment)


def ready(app: Hirebot) -> None:
    say(app, ADD)
    say(app, "advance 1")
    say(app, "advance 1")


def schedule(app: Hirebot, panel: str) -> Reply:
    reply = only(say(app, f"schedule 1 2026-11-24 15:00 with={panel} duration=1h stage=interview"))
    assert reply.kind == "success", reply.text
    return reply


def titles(app: Hirebot, who: str) -> list[str]:
    return [r.title for r in inbox(app, who)]


def pending_due(app: Hirebot, kind: str) -> list[datetime]:
    """When each pending task of `kind` is due: where a held prompt now waits."""
    with app.uow() as uow:
        held = uow.session.scalars(
            select(ScheduledTask).where(
                ScheduledTask.kind == kind, ScheduledTask.status == "pending"
            )
        ).all()
        return [t.due_at for t in held]


def test_off_is_shown_audited_and_ended_early(app: Hirebot, clock: FrozenClock) -> None:
    off = only(say(app, "people off hina until=2026-12-24"))
    assert off.kind == "success", off.text
    assert "Hina Baig (hina) is away until 24 Dec 2026 (Asia/Karachi)" in off.text
    listing = only(say(app, "people")).plain_text()
    assert "hina — Hina Baig: interviewer · Asia/Karachi · away until 24 Dec 2026" in listing
    lucas = next(line for line in listing.splitlines() if line.startswith("lucas — "))
    assert "away" not in lucas
    assert "Away: until 24 Dec 2026" in only(say(app, "whoami", who="hina")).plain_text()

    back = only(say(app, "people off hina"))  # while away, `people off KEY` ends it
    assert back.kind == "success", back.text
    assert "Hina Baig (hina) is back" in back.text
    assert "Away:" not in only(say(app, "whoami", who="hina")).plain_text()
    assert "away until" not in only(say(app, "people")).plain_text()
    again = only(say(app, "people back hina"))
    assert again.kind == "error"
    assert "Hina Baig is not away; to set an absence: people off hina until=YYYY-MM-DD" in (
        again.text
    )
    with app.uow() as uow:
        events = [
            (e.kind, e.summary)
            for e in uow.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.kind.in_(("person.away", "person.back")))
                .order_by(AuditEvent.id)
            )
        ]
    assert events == [
        ("person.away", "Sana Mirza set Hina Baig (hina) away until 24 Dec 2026"),
        ("person.back", "Sana Mirza ended Hina Baig's (hina) absence"),
    ]


def test_until_is_the_end_of_that_date_in_the_persons_timezone(
    app: Hirebot, clock: FrozenClock
) -> None:
    # 23 Nov 09:00 UTC: 14:00 in Karachi, 10:00 in Berlin; "today" is allowed.
    assert only(say(app, "people off lucas until=2026-11-23")).kind == "success"
    with app.uow() as uow:
        lucas = uow.people.by_key("lucas")
        assert lucas is not None
        assert lucas.away_until == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # midnight CET
    clock.set(datetime(2026, 11, 23, 22, 59, tzinfo=UTC))
    assert "away until 23 Nov 2026" in only(say(app, "people")).plain_text()
    clock.set(datetime(2026, 11, 23, 23, 0, tzinfo=UTC))
    assert "away until" not in only(say(app, "people")).plain_text()  # over on its own


def test_bad_input_and_non_admins_are_refused_and_change_nothing(app: Hirebot) -> None:
    unknown = only(say(app, "people off hinaa until=2026-12-24"))
    assert unknown.kind == "error"
    assert "unknown person 'hinaa'" in unknown.text
    assert "did you mean 'hina'" in unknown.text
    bad = only(say(app, "people off hina until=24/12/2026"))
    assert "until= takes a date like 2026-12-24 (year-month-day), not '24/12/2026'" in bad.text
    impossible = only(say(app, "people off hina until=2026-02-30"))
    assert "until= takes a date like 2026-12-24" in impossible.text
    past = only(say(app, "people off hina until=2026-11-22"))
    assert past.kind == "error"
    assert "2026-11-22 has passed (Asia/Karachi is on 2026-11-23)" in past.text
    stray = only(say(app, "people off hina from=2026-12-01 until=2026-12-24"))
    assert "'from' is not an option here (options: until)" in stray.text
    whom = only(say(app, "people off until=2026-12-24"))
    assert "whom?" in whom.text
    refused = only(say(app, "people off hina until=2026-12-24", who="lucas"))
    assert refused.kind == "error"
    assert "you need permission to administer hirebot" in refused.text
    refused_back = only(say(app, "people back hina", who="omar"))
    assert "you need permission to administer hirebot" in refused_back.text
    assert "away until" not in only(say(app, "people")).plain_text()
    with app.uow() as uow:
        assert all(p.away_until is None for p in uow.people.all())


def test_an_away_interviewers_reminder_goes_to_the_rest_of_the_panel(
    app: Hirebot, clock: FrozenClock
) -> None:
    ready(app)
    assert only(say(app, "people off hina until=2026-11-26")).kind == "success"
    booked = schedule(app, "hina,lucas")
    assert "⚠ Hina Baig is away until 26 Nov 2026" in booked.plain_text()
    before = len(inbox(app, "hina"))
    run_at(app, clock, STARTS - timedelta(minutes=30))  # prep: Lucas only
    assert any(t.startswith("Prep:") for t in titles(app, "lucas"))
    run_at(app, clock, ENDS)  # the feedback request: Lucas only
    run_at(app, clock, ENDS + timedelta(hours=24))  # 12:00 CET, 16:00 PKT: both reminders
    assert len(inbox(app, "hina")) == before  # no prompt of any kind while away
    moved = [
        r
        for r in inbox(app, "lucas")
        if r.title == "Reminder: feedback on interview #1 with Ayesha Khan"
    ]
    assert len(moved) == 1
    assert moved[0].text.startswith(
        "Hina Baig is away until 26 Nov 2026 and has not given feedback on the interview"
    )
    with app.uow() as uow:
        tasks = uow.session.scalars(
            select(ScheduledTask).where(ScheduledTask.kind == "feedback.reminder")
        ).all()
        assert sorted(t.result or "" for t in tasks) == [
            "hina away: reminder sent to 1 of the panel",
            "reminded about 1",
        ]


def test_with_nobody_else_on_the_panel_the_reminder_waits_until_they_are_back(
    app: Hirebot, clock: FrozenClock
) -> None:
    ready(app)
    assert only(say(app, "people off hina until=2026-11-26")).kind == "success"
    schedule(app, "hina")
    run_at(app, clock, ENDS)
    run_at(app, clock, ENDS + timedelta(hours=24))
    assert not any(t.startswith(("Reminder", "Feedback for", "Prep")) for t in titles(app, "hina"))
    assert pending_due(app, "feedback.reminder") == [BACK]
    run_at(app, clock, BACK - timedelta(minutes=1))
    assert not any(t.startswith("Reminder") for t in titles(app, "hina"))
    run_at(app, clock, BACK)  # back at midnight in Karachi: waits for her working hours
    run_at(app, clock, datetime(2026, 11, 27, 4, 0, tzinfo=UTC))  # 09:00 PKT
    assert titles(app, "hina").count("Reminder: you owe feedback for 1 interview") == 1


def test_an_away_hiring_managers_escalation_waits_until_they_are_back(
    app: Hirebot, clock: FrozenClock
) -> None:
    ready(app)
    # Omar (Karachi) is away through 27 Nov: back at 19:00 UTC on the 27th.
    assert only(say(app, "people off omar until=2026-11-27")).kind == "success"
    schedule(app, "hina")
    run_at(app, clock, ENDS)
    run_at(app, clock, ENDS + timedelta(hours=24))  # Hina is reminded
    run_at(app, clock, ENDS + timedelta(hours=48))  # the escalation falls due while he is away
    assert not any(t.startswith("Feedback overdue") for t in titles(app, "omar"))
    omar_back = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
    assert pending_due(app, "feedback.escalation") == [omar_back]
    run_at(app, clock, omar_back)  # midnight in Karachi: then his working hours
    run_at(app, clock, datetime(2026, 11, 28, 4, 0, tzinfo=UTC))  # Saturday: not his hours
    assert not any(t.startswith("Feedback overdue") for t in titles(app, "omar"))
    run_at(app, clock, datetime(2026, 11, 30, 4, 0, tzinfo=UTC))  # Monday, 09:00 PKT
    assert titles(app, "omar").count("Feedback overdue: 1") == 1


def test_digests_pause_while_away_and_resume_after(app: Hirebot, clock: FrozenClock) -> None:
    def digests() -> list[Reply]:
        return [r for r in inbox(app, "sana") if r.title.startswith("Hiring digest")]

    run_at(app, clock, clock.now())  # plans Sana's daily digest, 09:00 PKT
    say(app, ADD)
    assert only(say(app, "people off sana until=2026-11-24")).kind == "success"
    run_at(app, clock, datetime(2026, 11, 24, 4, 0, tzinfo=UTC))
    assert digests() == []
    with app.uow() as uow:
        skipped = uow.session.scalars(
            select(ScheduledTask).where(
                ScheduledTask.kind == "digest", ScheduledTask.subject == "person:sana"
            )
        ).all()
        assert "skipped: away" in [t.result for t in skipped]
    clock.advance(timedelta(hours=3))
    say(app, "add senior-backend 'Bilal Ahmed' email=bilal@example.com")
    run_at(app, clock, datetime(2026, 11, 25, 4, 0, tzinfo=UTC))  # back: the next one is sent
    assert len(digests()) == 1


def test_the_schedule_command_and_the_guided_flow_warn_about_an_absence(
    app: Hirebot, clock: FrozenClock
) -> None:
    ready(app)
    assert only(say(app, "people off lucas until=2026-11-24")).kind == "success"
    later = only(say(app, "schedule 1 2026-11-25 15:00 with=lucas duration=1h stage=interview"))
    assert later.kind == "success"
    assert "⚠" not in later.plain_text()
    say(app, "schedule 1")
    say(app, "2026-11-24")
    say(app, "15:00")
    say(app, "lucas,")
    say(app, "1h")
    confirm = only(say(app, "skip"))
    assert "⚠ Lucas Meyer is away until 24 Nov 2026" in confirm.lines


@pytest.fixture
def team(database_url: str, shipped_config: HirebotConfig, clock: FrozenClock) -> Iterator[Hirebot]:
    """The shipped team and Zara, a hire who can be checked in with."""
    hirebot = bootstrap(
        config=variant(shipped_config, with_team),
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate({}),
    )
    yield hirebot
    hirebot.close()


def results(app: Hirebot, kind: str) -> list[str]:
    with app.uow() as uow:
        return [
            t.result or ""
            for t in uow.session.scalars(
                select(ScheduledTask).where(ScheduledTask.kind == kind).order_by(ScheduledTask.id)
            )
        ]


def test_a_weekly_check_in_is_skipped_while_the_hire_is_away(
    team: Hirebot, clock: FrozenClock
) -> None:
    hire(team)
    assert only(say(team, "checkin start 1 as=zara")).kind == "success"
    assert only(say(team, "people off zara until=2026-11-28")).kind == "success"
    run_at(team, clock, MONDAY)
    run_at(team, clock, datetime(2026, 11, 27, 11, 0, tzinfo=UTC))  # Friday 16:00 Karachi
    assert "Check-in" not in titles(team, "zara")
    assert "skipped: away" in results(team, "checkin")
    run_at(team, clock, datetime(2026, 12, 4, 11, 0, tzinfo=UTC))  # back: the next Friday's
    assert titles(team, "zara")[-1] == "Check-in"


def test_a_stale_nudge_for_an_away_recruiter_is_skipped(app: Hirebot, clock: FrozenClock) -> None:
    say(app, "add senior-backend A email=a@example.com")
    say(app, "add senior-backend B email=b@example.com")
    run_at(app, clock, MONDAY)
    assert only(say(app, "people off sana until=2026-11-27")).kind == "success"
    run_at(app, clock, datetime(2026, 11, 27, 4, 30, tzinfo=UTC))  # Fri 09:30 Karachi
    assert not any("stuck" in t for t in titles(app, "sana"))
    assert "skipped: the recruiter is away" in results(app, "stale_nudge")
