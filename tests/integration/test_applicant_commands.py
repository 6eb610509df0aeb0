"""The shared command set through the dispatcher, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.bootstrap import Hirebot
from bot.handlers.forms import ADD_APPLICANT
from storage.models import Applicant, AuditEvent, Note, OutboxMessage, StageMove
from tests.helpers import click, only, say, text_of

ADD = (
    'add senior-backend "Ayesha Khan" email=ayesha@example.com phone=03001234567 '
    "source=referral skills=python,postgres"
)


def count(app: Hirebot, model: type) -> int:
    with app.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def test_add_move_note_history(app: Hirebot) -> None:
    added = only(say(app, ADD))
    assert added.kind == "success"
    assert "Added #1 Ayesha Khan to Senior Backend Engineer (Applied)" in added.text

    assert only(say(app, "move 1 screening phone screen booked")).kind == "success"
    assert only(say(app, "advance #1")).kind == "success"
    assert "9 characters" in only(say(app, "note 1 solid SQL")).text

    with app.uow() as uow:
        applicant = uow.applicants.get(1)
        assert applicant is not None
        assert applicant.stage == "technical_assessment"
        moves = uow.moves.for_applicant(1)
        assert [(m.from_stage, m.to_stage) for m in moves] == [
            (None, "applied"),
            ("applied", "screening"),
            ("screening", "technical_assessment"),
        ]
        assert moves[1].reason == "phone screen booked"
        assert moves[1].actor_id is not None

    history = only(say(app, "history 1"))
    joined = "\n".join(history.lines)
    assert "Sana Mirza moved Ayesha Khan from Applied to Screening: phone screen booked" in joined
    assert "Sana Mirza noted: solid SQL" in joined
    assert "ayesha@example.com" not in joined  # the add command is redacted in the timeline


def test_the_same_email_twice_is_one_applicant(app: Hirebot) -> None:
    say(app, ADD)
    again = only(say(app, "add senior-backend Ayesha K email=AYESHA@Example.com"))
    assert "already applied for Senior Backend Engineer" in again.text
    assert "#1" in again.text
    assert count(app, Applicant) == 1
    # the same email may apply to a different role
    assert only(say(app, "add backend-contract Ayesha email=ayesha@example.com")).kind == "success"


def test_invalid_moves_name_the_allowed_stages(app: Hirebot) -> None:
    say(app, ADD)
    reply = only(say(app, "move 1 offer"))
    assert reply.kind == "error"
    assert "allowed next stages: screening, rejected, withdrawn" in reply.text
    typo = only(say(app, "move 1 intervew"))
    assert "did you mean 'interview'" in typo.text
    assert count(app, StageMove) == 1


def test_reject_needs_a_reason_and_closes(app: Hirebot) -> None:
    say(app, ADD)
    assert "say why" in only(say(app, "reject 1")).text
    assert only(say(app, "reject 1 no Go experience")).kind == "success"
    assert "cannot move any further" in only(say(app, "advance 1")).text
    assert only(say(app, "list")).lines == ["nobody here yet"]
    assert "#1 Ayesha Khan" in only(say(app, "list closed")).lines[0]


def test_withdraw_without_reason(app: Hirebot) -> None:
    say(app, ADD)
    assert "Applied → Withdrawn" in only(say(app, "withdraw 1")).text


def test_wrong_ids_and_unknown_things_get_clear_errors(app: Hirebot) -> None:
    assert only(say(app, "show 999")).text == "no applicant #999"
    assert "not an applicant id" in only(say(app, "show abc")).text
    assert (
        "unknown role 'senior-backnd' — did you mean 'senior-backend'"
        in only(say(app, "add senior-backnd Bob")).text
    )
    assert "unknown command 'lst' — did you mean 'ls'" in only(say(app, "lst")).text or (
        "did you mean 'list'" in only(say(app, "lst")).text
    )
    assert "not a valid email" in only(say(app, "add senior-backend Bob email=bob@")).text
    assert count(app, Applicant) == 0


def test_failed_commands_are_audited_and_write_nothing_else(app: Hirebot) -> None:
    say(app, "add senior-backend Bob email=nope")
    with app.uow() as uow:
        events = uow.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.direction, e.kind) for e in events] == [("in", "command"), ("out", "message")]
    assert events[0].summary.endswith("[refused]")
    assert count(app, Applicant) == 0


def test_markup_and_mentions_are_stored_and_returned_literally(app: Hirebot) -> None:
    name = "<!channel> *Bob* <@U123> <b>x</b> Robert'); DROP TABLE applicants;--"
    say(app, f"add senior-backend {name!r}".replace("'<", '"<').replace("--'", '--"'))
    with app.uow() as uow:
        applicant = uow.applicants.get(1)
    assert applicant is not None
    assert applicant.name == name
    assert only(say(app, "show 1")).title == f"#1 {name}"


def test_a_ten_thousand_character_note_is_kept_whole(app: Hirebot) -> None:
    say(app, ADD)
    note = "n" * 10_000
    assert "10,000 characters" in only(say(app, f"note 1 {note}")).text
    with app.uow() as uow:
        stored = uow.session.scalars(select(Note)).one()
    assert stored.text == note
    shown = only(say(app, "show 1"))
    assert any("+9,700 more characters; notes 1" in line for line in shown.lines)
    assert only(say(app, "notes 1")).text == note
    refused = only(say(app, f"note 1 {'n' * 10_001}"))
    assert "the limit is 10,000" in refused.text
    assert count(app, Note) == 1


def test_interviewers_cannot_move_or_see_contact_details(app: Hirebot) -> None:
    say(app, ADD)
    refused = only(say(app, "move 1 screening", who="hina"))
    assert refused.kind == "error"
    assert "you need permission to move, reject or withdraw applicants" in refused.text
    shown = only(say(app, "show 1", who="hina"))
    assert all(not f.private for f in shown.fields)
    assert "ayesha@example.com" not in shown.plain_text()
    assert shown.actions == []
    full = only(say(app, "show 1", who="omar"))
    assert {f.label for f in full.fields if f.private} == {"Email", "Phone"}


def test_unknown_people_are_refused_politely_and_recorded(app: Hirebot) -> None:
    reply = only(say(app, "list", who="mallory"))
    assert "I don't know you yet" in reply.text
    with app.uow() as uow:
        event = uow.session.scalars(select(AuditEvent).where(AuditEvent.direction == "in")).one()
    assert event.actor_ref == "mallory"
    assert event.actor_id is None


def test_a_retried_delivery_is_processed_once(app: Hirebot) -> None:
    first = say(app, ADD, dedup_key="slack:trigger:1")
    second = say(app, ADD.replace("ayesha@", "other@"), dedup_key="slack:trigger:1")
    assert not first.duplicate
    assert second.duplicate
    assert second.replies == []
    assert count(app, Applicant) == 1


def test_double_clicking_advance_moves_once(app: Hirebot) -> None:
    say(app, ADD)
    first = only(click(app, "advance", "1:applied"))
    second = only(click(app, "advance", "1:applied"))
    assert first.kind == "success"
    assert "already in Screening" in second.text
    assert count(app, StageMove) == 2
    stale = only(click(app, "reject", "1:applied", answer="late click"))
    assert "has moved on since that button was drawn" in stale.text


def test_cards_go_to_the_role_channel_without_personal_data(app: Hirebot) -> None:
    say(app, ADD)
    with app.uow() as uow:
        rows = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.destination == "#hiring-senior-backend")
        ).all()
    assert len(rows) == 1
    card = rows[0].payload
    assert card["kind"] == "card"
    text = str(card)
    assert "ayesha@example.com" not in text
    assert "+923001234567" not in text
    assert [a["id"] for a in card["actions"]] == ["advance", "schedule", "reject", "details"]


def test_list_filters_and_paginates(app: Hirebot) -> None:
    for n in range(23):
        say(app, f"add senior-backend Person{n} email=p{n}@example.com")
    say(app, "add backend-contract Contractor email=c@example.com")
    say(app, "move 1 screening")
    first = only(say(app, "list senior-backend"))
    assert len(first.lines) == 10
    assert "page 1 of 3 · 23 applicants" in first.footer
    assert "list senior-backend page=2" in first.footer
    third = only(say(app, "list senior-backend page=3"))
    assert len(third.lines) == 3
    screening = only(say(app, "list screening"))
    assert [line.split()[0] for line in screening.lines] == ["#1"]
    assert "page 1 of 3 · 24 applicants" in only(say(app, "list all")).footer
    assert "unknown stage" in only(say(app, "list senior-backend nowhere")).text


def test_help_whoami_roles(app: Hirebot) -> None:
    assert any(
        line.startswith("move <id> [<id>…] <stage>") for line in only(say(app, "help")).lines
    )
    interviewer_help = only(say(app, "help", who="hina")).lines
    assert not any(line.startswith("move ") for line in interviewer_help)
    assert "add senior-backend" in text_of(say(app, "help add"))
    assert "Roles: admin, recruiter" in text_of(say(app, "whoami"))
    detail = text_of(say(app, "roles senior-backend"))
    assert "USD 11,670.34 – 14,174.54 per month" in detail
    assert "Question bank: 15 questions" in detail


def test_history_shows_the_hiring_events_and_all_shows_the_full_log(app: Hirebot) -> None:
    say(app, ADD)
    say(app, "move 1 screening phone screen booked")
    say(app, "note 1 solid SQL")
    say(app, "show 1")
    say(app, "history 1")

    history = only(say(app, "history 1"))
    joined = "\n".join(history.lines)
    assert history.lines[0].endswith(
        "• Sana Mirza added Ayesha Khan to Senior Backend Engineer (Applied) via console"
    )
    assert "moved Ayesha Khan from Applied to Screening: phone screen booked" in joined
    assert "Sana Mirza noted: solid SQL" in joined
    # no raw commands, nor the bot's messages, nor `history` itself
    assert "»" not in joined
    assert "→" not in joined
    assert "history 1" not in joined
    assert len(history.lines) == 3
    assert "3 hiring events" in history.footer
    assert "history 1 all" in history.footer

    full = only(say(app, "history 1 all"))
    everything = "\n".join(full.lines)
    assert "» Sana Mirza (console): move 1 screening phone screen booked" in everything
    assert "» Sana Mirza (console): history 1" in everything
    assert "→ console message to console:sana" in everything
    assert "moved Ayesha Khan from Applied to Screening" in everything
    assert len(full.lines) > len(history.lines)
    assert "(full log)" in full.title

    assert "usage: history <id> [all] [page=N]" in only(say(app, "history 1 everything")).text


def test_history_keeps_times_and_dates_and_redacts_only_contact_details(app: Hirebot) -> None:
    say(app, ADD)
    say(app, "schedule 1 2026-11-24 15:00 with=hina stage=screening")
    say(app, "note 1 call at 10:30 on +92 301 7654321 or ayesha.k@example.org, room 2-14")
    full = "\n".join(only(say(app, "history 1 all")).lines)
    assert "schedule 1 2026-11-24 15:00 with=hina stage=screening" in full
    assert "…:00" not in full
    assert "call at 10:30 on … or …, room 2-14" in full
    assert "7654321" not in full
    assert "ayesha.k@example.org" not in full


def test_a_list_by_stage_says_the_stage_by_its_label(app: Hirebot) -> None:
    say(app, ADD)
    say(app, "advance 1")
    say(app, "advance 1")
    by_key = only(say(app, "list technical_assessment"))
    assert by_key.title == "Applicants (Technical assessment)"
    assert by_key.lines[0].startswith("#1 Ayesha Khan — Technical assessment for ")
    typed = only(say(app, "list senior-backend technical-assessment"))
    assert typed.title == "Applicants (Senior Backend Engineer, Technical assessment)"
    assert only(say(app, "list")).title == "Applicants (open)"
    assert only(say(app, "list all")).title == "Applicants (all)"


def test_control_characters_in_typed_skills_are_dropped_as_forms_drop_them(app: Hirebot) -> None:
    """Chat and forms validate with one model: a skill typed with a control character is
    stored clean by both ways in."""
    assert only(say(app, "add senior-backend Ayesha skills=py\x07thon,go\x1f")).kind == "success"
    form = json.dumps({"role": "senior-backend", "name": "Bilal", "skills": "py\x07thon,go\x1f"})
    assert only(click(app, ADD_APPLICANT, form)).kind == "success"
    with app.uow() as uow:
        stored = [uow.applicants.get(i) for i in (1, 2)]
        assert [a.skills for a in stored if a is not None] == [["python", "go"], ["python", "go"]]
