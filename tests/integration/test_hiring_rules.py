"""Rules that must hold whichever way a person tries to walk around them, driven through the
dispatcher as a channel does, on both databases: an offer's employment type must be one the
role hires on, and refusals name the permission actually missing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event, select, text

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.messages.reply import Reply
from storage.models import Applicant, AuditEvent, Offer
from tests.helpers import click, inbox, only, say

TERMS = "start=2027-01-10 terms=scope,ip,confidentiality"


def start(
    database_url: str, config: HirebotConfig, clock: FrozenClock, **role_changes: Any
) -> Hirebot:
    """hirebot on the shipped config, with changes to every role's settings."""
    data: dict[str, Any] = config.model_dump(mode="json")
    for role in data["roles"]:
        role.update(role_changes)
    return bootstrap(
        config=HirebotConfig.model_validate(data),
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate({}),
    )


@pytest.fixture
def both_types(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> Iterator[Hirebot]:
    hirebot = start(database_url, shipped_config, clock, employment_type=["full_time", "contract"])
    yield hirebot
    hirebot.close()


def add_at(app: Hirebot, role: str, name: str, stage: str) -> int:
    """Add an applicant and advance them, one stage at a time, to `stage`."""
    added = only(say(app, f"add {role} {name} email={name.lower()}@example.com"))
    assert added.kind == "success", added.text
    with app.uow() as uow:
        applicant_id = max(uow.session.scalars(select(Applicant.id)))
    while stage_of(app, applicant_id) != stage:
        advanced = only(say(app, f"advance {applicant_id}"))
        assert advanced.kind == "success", advanced.text
    return applicant_id


def stage_of(app: Hirebot, applicant_id: int) -> str:
    with app.uow() as uow:
        found = uow.applicants.get(applicant_id)
        assert found is not None
        return found.stage


def offers_stored(app: Hirebot) -> list[Offer]:
    with app.uow() as uow:
        return list(uow.session.scalars(select(Offer)))


def test_an_offer_must_be_of_an_employment_type_the_role_hires_on(app: Hirebot) -> None:
    contractor = add_at(app, "backend-contract", "Chen", "final_interview")
    employee = add_at(app, "senior-backend", "Ayesha", "final_interview")
    full_time = only(say(app, f"offer {contractor} type=full_time pay=4000 currency=USD {TERMS}"))
    assert full_time.kind == "error"
    assert full_time.text == (
        "type: Backend Engineer (Contract) hires as contract only, not full time; type=contract"
    )
    contract = only(say(app, f"offer {employee} type=contract pay=12500 {TERMS}"))
    assert contract.kind == "error"
    assert contract.text == (
        "type: Senior Backend Engineer hires as full time only, not contract; type=full_time"
    )
    assert offers_stored(app) == []
    assert (stage_of(app, contractor), stage_of(app, employee)) == (
        "final_interview",
        "final_interview",
    )
    # the role's own type is the default, and is accepted
    drafted = say(app, f"offer {contractor} pay=4000 currency=USD {TERMS}").replies[0]
    assert drafted.kind == "success", drafted.text
    assert [o.employment_type for o in offers_stored(app)] == ["contract"]


def test_a_role_may_hire_on_several_employment_types(both_types: Hirebot) -> None:
    app = both_types
    first = add_at(app, "senior-backend", "Ayesha", "final_interview")
    second = add_at(app, "senior-backend", "Bilal", "final_interview")
    assert say(app, f"offer {first} pay=12500 {TERMS}").replies[0].kind == "success"
    contract = say(app, f"offer {second} type=contract pay=12500 {TERMS}").replies[0]
    assert contract.kind == "success", contract.text
    assert [o.employment_type for o in offers_stored(app)] == ["full_time", "contract"]
    role = only(say(app, "roles senior-backend"))
    assert {f.label: f.value for f in role.fields}["Type"] == "full-time, contract"


def test_an_interviewer_is_told_the_permission_each_action_needs(app: Hirebot) -> None:
    say(app, "add senior-backend 'Ayesha Khan' email=ayesha@example.com")
    typed = only(say(app, "schedule 1 2026-11-25 15:00 with=hina", who="hina"))
    assert typed.kind == "error"
    assert typed.text == (
        "you need permission to schedule, reschedule or cancel interviews (your roles: "
        "interviewer; roles that have it: admin, recruiter, hiring_manager)"
    )
    guided = only(say(app, "schedule 1", who="hina"))
    assert "you need permission to schedule, reschedule or cancel interviews" in guided.text
    tapped = only(click(app, "schedule", "1", who="hina", answer="2026-11-25 15:00 with=hina"))
    assert "you need permission to schedule, reschedule or cancel interviews" in tapped.text
    asked = only(click(app, "ask", "schedule:1", who="hina"))
    assert "you need permission to schedule, reschedule or cancel interviews" in asked.text
    drafted = only(
        say(app, "offer 1 pay=12500 start=2027-01-10 terms=scope,ip,confidentiality", who="hina")
    )
    assert "you need permission to draft offers and record the candidate's answer" in drafted.text
    checkin = only(say(app, "checkin start 1 as=hina", who="hina"))
    assert "you need permission to start, pause or end check-ins with hires" in checkin.text
    moved = only(say(app, "move 1 screening", who="hina"))
    assert "you need permission to move, reject or withdraw applicants" in moved.text
    for reply in (typed, guided, tapped, asked, drafted, checkin):
        assert "move, reject or withdraw" not in reply.text


OVER_RANGE = f"pay=16000 {TERMS} reason='rare Go expertise'"


def offer_status(app: Hirebot, offer_id: int = 1) -> str:
    with app.uow() as uow:
        found = uow.session.get(Offer, offer_id)
        assert found is not None
        return found.status


def audited(app: Hirebot, kind: str) -> list[str]:
    with app.uow() as uow:
        return list(
            uow.session.scalars(
                select(AuditEvent.summary).where(AuditEvent.kind == kind).order_by(AuditEvent.id)
            )
        )


def test_a_pending_approval_cannot_be_walked_around_by_a_move(app: Hirebot) -> None:
    applicant = add_at(app, "senior-backend", "Ayesha", "final_interview")
    drafted = say(app, f"offer {applicant} {OVER_RANGE}").replies[0]
    assert "Waiting for Omar Farooq's approval" in drafted.text
    assert stage_of(app, applicant) == "offer"
    waits = (
        f"#{applicant} cannot be hired yet: offer #1 waits for Omar Farooq's approval. Once it "
        "is approved, record the candidate's answer with offer accept 1, which moves them to Hired"
    )
    # the card offers no Advance to Hired (only accepting the offer hires); a button drawn
    # for this stage by an older card is refused like the typed commands
    card = say(app, f"show {applicant}").replies[0]
    assert [a.id for a in card.actions] == ["schedule", "reject"]
    for attempt in (
        say(app, f"move {applicant} hired"),
        say(app, f"move {applicant} Hired welcome aboard", who="omar"),
        say(app, f"advance {applicant}"),
        click(app, "advance", f"{applicant}:offer"),
    ):
        refused = only(attempt)
        assert (refused.kind, refused.text) == ("error", waits)
    assert (stage_of(app, applicant), offer_status(app)) == ("offer", "pending_approval")
    assert audited(app, "applicant.moved")[-1].endswith("to Offer: offer #1 drafted")

    click(app, "offer_approve", "1", who="omar")
    approved = only(say(app, f"move {applicant} hired"))
    assert approved.text == (
        f"#{applicant} has offer #1, approved and waiting for the candidate's answer: record it "
        "with offer accept 1 (which moves them to Hired) or offer decline 1 <reason>"
    )
    assert (stage_of(app, applicant), offer_status(app)) == ("offer", "approved")
    accepted = only(say(app, "offer accept 1"))
    assert accepted.kind == "success", accepted.text
    assert (stage_of(app, applicant), offer_status(app)) == ("hired", "accepted")


def test_hiring_needs_an_accepted_offer_where_the_role_requires_one(app: Hirebot) -> None:
    applicant = add_at(app, "senior-backend", "Ayesha", "final_interview")
    moved = only(say(app, f"move {applicant} offer"))
    assert moved.kind == "success", moved.text
    assert moved.text == (
        f"Moved #{applicant} Ayesha: Final interview → Offer. Draft the offer: offer {applicant} "
        "pay=… start=… terms=scope,ip,confidentiality"
    )
    refused = only(say(app, f"advance {applicant}"))
    assert refused.text == (
        f"Senior Backend Engineer hires with an accepted offer, and #{applicant} has none: draft "
        f"one with offer {applicant} pay=… start=… terms=scope,ip,confidentiality, then record "
        "the candidate's answer with offer accept <offer id>"
    )
    say(app, f"offer {applicant} pay=12500 {TERMS}", who="omar")  # in range: approved at once
    say(app, "offer withdraw 1 revising the start date", who="omar")
    assert "has none" in only(say(app, f"move {applicant} hired")).text  # withdrawn is not accepted
    assert stage_of(app, applicant) == "offer"


def test_a_role_without_the_requirement_hires_by_a_move_but_never_past_an_open_offer(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> None:
    app = start(database_url, shipped_config, clock, offer_required=False)
    try:
        first = add_at(app, "senior-backend", "Ayesha", "offer")
        card = say(app, f"show {first}").replies[0]
        assert card.actions[0].label == "Advance to Hired"
        hired = only(say(app, f"move {first} hired"))
        assert hired.kind == "success", hired.text
        assert stage_of(app, first) == "hired"
        second = add_at(app, "senior-backend", "Bilal", "final_interview")
        say(app, f"offer {second} {OVER_RANGE}")
        assert "waits for Omar Farooq's approval" in only(say(app, f"advance {second}")).text
        assert stage_of(app, second) == "offer"
    finally:
        app.close()


def test_rejecting_withdraws_the_open_offer_and_tells_the_approver(app: Hirebot) -> None:
    applicant = add_at(app, "senior-backend", "Ayesha", "final_interview")
    say(app, f"offer {applicant} {OVER_RANGE}")
    request = inbox(app, "omar")[-1]
    assert request.title == "Offer #1 for #1 Ayesha needs your approval"
    rejected = only(say(app, f"reject {applicant} references did not check out"))
    assert rejected.kind == "success", rejected.text
    assert rejected.text == (
        "Moved #1 Ayesha: Offer → Rejected. Offer #1 is withdrawn; Omar Farooq, who was asked "
        "to approve it, has been told."
    )
    assert offer_status(app) == "withdrawn"
    assert audited(app, "offer.withdrawn") == [
        "Sana Mirza withdrew offer #1 to Ayesha: the application was closed as rejected"
    ]
    told = inbox(app, "omar")[-1]
    assert told.title == "Offer #1 for #1 Ayesha no longer needs your approval"
    assert told.text == (
        "Sana Mirza withdrew it: the application was closed as rejected. "
        "There is nothing left to decide."
    )
    assert told.actions == []
    # the old request's buttons now change nothing and say why
    stale = only(click(app, "offer_approve", "1", who="omar"))
    assert (stale.kind, stale.text) == ("error", "Offer #1 is already withdrawn")
    assert offer_status(app) == "withdrawn"


def test_a_candidate_withdrawing_settles_an_approved_offer(app: Hirebot) -> None:
    applicant = add_at(app, "senior-backend", "Ayesha", "final_interview")
    say(app, f"offer {applicant} pay=12500 {TERMS}", who="omar")  # approved at once
    assert offer_status(app) == "approved"
    withdrawn = only(say(app, f"withdraw {applicant} took another job"))
    assert withdrawn.text == "Moved #1 Ayesha: Offer → Withdrawn. Offer #1 is withdrawn."
    assert offer_status(app) == "withdrawn"
    told = inbox(app, "omar")[-1]
    assert (told.title, told.text) == (
        "Offer #1 for #1 Ayesha was withdrawn",
        "Sana Mirza withdrew it: the application was closed as withdrawn.",
    )
    # the candidate declining is recorded as declined, not withdrawn by the close it causes
    other = add_at(app, "senior-backend", "Bilal", "final_interview")
    say(app, f"offer {other} pay=12500 {TERMS}", who="omar")
    say(app, "offer decline 2 chose a counter-offer")
    assert (stage_of(app, other), offer_status(app, 2)) == ("withdrawn", "declined")
    assert len(audited(app, "offer.withdrawn")) == 1


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_an_offer_drafted_during_a_move_to_hired_is_never_walked_around(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> None:
    """Two people at once on PostgreSQL (replicas share it): Omar moves Ayesha to hired while
    Sana drafts her over-range offer. The offer commits between the move's check and its update;
    the move, which re-checks once the applicant's row is locked, is refused."""
    app = start(database_url, shipped_config, clock, offer_required=False)
    try:
        applicant = add_at(app, "senior-backend", "Ayesha", "offer")
        mover = threading.get_ident()
        drafted: list[str] = []

        def draft_first(
            _conn: Any, _cursor: Any, statement: str, *_args: Any, **_kwargs: Any
        ) -> None:
            if threading.get_ident() != mover or drafted:
                return
            if statement.lstrip().upper().startswith("UPDATE APPLICANTS"):
                drafter = threading.Thread(
                    target=lambda: drafted.append(
                        say(app, f"offer {applicant} {OVER_RANGE}").replies[0].kind
                    )
                )
                drafter.start()
                drafter.join(60)
                assert not drafter.is_alive()

        event.listen(app.engine, "before_cursor_execute", draft_first)
        try:
            moved = only(say(app, f"move {applicant} hired", who="omar"))
        finally:
            event.remove(app.engine, "before_cursor_execute", draft_first)
        assert drafted == ["success"]
        assert (moved.kind, moved.text) == (
            "error",
            f"#{applicant} cannot be hired yet: offer #1 waits for Omar Farooq's approval. Once "
            "it is approved, record the candidate's answer with offer accept 1, which moves them "
            "to Hired",
        )
        assert (stage_of(app, applicant), offer_status(app)) == ("offer", "pending_approval")
    finally:
        app.close()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_an_offer_drafted_while_a_move_to_hired_holds_the_row_is_refused(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> None:
    """The other order: the move has checked twice and is committing when the offer is drafted.
    The draft waits for the applicant's row, then finds them hired and stores nothing."""
    app = start(database_url, shipped_config, clock, offer_required=False)
    try:
        applicant = add_at(app, "senior-backend", "Ayesha", "offer")
        mover = threading.get_ident()
        drafted: list[Reply] = []
        drafter = threading.Thread(
            target=lambda: drafted.append(only(say(app, f"offer {applicant} {OVER_RANGE}")))
        )

        def draft_beside(_conn: Any) -> None:
            if threading.get_ident() != mover or drafter.ident is not None:
                return
            drafter.start()
            until(lambda: not drafter.is_alive() or waiting_for_a_lock(app))

        event.listen(app.engine, "commit", draft_beside)
        try:
            moved = only(say(app, f"move {applicant} hired", who="omar"))
        finally:
            event.remove(app.engine, "commit", draft_beside)
        drafter.join(60)
        assert moved.kind == "success", moved.text
        assert [(r.kind, r.text) for r in drafted] == [
            ("error", f"#{applicant} was moved by someone else just now; look again")
        ]
        assert stage_of(app, applicant) == "hired"
        assert offers_stored(app) == []
    finally:
        app.close()


def waiting_for_a_lock(app: Hirebot) -> bool:
    with app.engine.connect() as conn:
        return bool(conn.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")))


def until(condition: Callable[[], bool], *, within: float = 30.0) -> None:
    """Wait for a condition, with a generous deadline, checking often."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.02)
