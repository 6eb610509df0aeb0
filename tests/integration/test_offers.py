"""Offers through the dispatcher, on both databases: drafting against the pay range, the
hiring manager's one-tap approval, the candidate's answer, and contract milestones feeding the
hire's check-ins."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from storage.models import Applicant, Checkin, Offer, OutboxMessage, StageMove
from tests.helpers import click, inbox, only, say

GOOD = "pay=12500 start=2027-01-10 terms=scope,ip,confidentiality"


@pytest.fixture
def app(database_url: str, shipped_config: HirebotConfig, clock: FrozenClock) -> Iterator[Hirebot]:
    data: dict[str, Any] = shipped_config.model_dump(mode="json")
    data["people"].append(
        {"key": "zara", "name": "Zara Hussain", "roles": ["member"], "timezone": "Asia/Karachi"}
    )
    hirebot = bootstrap(
        config=HirebotConfig.model_validate(data),
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate({}),
    )
    yield hirebot
    hirebot.close()


def to_final(app: Hirebot, role: str = "senior-backend", name: str = "'Ayesha Khan'") -> int:
    added = only(say(app, f"add {role} {name} email={name.strip(chr(39)).split()[0]}@example.com"))
    applicant_id = int(added.text.split("#")[1].split()[0])
    while True:
        with app.uow() as uow:
            found = uow.applicants.get(applicant_id)
            assert found is not None
            if found.stage == "final_interview":
                return applicant_id
        assert only(say(app, f"advance {applicant_id}")).kind == "success"


def offer_row(app: Hirebot, offer_id: int = 1) -> Offer:
    with app.uow() as uow:
        found = uow.session.get(Offer, offer_id)
        assert found is not None
        return found


def stage(app: Hirebot, applicant_id: int = 1) -> str:
    with app.uow() as uow:
        found = uow.applicants.get(applicant_id)
        assert found is not None
        return found.stage


def shared_payloads(app: Hirebot) -> str:
    with app.uow() as uow:
        rows = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.destination.startswith("#"))
        ).all()
    return "\n".join(str(r.payload) for r in rows)


def test_a_recruiters_offer_is_approved_by_the_manager_then_accepted(app: Hirebot) -> None:
    to_final(app)
    drafted = say(app, f"offer 1 {GOOD}")
    first = drafted.replies[0]
    assert first.kind == "success", first.text
    assert first.title == "Offer #1 for #1 Ayesha Khan"
    assert "Waiting for Omar Farooq's approval" in first.text
    assert {f.label: f.value for f in first.fields}["Pay"] == "USD 12,500.00 per month"
    assert "Final interview → Offer" in drafted.replies[1].text
    assert stage(app) == "offer"
    row = offer_row(app)
    assert (row.status, row.pay_amount, row.currency, row.period) == (
        "pending_approval",
        Decimal("12500.00"),
        "USD",
        "month",
    )
    assert row.terms == {"scope": True, "ip": True, "confidentiality": True}

    request = inbox(app, "omar")[-1]
    assert request.title == "Offer #1 for #1 Ayesha Khan needs your approval"
    assert [(a.id, a.value, a.input_prompt) for a in request.actions] == [
        ("offer_approve", "1", None),
        ("offer_decline", "1", "Reason for declining this offer"),
    ]
    # nobody else can approve; accepting before approval is refused
    assert "only Omar Farooq can approve" in only(click(app, "offer_approve", "1")).text
    assert "still waits for Omar Farooq's approval" in only(say(app, "offer accept 1")).text

    approved = only(click(app, "offer_approve", "1", who="omar"))
    assert approved.kind == "success", approved.text
    assert "already approved" in only(click(app, "offer_approve", "1", who="omar")).text
    told = inbox(app, "sana")[-1]
    assert told.title == "Offer #1 for #1 Ayesha Khan is approved"
    assert "offer accept 1" in told.text

    accepted = only(say(app, "offer accept 1"))
    assert accepted.kind == "success", accepted.text
    assert "Ayesha Khan accepted offer #1" in accepted.text
    assert "Offer → Hired" in accepted.text
    assert "checkin start 1" in accepted.footer
    assert stage(app) == "hired"
    assert offer_row(app).status == "accepted"
    assert "already accepted" in only(say(app, "offer accept 1")).text
    # pay and terms never reach the role's channel; the card only shows stage moves
    shared = shared_payloads(app)
    assert "Offer" in shared
    assert "12,500" not in shared
    assert "12500" not in shared


def test_outside_the_range_needs_a_reason_and_the_manager_can_decline(app: Hirebot) -> None:
    to_final(app)
    refused = only(say(app, "offer 1 pay=16000 start=2027-01-10 terms=scope,ip,confidentiality"))
    assert refused.kind == "error"
    assert "above the range's maximum by USD 1,825.46" in refused.text
    assert "reason=" in refused.text
    assert stage(app) == "final_interview"  # nothing changed
    with app.uow() as uow:
        assert uow.session.scalars(select(Offer)).all() == []

    drafted = say(app, f"offer 1 {GOOD.replace('12500', '16000')} reason='only <b>Go</b> expert'")
    assert drafted.replies[0].text.startswith("⚠ USD 16,000.00 per month is above the range")
    assert offer_row(app).outside_range_reason == "only <b>Go</b> expert"
    request = inbox(app, "omar")[-1]
    assert "⚠ USD 16,000.00 per month is above" in request.text

    assert "say why" in only(click(app, "offer_decline", "1", who="omar", answer="  ")).text
    declined = only(click(app, "offer_decline", "1", who="omar", answer="over budget this year"))
    assert declined.kind == "success", declined.text
    row = offer_row(app)
    assert (row.status, row.decision_reason) == ("declined_by_manager", "over budget this year")
    told = inbox(app, "sana")[-1]
    assert told.title == "Offer #1 for #1 Ayesha Khan was declined"
    assert "over budget this year" in told.text
    assert stage(app) == "offer"  # the applicant waits for a revised offer
    stale = only(click(app, "offer_approve", "1", who="omar"))
    assert "already declined by the approver" in stale.text
    revised = say(app, f"offer 1 {GOOD}")
    assert revised.replies[0].title == "Offer #2 for #1 Ayesha Khan"
    assert len(revised.replies) == 1  # already in the Offer stage


def test_the_hiring_manager_approves_their_own_offer_only_within_range(app: Hirebot) -> None:
    to_final(app)
    mine = say(app, f"offer 1 {GOOD}", who="omar").replies[0]
    assert "No approval needed" in mine.text
    assert offer_row(app).status == "approved"
    assert only(say(app, "offer withdraw 1 revising", who="omar")).kind == "success"
    outside = say(app, f"offer 1 {GOOD.replace('12500', '9000')} reason='junior'", who="omar")
    assert "Waiting for Sana Mirza's approval" in outside.replies[0].text  # an admin's eyes
    assert inbox(app, "sana")[-1].title == "Offer #2 for #1 Ayesha Khan needs your approval"


def test_the_candidate_declining_closes_the_application_with_the_reason(app: Hirebot) -> None:
    to_final(app)
    say(app, f"offer 1 {GOOD}", who="omar")
    assert "say why" in only(say(app, "offer decline 1")).text
    declined = say(app, "offer decline 1 took a <!channel> offer elsewhere")
    assert declined.replies[0].text == "Recorded: Ayesha Khan declined offer #1."
    assert "Offer → Withdrawn" in declined.replies[1].text
    assert stage(app) == "withdrawn"
    with app.uow() as uow:
        move = uow.session.scalars(select(StageMove).order_by(StageMove.id.desc())).first()
        assert move is not None
        assert move.reason == "declined offer #1: took a <!channel> offer elsewhere"
    assert offer_row(app).status == "declined"


def test_contract_milestones_feed_the_check_ins(app: Hirebot) -> None:
    to_final(app, "backend-contract", "Chen")
    terms = "terms=scope,ip,confidentiality start=2027-01-04"
    refused = only(say(app, f"offer 1 type=contract pay=4000 {terms}"))
    assert "currency: give the currency" in refused.text  # the role has no range to take it from
    drafted = say(
        app,
        f"offer 1 type=contract pay=4000 currency=usd {terms} "
        "milestones='API v1:2027-02-15; Launch:2027-03-31'",
    )
    assert drafted.replies[0].kind == "success", drafted.replies[0].text
    fields = {f.label: f.value for f in drafted.replies[0].fields}
    assert fields["Milestones"] == "API v1 by 2027-02-15; Launch by 2027-03-31"
    click(app, "offer_approve", "1", who="omar")
    accepted = only(say(app, "offer accept 1"))
    assert "Its 2 milestone(s) will be tracked" in accepted.footer
    started = only(say(app, "checkin start 1 as=zara"))
    assert "Tracking 2 milestone(s): API v1 by 2027-02-15; Launch by 2027-03-31" in started.text
    with app.uow() as uow:
        checkin = uow.session.scalars(select(Checkin)).one()
        assert checkin.milestones == [
            {"title": "API v1", "due": "2027-02-15"},
            {"title": "Launch", "due": "2027-03-31"},
        ]
    assert "Milestone: API v1 by 2027-02-15" in inbox(app, "zara")[-1].lines


def test_bad_offers_are_refused_with_the_reason_and_store_nothing(app: Hirebot) -> None:
    to_final(app)
    say(app, "add senior-backend Early email=early@example.com")
    cases = {
        f"offer 1 {GOOD.replace('12500', 'twelve')}": "'twelve' is not an amount",
        f"offer 1 {GOOD.replace('12500', '-12500')}": "pay cannot be negative",
        f"offer 1 {GOOD} currency=EUR": "paid in USD, not EUR",
        f"offer 1 {GOOD} currency=dollars": "'dollars' is not a currency code",
        f"offer 1 {GOOD} period=year": "range is per month",
        f"offer 1 {GOOD.replace('2027-01-10', '2026-01-10')}": "has passed",
        "offer 1 pay=12500 start=2027-01-10 terms=scope": "not acknowledged: ip, confidentiality",
        f"offer 1 {GOOD} milestones='Build:2027-02-01'": "milestones are for contract offers",
        f"offer 1 {GOOD} type=intern": "not an employment type",
        f"offer 1 {GOOD} salary=5": "'salary=5' is not an offer option",
        "offer 1": "Pay range: USD 11,670.34 – 14,174.54 per month",
        "offer 999 pay=1": "no applicant #999",
        "offer abc": "'abc' is not an applicant id",
        f"offer 2 {GOOD}": "#2 is in Applied; offers are made from Final interview or Offer",
        "offer accept 7": "no offer #7",
        "offer accept x": "'x' is not an offer id",
        "offer": "usage: offer",
    }
    for command, message in cases.items():
        reply = only(say(app, command))
        assert reply.kind == "error", command
        assert message in reply.text, (command, reply.text)
    several = only(
        say(app, "offer 1 pay=lots currency=EUR start=soon terms=scope,ip,confidentiality")
    )
    assert several.text.startswith("the offer has 3 problems; nothing was saved:\n• pay: ")
    with app.uow() as uow:
        assert uow.session.scalars(select(Offer)).all() == []
    assert stage(app) == "final_interview"
    hina = only(say(app, f"offer 1 {GOOD}", who="hina"))
    assert "you need permission" in hina.text
    say(app, f"offer 1 {GOOD}")
    again = only(say(app, f"offer 1 {GOOD}"))
    assert "#1 already has offer #1 (waiting for approval); withdraw it first" in again.text


def test_offers_listing_and_the_telegram_style_ask(app: Hirebot) -> None:
    to_final(app)
    say(app, f"offer 1 {GOOD}")
    listing = only(say(app, "offers", who="omar"))
    assert listing.lines == [
        "#1 to #1 Ayesha Khan: USD 12,500.00 per month, full time, from 2027-01-10 · "
        "waiting for approval — waiting on you"
    ]
    shown = only(say(app, "offer show 1", who="omar"))
    assert [a.id for a in shown.actions] == ["offer_approve", "offer_decline"]
    assert only(say(app, "offer show 1")).actions == []  # not sana's to decide
    # a channel that asks for text by message (Telegram) taps Decline: `ask` asks for the reason
    asked = only(click(app, "ask", "offer_decline:1", who="omar"))
    assert asked.asks is not None
    assert asked.asks.action.id == "offer_decline"
    assert asked.text == "Reason for declining this offer"
    assert "not waiting on your approval" in only(click(app, "ask", "offer_decline:1")).text
    history = only(say(app, "offers 1"))
    assert history.title == "Offers for #1 Ayesha Khan"
    with app.uow() as uow:
        applicant = uow.session.get(Applicant, 1)
        assert applicant is not None
        assert applicant.stage == "offer"
