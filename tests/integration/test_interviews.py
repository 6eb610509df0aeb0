"""Interviews and feedback end to end through the dispatcher and the task runner, with a
controllable clock, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.messages.reply import Reply
from storage.models import Feedback, FlowRun, OutboxMessage, Panelist, ScheduledTask
from tests.helpers import click, inbox, only, say

ADD = "add senior-backend 'Ayesha Khan' email=ayesha@example.com resume=https://example.com/cv"
# Tuesday 24 Nov 2026, 15:00 in Karachi (UTC+5) = 10:00 UTC; one hour long.
SCHEDULE = "schedule 1 2026-11-24 15:00 with=hina,lucas duration=1h stage=interview at=https://meet.example/abc"
STARTS = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=1)


def tap(app: Hirebot, who: str, reply: Reply, label: str) -> Reply:
    value = next(a.value for a in reply.actions if a.label == label)
    outcome = click(app, "flow", value, who=who)
    return outcome.replies[-1]


def run_at(app: Hirebot, clock: FrozenClock, moment: datetime) -> None:
    clock.set(moment)
    app.tasks.run_due(moment)


@pytest.fixture
def scheduled(app: Hirebot) -> Hirebot:
    say(app, ADD)
    say(app, "advance 1")
    say(app, "advance 1")
    reply = only(say(app, SCHEDULE))
    assert reply.kind == "success", reply.text
    return app


def answer_everything(app: Hirebot, who: str, first: Reply) -> Reply:
    """Start, rate every competency 3 with a comment on the first, Yes, strengths, concerns."""
    prompt = tap(app, who, first, "Start feedback")
    comments = 0
    while prompt.text and "(" in prompt.text and " of " in prompt.text:
        prompt = only(say(app, "3", who=who))
        prompt = only(say(app, "skip" if comments else "solid answers on indexing", who=who))
        comments += 1
    assert prompt.text == "Your overall recommendation?"
    prompt = tap(app, who, prompt, "Yes")
    prompt = only(say(app, "clear communicator", who=who))
    return only(say(app, "skip", who=who))


def test_scheduling_shows_each_interviewer_their_own_time(scheduled: Hirebot) -> None:
    app = scheduled
    with app.uow() as uow:
        interview = uow.interviews.get(1)
        assert interview is not None
        assert interview.starts_at == STARTS
        tasks = uow.session.scalars(select(ScheduledTask).order_by(ScheduledTask.due_at)).all()
    assert [(t.kind, t.due_at) for t in tasks] == [
        ("interview.prep", STARTS - timedelta(minutes=30)),
        ("interview.feedback_request", ENDS),
    ]
    notice = inbox(app, "lucas")[-1]
    assert "Interview #1: Ayesha Khan" in notice.title
    assert any(f.value == "24 Nov 2026 11:00 CET" for f in notice.fields)
    assert any(f.value == "24 Nov 2026 15:00 PKT" for f in inbox(app, "hina")[-1].fields)


def test_double_booking_is_warned(scheduled: Hirebot) -> None:
    say(scheduled, "add senior-backend Bilal email=bilal@example.com")
    reply = only(say(scheduled, "schedule 2 2026-11-24 15:30 with=hina duration=45m"))
    assert reply.kind == "success"
    assert any("Hina Baig is already on interview #1" in line for line in reply.lines)


@pytest.mark.parametrize(
    ("command", "error"),
    [
        ("schedule 1 2026-13-01 10:00 with=hina", "is not a date"),
        ("schedule 1 2026-11-30 25:00 with=hina", "is not a time"),
        (
            "schedule 1 2027-03-28 02:30 with=hina tz=Europe/Berlin",
            "does not exist in Europe/Berlin",
        ),
        ("schedule 1 2026-11-01 10:00 with=hina", "that time has passed"),
        (
            "schedule 1 2026-11-30 10:00 with=hnia",
            "unknown interviewer 'hnia' — did you mean 'hina'",
        ),
        ("schedule 1 2026-11-30 10:00 with=hina duration=9h", "an interview lasts"),
        ("schedule 1 2026-11-30 10:00", "who interviews?"),
        ("schedule 99 2026-11-30 10:00 with=hina", "no applicant #99"),
    ],
)
def test_bad_schedules_are_explained(app: Hirebot, command: str, error: str) -> None:
    say(app, ADD)
    reply = only(say(app, command))
    assert reply.kind == "error"
    assert error in reply.text
    with app.uow() as uow:
        assert uow.interviews.for_applicant(1) == []


def test_prep_message_carries_the_stage_scorecard_and_questions(
    scheduled: Hirebot, clock: FrozenClock
) -> None:
    run_at(scheduled, clock, STARTS - timedelta(minutes=30))
    prep = inbox(scheduled, "hina")[-1]
    assert prep.title == "Prep: interview with Ayesha Khan"
    assert any(line.startswith("Rate: API design") for line in prep.lines)
    assert "Ask: Can you explain the difference between RESTful and GraphQL APIs?" in prep.lines
    assert not any("Version control" in line for line in prep.lines)  # not rated at this stage
    assert all("ayesha@example.com" not in f.value for f in prep.fields)


def test_full_feedback_flow_with_an_edit_then_summary_and_panel(
    scheduled: Hirebot, clock: FrozenClock
) -> None:
    app = scheduled
    run_at(app, clock, ENDS)
    first = inbox(app, "hina")[-1]
    assert first.title == "Feedback, please"
    review = answer_everything(app, "hina", first)
    assert review.text == "Review your feedback, then submit."
    assert "Recommendation: Yes" in review.lines
    # change the recommendation on the review screen
    prompt = tap(app, "hina", review, "Change recommendation")
    review = tap(app, "hina", prompt, "Strong yes")
    assert "Recommendation: Strong yes" in review.lines
    # independence: lucas has not submitted, so he sees no feedback
    hidden = only(say(app, "panel 1", who="lucas"))
    assert "once you have submitted yours" in hidden.text
    done = tap(app, "hina", review, "Submit")
    assert done.text.startswith("Thanks, your feedback for #1 is in")
    with app.uow() as uow:
        stored = uow.session.scalars(select(Feedback)).one()
        assert stored.recommendation == "strong_yes"
        assert stored.ratings["programming"]["comment"] == "solid answers on indexing"
        assert stored.strengths == "clear communicator"
        panelist = uow.session.scalars(
            select(Panelist).where(Panelist.person_id == stored.person_id)
        ).one()
        assert panelist.feedback_status == "submitted"
    summary = inbox(app, "omar")[-1]
    assert summary.title == "Feedback: Hina Baig on Ayesha Khan (Interview)"
    assert any(f.value == "Strong yes" for f in summary.fields)
    assert inbox(app, "sana")[-1].title == summary.title
    with app.uow() as uow:
        thread = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.thread_card_key == "applicant:1")
        ).all()
    assert thread[-1].payload["text"] == "Feedback in from Hina Baig (Interview): 1 of 2"
    assert "Strong yes" not in str(thread[-1].payload)  # no verdicts in the shared thread
    panel = say(app, "panel 1", who="omar").replies
    assert "Recommendations: Strong yes ×1" in panel[0].lines
    assert "Outstanding: Lucas Meyer (#1)" in panel[0].lines
    assert any(line.startswith("Not rated by anyone yet: ") for line in panel[0].lines)
    shown = only(say(app, "show 1", who="omar"))
    assert "Panel · Programming languages: 3.0 / 4" in shown.lines
    # a double click on Submit changes nothing
    again = tap(app, "hina", review, "Submit")
    assert "already" in again.text
    with app.uow() as uow:
        assert len(uow.session.scalars(select(Feedback)).all()) == 1


def test_restart_mid_feedback_resumes_at_the_same_step(
    scheduled: Hirebot, clock: FrozenClock, database_url: str, shipped_config: HirebotConfig
) -> None:
    run_at(scheduled, clock, ENDS)
    prompt = tap(scheduled, "hina", inbox(scheduled, "hina")[-1], "Start feedback")
    assert prompt.text.startswith("Programming languages (1 of")
    say(scheduled, "4", who="hina")
    scheduled.close()
    again = bootstrap(
        config=shipped_config,
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate({}),
    )
    try:
        nxt = only(say(again, "skip", who="hina"))
        assert nxt.text.startswith("Database management (2 of")
        with again.uow() as uow:
            run = uow.session.scalars(
                select(FlowRun).where(FlowRun.flow == "feedback").order_by(FlowRun.id)
            ).first()
            assert run is not None
            assert run.data["ratings"] == {"programming": "4"}
    finally:
        again.close()


def test_bad_answers_are_asked_again_keeping_the_rest(
    scheduled: Hirebot, clock: FrozenClock
) -> None:
    run_at(scheduled, clock, ENDS)
    tap(scheduled, "hina", inbox(scheduled, "hina")[-1], "Start feedback")
    say(scheduled, "2", who="hina")
    say(scheduled, "skip", who="hina")
    wrong = say(scheduled, "7", who="hina").replies
    assert wrong[0].kind == "error"
    assert "rate 1 (poor) to 4 (excellent)" in wrong[0].text
    assert wrong[1].text.startswith("Database management")
    long_comment = "x" * 5_000
    say(scheduled, "3", who="hina")
    say(scheduled, long_comment, who="hina")
    with scheduled.uow() as uow:
        run = uow.session.scalars(
            select(FlowRun).where(FlowRun.flow == "feedback").order_by(FlowRun.id)
        ).first()
        assert run is not None
        assert run.data["ratings"] == {"programming": "2", "databases": "3"}
        assert run.data["comments"]["databases"] == long_comment


def test_two_open_flows_are_kept_apart(scheduled: Hirebot, clock: FrozenClock) -> None:
    app = scheduled
    say(app, "add senior-backend Bilal email=bilal@example.com")
    only(say(app, "schedule 2 2026-11-24 17:00 with=hina duration=30m stage=interview"))
    run_at(app, clock, ENDS)
    first = inbox(app, "hina")[-1]
    run_at(app, clock, datetime(2026, 11, 24, 12, 30, tzinfo=UTC))
    second = inbox(app, "hina")[-1]
    assert "Bilal" in only(say(app, "feedback", who="hina")).lines[1]
    # free text goes to the most recent prompt; a button reaches the older flow unambiguously
    tap(app, "hina", second, "Start feedback")
    older = tap(app, "hina", first, "Start feedback")
    assert older.text.startswith("Programming languages (1 of")
    with app.uow() as uow:
        hina = uow.people.by_key("hina")
        assert hina is not None
        runs = uow.session.scalars(
            select(FlowRun)
            .where(FlowRun.flow == "feedback", FlowRun.person_id == hina.id)
            .order_by(FlowRun.id)
        ).all()
        assert [r.state for r in runs] == ["rate:0", "rate:0"]
        assert runs[0].subject == "interview:1"
        assert runs[1].subject == "interview:2"


def test_reminders_batch_respect_working_hours_and_stop_when_done(
    scheduled: Hirebot, clock: FrozenClock
) -> None:
    app = scheduled
    say(app, "add senior-backend Bilal email=bilal@example.com")
    # ends 19:00 Karachi time, so its reminder 24 h later falls outside Hina's working hours
    only(say(app, "schedule 2 2026-11-24 18:00 with=hina duration=1h"))
    run_at(app, clock, ENDS)
    run_at(app, clock, datetime(2026, 11, 24, 14, 0, tzinfo=UTC))  # the second one ends
    before = len(inbox(app, "hina"))
    run_at(app, clock, ENDS + timedelta(hours=24))  # 16:00 in Karachi: working hours
    reminder = inbox(app, "hina")[before]
    assert reminder.title == "Reminder: you owe feedback for 2 interviews"
    assert len(reminder.lines) == 2
    assert len(inbox(app, "hina")) == before + 1  # one message, not one per interview
    # the second interview's own reminder, due at 19:00 Karachi, is already covered
    run_at(app, clock, datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    assert len(inbox(app, "hina")) == before + 1
    # lucas submits nothing either; he is in Berlin: 11:00 UTC is 12:00 there, so he was reminded
    assert inbox(app, "lucas")[-1].title.startswith("Reminder: you owe feedback for 1")
    # escalation to the hiring manager after 48 h, batched
    run_at(app, clock, ENDS + timedelta(hours=48))
    escalation = inbox(app, "omar")[-1]
    assert escalation.title.startswith("Feedback overdue")
    assert any("Hina Baig: interview #1" in line for line in escalation.lines)
    assert any("Lucas Meyer: interview #1" in line for line in escalation.lines)


def test_the_feedback_command_and_the_reminder_list_what_is_owed_alike(
    scheduled: Hirebot, clock: FrozenClock
) -> None:
    """One list of the feedback a person owes: `feedback`, the home page and the reminder show
    the same lines and buttons (the reminder adds its snooze and didn't-attend buttons)."""
    app = scheduled
    say(app, "add senior-backend 'Bilal <b>Raza</b>' email=bilal@example.com")
    only(say(app, "schedule 2 2026-11-24 17:00 with=hina duration=30m stage=interview"))
    run_at(app, clock, ENDS)
    run_at(app, clock, datetime(2026, 11, 24, 12, 30, tzinfo=UTC))  # the second one ends
    before = len(inbox(app, "hina"))
    run_at(app, clock, ENDS + timedelta(hours=24))  # 16:00 in Karachi: working hours
    reminder = inbox(app, "hina")[before]
    asked = only(say(app, "feedback", who="hina"))
    assert asked.title == "You owe feedback for 2 interviews"
    assert reminder.title == "Reminder: you owe feedback for 2 interviews"
    assert (
        asked.lines
        == reminder.lines
        == [
            "Interview #1: Ayesha Khan, Interview, 24 Nov 2026 15:00 PKT",
            "Interview #2: Bilal <b>Raza</b>, Interview, 24 Nov 2026 17:00 PKT",
        ]
    )
    labels = [a.label for a in reminder.actions]
    assert (
        [a.label for a in asked.actions] == labels[:2] == ["Give feedback #1", "Give feedback #2"]
    )
    assert labels[2:] == ["Snooze a day", "I didn't attend"]
    home = say(app, "home", who="hina").replies[1]
    assert (home.title, home.lines) == ("My pending feedback", asked.lines)


def test_reminder_outside_working_hours_waits_for_the_morning(
    app: Hirebot, clock: FrozenClock
) -> None:
    say(app, ADD)
    only(say(app, "schedule 1 2026-11-24 17:30 with=hina duration=1h"))  # ends 18:30 Karachi
    end = datetime(2026, 11, 24, 13, 30, tzinfo=UTC)
    run_at(app, clock, end)
    before = len(inbox(app, "hina"))
    run_at(app, clock, end + timedelta(hours=24))
    assert len(inbox(app, "hina")) == before
    with app.uow() as uow:
        deferred = uow.session.scalars(
            select(ScheduledTask).where(
                ScheduledTask.kind == "feedback.reminder", ScheduledTask.status == "pending"
            )
        ).one()
    assert deferred.due_at == datetime(2026, 11, 26, 4, 0, tzinfo=UTC)  # 09:00 Karachi
    run_at(app, clock, deferred.due_at)
    assert inbox(app, "hina")[-1].title.startswith("Reminder")


def test_submitting_stops_the_chasing(scheduled: Hirebot, clock: FrozenClock) -> None:
    app = scheduled
    run_at(app, clock, ENDS)
    review = answer_everything(app, "hina", inbox(app, "hina")[-1])
    tap(app, "hina", review, "Submit")
    before = len(inbox(app, "hina"))
    run_at(app, clock, ENDS + timedelta(hours=49))
    assert len(inbox(app, "hina")) == before
    assert not any("Hina" in line for line in inbox(app, "omar")[-1].lines)


def test_didnt_attend_and_snooze(scheduled: Hirebot, clock: FrozenClock) -> None:
    app = scheduled
    run_at(app, clock, ENDS)
    absent = tap(app, "lucas", inbox(app, "lucas")[-1], "I didn't attend")
    assert "did not attend interview #1" in absent.text
    assert "Lucas Meyer says they did not attend" in inbox(app, "sana")[-1].text
    snoozed = tap(app, "hina", inbox(app, "hina")[-1], "Snooze a day")
    assert snoozed.text.startswith("Snoozed until 25 Nov 2026 16:00 PKT")
    before = len(inbox(app, "hina"))
    run_at(app, clock, ENDS + timedelta(hours=23))
    assert len(inbox(app, "hina")) == before
    run_at(app, clock, ENDS + timedelta(hours=24, minutes=1))
    assert inbox(app, "hina")[-1].title.startswith("Reminder")
    resumed = only(say(app, "feedback 1", who="hina"))
    assert resumed.title == "Feedback, please"


def test_cancelling_mid_flow_closes_it_and_says_so(scheduled: Hirebot, clock: FrozenClock) -> None:
    app = scheduled
    run_at(app, clock, ENDS)
    tap(app, "hina", inbox(app, "hina")[-1], "Start feedback")
    assert only(say(app, "cancel-interview 1 candidate withdrew")).kind == "success"
    closed = inbox(app, "hina")
    assert any("the interview was cancelled" in r.text.lower() for r in closed[-3:])
    with app.uow() as uow:
        runs = uow.session.scalars(select(FlowRun).where(FlowRun.flow == "feedback")).all()
        assert {r.status for r in runs} == {"cancelled"}
        pending = uow.session.scalars(
            select(ScheduledTask).where(ScheduledTask.status == "pending")
        ).all()
        # recurring digests and nudges stay; nothing about this interview does
        assert [t for t in pending if t.subject.startswith(("interview:", "panelist:"))] == []
    # text hina types now is a command again, not an answer
    assert only(say(app, "whoami", who="hina")).title == "Hina Baig"


def test_feedback_on_someone_elses_interview_is_refused(
    scheduled: Hirebot, clock: FrozenClock
) -> None:
    early = only(say(scheduled, "feedback 1", who="hina"))
    assert "interview #1 has not started yet" in early.text
    clock.set(ENDS)
    refused = only(say(scheduled, "feedback 1", who="omar"))
    assert "you are not on the panel of interview #1" in refused.text


def test_reschedule_moves_the_tasks(scheduled: Hirebot) -> None:
    reply = only(say(scheduled, "reschedule 1 2026-11-26 12:00 duration=45m"))
    assert reply.kind == "success"
    with scheduled.uow() as uow:
        pending = uow.session.scalars(
            select(ScheduledTask)
            .where(ScheduledTask.status == "pending")
            .order_by(ScheduledTask.due_at)
        ).all()
    assert [t.due_at for t in pending] == [
        datetime(2026, 11, 26, 6, 30, tzinfo=UTC),
        datetime(2026, 11, 26, 7, 45, tzinfo=UTC),
    ]
    assert "moved" in inbox(scheduled, "hina")[-1].title


def thread_lines(app: Hirebot) -> list[str]:
    with app.uow() as uow:
        rows = uow.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.thread_card_key == "applicant:1")
            .order_by(OutboxMessage.id)
        ).all()
    return [str(r.payload["text"]) for r in rows]


def test_an_interview_without_a_stage_is_for_the_next_interview_stage(app: Hirebot) -> None:
    say(app, ADD)  # in Applied, where nobody is interviewed
    assert only(say(app, "schedule 1 2026-11-24 15:00 with=hina")).kind == "success"
    say(app, "advance 1")
    say(app, "advance 1")  # Technical assessment: interviews are held here
    assert only(say(app, "schedule 1 2026-11-25 15:00 with=lucas")).kind == "success"
    with app.uow() as uow:
        assert [i.stage for i in uow.interviews.for_applicant(1)] == [
            "screening",
            "technical_assessment",
        ]
    lines = thread_lines(app)
    assert "Screening interview scheduled with Hina Baig" in lines
    assert "Technical assessment interview scheduled with Lucas Meyer" in lines
    assert not any(line.startswith("Applied interview") for line in lines)
    # lists show the stage's label, as every other reply does
    listed = only(say(app, "interviews 1")).lines
    assert any(" · Technical assessment · Lucas Meyer" in line for line in listed), listed
    assert not any("technical_assessment" in line for line in listed)


def test_the_feedback_request_names_the_interview_once(
    scheduled: Hirebot, clock: FrozenClock
) -> None:
    run_at(scheduled, clock, ENDS)
    request = inbox(scheduled, "hina")[-1]
    assert request.text.startswith(
        "How did the interview with Ayesha Khan (Senior Backend Engineer, #1, "
    ), request.text
    owed = only(say(scheduled, "feedback", who="hina"))
    assert owed.lines[0].startswith("Interview #1: Ayesha Khan, Interview, ")


def test_a_digest_shows_stage_labels_and_says_tap_only_with_buttons(
    app: Hirebot, clock: FrozenClock
) -> None:
    say(app, ADD)
    say(app, "advance 1")
    say(app, "advance 1")
    say(app, "schedule 1 2026-11-25 15:00 with=lucas")
    digest = only(say(app, "digest"))
    assert digest.title == "Hiring digest for Sana Mirza"
    assert any(line.endswith("· Ayesha Khan · Technical assessment") for line in digest.lines)
    assert digest.actions == []
    assert "Tap to decide" not in digest.footer  # nothing here has a button

    run_at(app, clock, datetime(2026, 11, 25, 11, 0, tzinfo=UTC))  # the interview has ended
    answer_everything(app, "lucas", inbox(app, "lucas")[-1])
    prompt = inbox(app, "lucas")[-1]
    tap(app, "lucas", prompt, "Submit")
    decided = only(say(app, "digest"))
    assert decided.actions  # Advance / Reject for the applicant whose feedback is in
    assert decided.footer.startswith("Tap to decide")
