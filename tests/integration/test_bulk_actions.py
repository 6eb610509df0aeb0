"""Actions on many applicants at once, through the dispatcher, on SQLite and PostgreSQL: each
applicant handled as the single action would, one that cannot move named without stopping the
others, and the "Reject all… / Advance all…" buttons behind one confirmation."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.bootstrap import Hirebot
from bot.clock import FrozenClock
from bot.messages.reply import Action, Reply
from storage.models import AuditEvent, OutboxMessage, StageMove
from tests.helpers import click, inbox, only, say

NAMES = ("Ayesha Khan", "Bilal Ahmed", "Chen Wei", "Dara O'Neil")


def add_four(app: Hirebot) -> None:
    for index, name in enumerate(NAMES, start=1):
        reply = only(say(app, f'add senior-backend "{name}" email=a{index}@example.com'))
        assert reply.kind == "success", reply.text


def stages(app: Hirebot) -> dict[int, str]:
    with app.uow() as uow:
        return {i: applicant.stage for i in (1, 2, 3, 4) if (applicant := uow.applicants.get(i))}


def moved_events(app: Hirebot) -> list[AuditEvent]:
    with app.uow() as uow:
        return list(
            uow.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.kind == "applicant.moved")
                .order_by(AuditEvent.id)
            ).all()
        )


def rows_about(app: Hirebot, applicant_id: int, kind: str) -> list[OutboxMessage]:
    with app.uow() as uow:
        return list(
            uow.session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.applicant_id == applicant_id, OutboxMessage.kind == kind
                )
            ).all()
        )


def bulk_buttons(reply: Reply) -> dict[str, Action]:
    return {a.label.split()[0]: a for a in reply.actions if a.id == "bulk"}


def test_reject_many_handles_each_and_names_the_one_already_closed(app: Hirebot) -> None:
    add_four(app)
    assert only(say(app, "reject 2 reason=role-filled")).kind == "success"
    reply = only(say(app, "reject 1 2 #3 reason=not-a-fit went with a referral"))
    assert reply.kind == "success"
    assert reply.title == "Rejected 2 of 3 applicants (not a fit — went with a referral)"
    assert "#1 Ayesha Khan: Applied → Rejected" in reply.lines
    assert "#3 Chen Wei: Applied → Rejected" in reply.lines
    refused = [line for line in reply.lines if line.startswith("not changed")]
    assert len(refused) == 1
    assert refused[0].startswith("not changed: #2 Bilal Ahmed — ")
    assert "rejected" in refused[0].lower()
    assert stages(app) == {1: "rejected", 2: "rejected", 3: "rejected", 4: "applied"}

    # each applicant as the single action: its own stage move, audit event, card update, line
    events = moved_events(app)
    assert [(e.applicant_id, e.payload.get("reason")) for e in events] == [
        (2, "role-filled"),
        (1, "not-a-fit"),
        (3, "not-a-fit"),
    ]
    with app.uow() as uow:
        reasons = {
            m.applicant_id: m.reason
            for m in uow.session.scalars(select(StageMove).where(StageMove.to_stage == "rejected"))
        }
    assert reasons == {2: "role filled", 1: "not a fit — went with a referral", 3: reasons[3]}
    assert reasons[3] == "not a fit — went with a referral"
    for applicant_id in (1, 3):
        assert len(rows_about(app, applicant_id, "card_update")) == 1
        assert any(
            "Rejected — by Sana Mirza" in r.payload["text"]
            for r in rows_about(app, applicant_id, "message")
            if r.thread_card_key
        )
    # the one that failed got nothing twice (its single rejection's rows only)
    assert len(rows_about(app, 2, "card_update")) == 1


def test_several_ids_without_reason_is_refused_and_changes_nothing(app: Hirebot) -> None:
    add_four(app)
    reply = only(say(app, "reject 4 3 2 not a fit"))
    assert reply.kind == "error"
    assert "to reject #4, #3, #2 give the reason as reason=" in reply.text
    assert "not-enough-experience" in reply.text
    typo = only(say(app, "reject 1 2 reason=rol-filled"))
    assert typo.kind == "error"
    assert "did you mean 'role-filled'" in typo.text
    assert only(say(app, "reject 1 2 reason=other")).kind == "error"  # other needs its note
    assert set(stages(app).values()) == {"applied"}


def test_one_applicant_still_takes_words_or_a_reason(app: Hirebot) -> None:
    add_four(app)
    assert only(say(app, "reject 1 no Go experience")).kind == "success"
    assert only(say(app, 'reject 2 "role filled"')).kind == "success"
    assert only(say(app, 'reject 3 reason="Not enough experience" 2 years')).kind == "success"
    with app.uow() as uow:
        moves = {
            m.applicant_id: m.reason
            for m in uow.session.scalars(select(StageMove).where(StageMove.to_stage == "rejected"))
        }
    assert moves == {1: "no Go experience", 2: "role filled", 3: "not enough experience — 2 years"}
    assert [e.payload.get("reason") for e in moved_events(app)] == [
        "other",
        "role-filled",
        "not-enough-experience",
    ]


def test_advance_and_move_many(app: Hirebot) -> None:
    add_four(app)
    assert only(say(app, "move 2 screening")).kind == "success"
    advanced = only(say(app, "advance 1 2 99"))
    assert advanced.title == "Advanced 2 of 3 applicants"
    assert "#1 Ayesha Khan: Applied → Screening" in advanced.lines
    assert "#2 Bilal Ahmed: Screening → Technical assessment" in advanced.lines
    assert "not changed: #99 — no applicant #99" in advanced.lines
    moved = only(say(app, "move 1 3 4 technical_assessment take-home sent"))
    assert moved.title == "Moved 1 of 3 applicants to Technical assessment"
    assert "#1 Ayesha Khan: Screening → Technical assessment" in moved.lines
    for who in ("#3 Chen Wei", "#4 Dara O'Neil"):
        line = next(x for x in moved.lines if x.startswith(f"not changed: {who} — "))
        assert "allowed next stages: screening" in line
    assert moved.footer == "2 applicants not changed; the others were"
    with app.uow() as uow:
        last = uow.moves.for_applicant(1)[-1]
    assert last.reason == "take-home sent"
    assert stages(app) == {1: "technical_assessment", 2: "technical_assessment"} | {
        3: "applied",
        4: "applied",
    }
    nobody = only(say(app, "move 3 4 offer"))
    assert nobody.kind == "error"
    assert nobody.title == "Moved 0 of 2 applicants to Offer"
    assert nobody.footer == "nobody was changed"


def test_an_interviewer_cannot_act_on_many(app: Hirebot) -> None:
    add_four(app)
    reply = only(say(app, "reject 1 2 reason=role-filled", who="hina"))
    assert reply.kind == "error"
    assert "you need permission to move, reject or withdraw applicants" in reply.text
    listed = only(say(app, "list", who="hina"))
    assert listed.lines
    assert not bulk_buttons(listed)
    refused = only(click(app, "bulk", "reject:l:-:open", who="hina"))
    assert refused.kind == "error"
    assert set(stages(app).values()) == {"applied"}


def test_reject_all_from_a_list_asks_once_naming_everyone(app: Hirebot) -> None:
    add_four(app)
    say(app, "move 4 screening")
    listed = only(say(app, "list senior-backend applied"))
    buttons = bulk_buttons(listed)
    assert buttons["Reject"].label == "Reject all 3…"
    assert buttons["Advance"].label == "Advance all 3…"

    confirm = only(click(app, "bulk", buttons["Reject"].value))
    assert confirm.title == "Reject 3 applicants (Senior Backend Engineer, applied)"
    assert confirm.lines == [
        "#3 Chen Wei — Applied",
        "#2 Bilal Ahmed — Applied",
        "#1 Ayesha Khan — Applied",
    ]
    assert set(stages(app).values()) == {"applied", "screening"}  # nothing yet
    labels = [a.label for a in confirm.actions]
    reasons = ["not enough experience", "not a fit", "role filled", "withdrew", "no response"]
    assert labels == [*reasons, "Cancel"]
    # someone moves #2 on meanwhile: the confirmation's answer reports it and moves the rest
    say(app, "move 2 screening", who="omar")
    role_filled = next(a for a in confirm.actions if a.label == "role filled")
    done = only(click(app, "bulk", buttons["Reject"].value))  # a second confirmation, unused
    assert done.title.startswith("Reject 2 applicants")
    result = only(click(app, "flow", role_filled.value))
    assert result.title == "Rejected 2 of 3 applicants (role filled)"
    assert any(
        line.startswith("not changed: #2 Bilal Ahmed — #2 has moved on") for line in result.lines
    )
    assert stages(app) == {1: "rejected", 2: "screening", 3: "rejected", 4: "screening"}
    # a double tap changes nothing
    again = only(click(app, "flow", role_filled.value))
    assert again.already_done
    assert len([e for e in moved_events(app) if e.payload.get("reason") == "role-filled"]) == 2


def test_advance_all_and_cancel(app: Hirebot) -> None:
    add_four(app)
    buttons = bulk_buttons(only(say(app, "list")))
    assert buttons["Advance"].label == "Advance all 4…"
    cancel_first = only(click(app, "bulk", buttons["Advance"].value))
    cancel = next(a for a in cancel_first.actions if a.label == "Cancel")
    assert only(click(app, "flow", cancel.value)).text == "Cancelled; nobody was changed."
    assert set(stages(app).values()) == {"applied"}

    confirm = only(click(app, "bulk", buttons["Advance"].value))
    go = next(a for a in confirm.actions if a.label == "Advance 4 applicants")
    result = only(click(app, "flow", go.value))
    assert result.title == "Advanced 4 of 4 applicants"
    assert set(stages(app).values()) == {"screening"}


def test_a_search_offers_the_buttons_for_its_matches(app: Hirebot) -> None:
    add_four(app)
    say(app, "reject 4 reason=withdrew")
    found = only(say(app, "search role:senior-backend"))
    buttons = bulk_buttons(found)
    assert buttons["Reject"].value.startswith("reject:i:")
    confirm = only(click(app, "bulk", buttons["Reject"].value))
    assert all("Dara" not in line for line in confirm.lines)  # closed: not offered again
    assert len(confirm.lines) == 3
    typed = only(say(app, "no response after two emails"))  # a reason typed, not picked
    assert typed.title == "Rejected 3 of 3 applicants (no response — after two emails)"


def test_the_stale_nudge_carries_the_buttons(app: Hirebot, clock: FrozenClock) -> None:
    add_four(app)
    friday = datetime(2026, 11, 27, 4, 30, tzinfo=UTC)  # Fri 09:30 Karachi, 4 days in Applied
    for moment in (datetime(2026, 11, 23, 9, 0, tzinfo=UTC), friday):
        clock.set(moment)
        app.tasks.run_due(moment)
    nudge = next(r for r in inbox(app, "sana") if "stuck in Senior Backend Engineer" in r.title)
    buttons = bulk_buttons(nudge)
    assert buttons["Reject"].value == "reject:n:senior-backend"
    confirm = only(click(app, "bulk", buttons["Reject"].value))
    assert len(confirm.lines) == 4
    no_response = next(a for a in confirm.actions if a.label == "no response")
    result = only(click(app, "flow", no_response.value))
    assert result.title == "Rejected 4 of 4 applicants (no response)"
